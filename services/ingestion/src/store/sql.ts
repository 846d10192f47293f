import { createHash } from "node:crypto";
import { checkSchemaName } from "@rlhf-loop/kit";

/** What the stores need from pg: a Pool or a checked-out client. */
export interface Queryable {
  query<R extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>;
  query<R extends Record<string, unknown> = Record<string, unknown>>(config: PreparedQuery): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** A named (server-side prepared) statement: parsed once per connection, planned from cache. */
export interface PreparedQuery {
  name: string;
  text: string;
  values: unknown[];
}

const names = new Map<string, string>();

/**
 * The hot statements (ledger lookups and writes, the persister's inserts) run hundreds of
 * times a second with a few rows each; as unnamed statements Postgres parses and plans each
 * one again, which costs more than running it. The name is a hash of the text, so each
 * schema's statement gets its own, within Postgres's 63-byte limit.
 */
export function prepared(text: string, values: unknown[]): PreparedQuery {
  let name = names.get(text);
  if (name === undefined) {
    name = `ingestion_${createHash("sha256").update(text).digest("hex").slice(0, 32)}`;
    names.set(text, name);
  }
  return { name, text, values };
}

/** The default Postgres schema of this service; tests use their own. */
export const DEFAULT_SCHEMA = "ingestion";

/** `"schema".table`, refusing anything but a plain identifier (it is interpolated into SQL). */
export function table(schema: string, name: string): string {
  return `"${checkSchemaName(schema)}".${name}`;
}
