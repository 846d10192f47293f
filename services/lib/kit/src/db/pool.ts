import pg from "pg";
import type { Logger } from "../log/logger.js";

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export interface PoolOptions {
  url: string;
  /** Most connections (default 10). */
  max?: number;
  idleTimeoutMs?: number;
  /** How long to wait for a connection (default 5 s). */
  connectionTimeoutMs?: number;
  /** Server-side statement timeout (default none). */
  statementTimeoutMs?: number;
  applicationName?: string;
  /** Errors of idle clients are logged here instead of crashing the process. */
  logger?: Logger;
}

export function createPool(options: PoolOptions): Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
    ...(options.statementTimeoutMs !== undefined ? { statement_timeout: options.statementTimeoutMs } : {}),
    application_name: options.applicationName ?? "rlhf-loop",
  });
  // An idle client losing its connection emits 'error' on the pool; unhandled, that kills the process.
  pool.on("error", (err) => options.logger?.warn({ err }, "idle postgres client error"));
  return pool;
}

/** Runs `fn` in a transaction; rolls back when it throws. */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Whether Postgres answers `select 1` within `timeoutMs`. */
export async function dbHealth(pool: Pool, timeoutMs = 2_000): Promise<{ ok: boolean; detail?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      pool.query("select 1"),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs}ms`)), timeoutMs);
      }),
    ]);
    return { ok: true };
  } catch (err) {
    return { ok: false, detail: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}
