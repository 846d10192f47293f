import { createPool, type Pool } from "@rlhf-loop/kit";
import { UsageError } from "../command.js";

/** The Postgres URL from --database-url or DATABASE_URL (as `make up` writes to .run/stack.env). */
export function databaseUrlFrom(values: Record<string, unknown>): string {
  const url = typeof values["database-url"] === "string" ? values["database-url"] : process.env["DATABASE_URL"];
  if (!url) throw new UsageError("no database: pass --database-url or set DATABASE_URL (e.g. `set -a; source .run/stack.env`)");
  return url;
}

/** Runs `fn` with a small pool that is always closed afterwards. */
export async function withPool<T>(url: string, fn: (pool: Pool) => Promise<T>): Promise<T> {
  const pool = createPool({ url, max: 2, applicationName: "rlhf-cli" });
  try {
    return await fn(pool);
  } finally {
    await pool.end();
  }
}

export const databaseOption = { "database-url": { type: "string" } } as const;
