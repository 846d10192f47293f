import { generateApiKey, hashApiKey, keyPrefix, TENANT_ID_PATTERN } from "../domain/api-keys.js";
import type { Queryable } from "./sql.js";
import { DEFAULT_SCHEMA, table } from "./sql.js";

export interface TenantInput {
  tenantId: string;
  name?: string;
  /** Events per second; omit for the service default. */
  ratePerSec?: number;
  burst?: number;
}

export interface Tenant {
  tenantId: string;
  name: string;
  ratePerSec: number | null;
  burst: number | null;
  createdAt: Date;
}

export interface CreatedApiKey {
  /** The only time the key is visible; the database keeps its hash. */
  apiKey: string;
  tenantId: string;
  keyPrefix: string;
  label: string;
}

export interface ApiKeyInfo {
  keyPrefix: string;
  label: string;
  createdAt: Date;
  revokedAt: Date | null;
}

/** What authentication needs to know about a key. */
export interface KeyOwner {
  tenantId: string;
  ratePerSec: number | null;
  burst: number | null;
}

interface SchemaOption {
  /** Postgres schema (default "ingestion"); the migrations must have run there. */
  schema?: string;
}

/**
 * Creates a tenant (or updates its name and limits when it exists). Admin entry point for
 * the `rlhf` CLI.
 */
export async function createTenant(db: Queryable, input: TenantInput & SchemaOption): Promise<Tenant> {
  if (!TENANT_ID_PATTERN.test(input.tenantId)) {
    throw new Error(`tenant id ${JSON.stringify(input.tenantId)} must match ${String(TENANT_ID_PATTERN)}`);
  }
  for (const [k, v] of [["ratePerSec", input.ratePerSec], ["burst", input.burst]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v <= 0)) throw new Error(`${k} must be a positive integer`);
  }
  const t = table(input.schema ?? DEFAULT_SCHEMA, "tenants");
  const r = await db.query<{ tenant_id: string; name: string; rate_per_sec: number | null; burst: number | null; created_at: Date }>(
    `insert into ${t} (tenant_id, name, rate_per_sec, burst) values ($1, $2, $3, $4)
     on conflict (tenant_id) do update set name = excluded.name, rate_per_sec = excluded.rate_per_sec, burst = excluded.burst
     returning tenant_id, name, rate_per_sec, burst, created_at`,
    [input.tenantId, input.name ?? "", input.ratePerSec ?? null, input.burst ?? null],
  );
  const row = r.rows[0]!;
  return { tenantId: row.tenant_id, name: row.name, ratePerSec: row.rate_per_sec, burst: row.burst, createdAt: row.created_at };
}

/** Issues a new API key for an existing tenant and stores its hash. */
export async function createApiKey(db: Queryable, input: { tenantId: string; label?: string } & SchemaOption): Promise<CreatedApiKey> {
  const schema = input.schema ?? DEFAULT_SCHEMA;
  const exists = await db.query(`select 1 from ${table(schema, "tenants")} where tenant_id = $1 and disabled_at is null`, [input.tenantId]);
  if (exists.rows.length === 0) throw new Error(`tenant ${JSON.stringify(input.tenantId)} does not exist (create it first)`);
  const apiKey = generateApiKey(input.tenantId);
  const prefix = keyPrefix(apiKey);
  await db.query(`insert into ${table(schema, "api_keys")} (key_hash, tenant_id, key_prefix, label) values ($1, $2, $3, $4)`, [
    hashApiKey(apiKey),
    input.tenantId,
    prefix,
    input.label ?? "",
  ]);
  return { apiKey, tenantId: input.tenantId, keyPrefix: prefix, label: input.label ?? "" };
}

/** Revokes a key (by its full value); returns whether a live key was revoked. */
export async function revokeApiKey(db: Queryable, input: { apiKey: string } & SchemaOption): Promise<boolean> {
  const r = await db.query(`update ${table(input.schema ?? DEFAULT_SCHEMA, "api_keys")} set revoked_at = now() where key_hash = $1 and revoked_at is null`, [
    hashApiKey(input.apiKey),
  ]);
  return (r.rowCount ?? 0) > 0;
}

export async function listApiKeys(db: Queryable, input: { tenantId: string } & SchemaOption): Promise<ApiKeyInfo[]> {
  const r = await db.query<{ key_prefix: string; label: string; created_at: Date; revoked_at: Date | null }>(
    `select key_prefix, label, created_at, revoked_at from ${table(input.schema ?? DEFAULT_SCHEMA, "api_keys")} where tenant_id = $1 order by created_at`,
    [input.tenantId],
  );
  return r.rows.map((x) => ({ keyPrefix: x.key_prefix, label: x.label, createdAt: x.created_at, revokedAt: x.revoked_at }));
}

/** The owner of a live key of a live tenant, by the key's hash. */
export async function findKeyOwner(db: Queryable, schema: string, keyHash: string): Promise<KeyOwner | undefined> {
  const r = await db.query<{ tenant_id: string; rate_per_sec: number | null; burst: number | null }>(
    `select t.tenant_id, t.rate_per_sec, t.burst
       from ${table(schema, "api_keys")} k join ${table(schema, "tenants")} t using (tenant_id)
      where k.key_hash = $1 and k.revoked_at is null and t.disabled_at is null`,
    [keyHash],
  );
  const row = r.rows[0];
  return row ? { tenantId: row.tenant_id, ratePerSec: row.rate_per_sec, burst: row.burst } : undefined;
}
