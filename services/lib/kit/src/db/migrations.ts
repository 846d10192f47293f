import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "../log/logger.js";
import { withTransaction, type Pool } from "./pool.js";
import { checkSchemaName } from "./schema-name.js";

export interface MigrationOptions {
  /** The Postgres schema the service owns; created if missing. Lowercase identifier. */
  schema: string;
  /** Folder holding `NNN_name.sql` files. */
  dir: string;
  logger?: Logger;
}

export interface MigrationResult {
  /** Files applied by this run, in order. */
  applied: string[];
  /** Files found already applied. */
  skipped: string[];
}

interface MigrationFile {
  version: number;
  name: string;
  file: string;
  sql: string;
  checksum: string;
}

const FILE_RE = /^(\d{3,})_([a-z0-9_-]+)\.sql$/;

export async function readMigrations(dir: string): Promise<MigrationFile[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".sql")).sort();
  const out: MigrationFile[] = [];
  const seen = new Map<number, string>();
  for (const file of files) {
    const m = FILE_RE.exec(file);
    if (!m) throw new Error(`migration file ${file} must be named NNN_name.sql`);
    const version = Number(m[1]);
    const dup = seen.get(version);
    if (dup) throw new Error(`migrations ${dup} and ${file} share version ${version}`);
    seen.set(version, file);
    const sql = await readFile(path.join(dir, file), "utf8");
    out.push({ version, name: m[2] ?? "", file, sql, checksum: createHash("sha256").update(sql).digest("hex") });
  }
  return out.sort((a, b) => a.version - b.version);
}

/** A stable 64-bit advisory lock key per schema, so two services never wait on each other. */
function lockKey(schema: string): string {
  return BigInt.asIntN(64, BigInt(`0x${createHash("sha256").update(`rlhf-migrate:${schema}`).digest("hex").slice(0, 16)}`)).toString();
}

/**
 * Applies the pending migrations of `dir` to `schema`, in version order, each in its own
 * transaction, under a transaction-level advisory lock so concurrent starts apply each file once.
 * Applied files are recorded in `<schema>.schema_migrations` with a checksum; an applied file
 * whose content changed is an error.
 */
export async function runMigrations(pool: Pool, options: MigrationOptions): Promise<MigrationResult> {
  const { schema } = options;
  checkSchemaName(schema);
  const files = await readMigrations(options.dir);
  const applied: string[] = [];
  const skipped: string[] = [];
  const key = lockKey(schema);
  await withTransaction(pool, async (c) => {
    await c.query("select pg_advisory_xact_lock($1::bigint)", [key]);
    await c.query(`create schema if not exists "${schema}"`);
    await c.query(
      `create table if not exists "${schema}".schema_migrations (
         version integer primary key,
         name text not null,
         checksum text not null,
         applied_at timestamptz not null default now())`,
    );
  });
  for (const f of files) {
    await withTransaction(pool, async (c) => {
      await c.query("select pg_advisory_xact_lock($1::bigint)", [key]);
      const row = await c.query<{ checksum: string; name: string }>(
        `select checksum, name from "${schema}".schema_migrations where version = $1`,
        [f.version],
      );
      const prior = row.rows[0];
      if (prior) {
        if (prior.checksum !== f.checksum) {
          throw new Error(`migration ${f.file} was edited after it was applied to schema ${schema} (checksum differs); add a new migration instead`);
        }
        skipped.push(f.file);
        return;
      }
      // Unqualified names in the file land in the service's schema.
      await c.query(`set local search_path to "${schema}", public`);
      await c.query(f.sql);
      await c.query(`insert into "${schema}".schema_migrations (version, name, checksum) values ($1, $2, $3)`, [
        f.version,
        f.name,
        f.checksum,
      ]);
      applied.push(f.file);
    });
  }
  if (applied.length > 0) options.logger?.info({ schema, applied }, "migrations applied");
  return { applied, skipped };
}

/**
 * For a service started without migrating (its role may lack DDL rights; the migration Job ran
 * them): throws, naming the files, unless every migration of `dir` is recorded in `schema` with
 * the same checksum. Versions applied beyond the files (a newer build migrated first) pass.
 */
export async function checkMigrated(pool: Pool, options: Omit<MigrationOptions, "logger">): Promise<void> {
  const { schema } = options;
  checkSchemaName(schema);
  const files = await readMigrations(options.dir);
  const table = await pool.query<{ t: string | null }>("select to_regclass($1)::text as t", [`"${schema}".schema_migrations`]);
  const applied = new Map<number, string>();
  if (table.rows[0]?.t) {
    const rows = await pool.query<{ version: number; checksum: string }>(`select version, checksum from "${schema}".schema_migrations`);
    for (const r of rows.rows) applied.set(r.version, r.checksum);
  }
  const edited = files.filter((f) => applied.has(f.version) && applied.get(f.version) !== f.checksum).map((f) => f.file);
  if (edited.length > 0) throw new Error(`migration(s) ${edited.join(", ")} differ from what schema ${schema} recorded (checksum): this build's migrations were edited after they were applied`);
  const pending = files.filter((f) => !applied.has(f.version)).map((f) => f.file);
  if (pending.length > 0) {
    throw new Error(`schema ${schema} lacks migration(s) ${pending.join(", ")}: run the migration Job (k8s/migrate/migrate.mjs) first, or start the service with migrations on`);
  }
}
