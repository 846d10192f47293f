// Issuing, listing and revoking a service's API keys in `<schema>.api_keys` (each service's
// migrations create the table). The key itself is returned once, at creation; only its hash is stored.
import { checkSchemaName } from "../db/schema-name.js";
import type { KeyQueryable } from "./api-key-auth.js";
import { ANY_TENANT, KEY_ROLES, KEY_TENANT_PATTERN, hashApiKey, keyIdOf, newApiKey, type KeyRole } from "./keys.js";

export interface IssueKeyInput {
  readonly tenantId: string;
  readonly role: KeyRole;
  readonly label?: string;
  /** Postgres schema (default: the service's); its migrations must have run there. */
  readonly schema?: string;
}

export interface IssuedKey {
  /** The only time the key is visible. */
  readonly key: string;
  /** Its public id (hash prefix), as `list` shows it and `revoke` takes it. */
  readonly id: string;
  readonly tenantId: string;
  readonly role: KeyRole;
  readonly label: string;
}

export interface KeyInfo {
  readonly id: string;
  readonly tenantId: string;
  readonly role: KeyRole;
  readonly label: string;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
}

/** The admin side of one service's keys (`rlhf <service> keys ...`, demos, tests). */
export interface ServiceKeys {
  readonly prefix: string;
  readonly defaultSchema: string;
  create(db: KeyQueryable, input: IssueKeyInput): Promise<IssuedKey>;
  /** Every key (or a tenant's), oldest first; never the key or its full hash. */
  list(db: KeyQueryable, options?: { tenantId?: string; schema?: string }): Promise<KeyInfo[]>;
  /** Revokes by the key itself or by its id (a unique hash prefix of 8+ hex digits); returns how many live keys it revoked. */
  revoke(db: KeyQueryable, by: { key: string } | { id: string }, options?: { schema?: string }): Promise<number>;
}

/** Checks a key's tenant and role together: `*` is for service keys only. */
export function keyScopeViolations(tenantId: string, role: string): string[] {
  const bad: string[] = [];
  if (!(KEY_ROLES as readonly string[]).includes(role)) bad.push(`role must be one of ${KEY_ROLES.join(", ")}`);
  if (!KEY_TENANT_PATTERN.test(tenantId)) bad.push("tenant must be 1-128 characters of [A-Za-z0-9._:-], or * for a service key of every tenant");
  else if (tenantId === ANY_TENANT && role !== "service") bad.push("only a service key may be valid for every tenant (*)");
  return bad;
}

export function serviceKeys(options: { prefix: string; defaultSchema: string }): ServiceKeys {
  const table = (schema: string | undefined) => `"${checkSchemaName(schema ?? options.defaultSchema)}".api_keys`;
  return {
    prefix: options.prefix,
    defaultSchema: options.defaultSchema,
    async create(db, input) {
      const bad = keyScopeViolations(input.tenantId, input.role);
      if (bad.length > 0) throw new Error(bad.join("; "));
      const key = newApiKey(options.prefix);
      const hash = hashApiKey(key);
      const label = input.label ?? "";
      await db.query(`insert into ${table(input.schema)} (key_hash, tenant_id, role, label) values ($1, $2, $3, $4)`, [hash, input.tenantId, input.role, label]);
      return { key, id: keyIdOf(hash), tenantId: input.tenantId, role: input.role, label };
    },
    async list(db, o = {}) {
      const r = await db.query<{ key_hash: string; tenant_id: string; role: KeyRole; label: string; created_at: Date; revoked_at: Date | null }>(
        `select key_hash, tenant_id, role, label, created_at, revoked_at from ${table(o.schema)} where ($1::text is null or tenant_id = $1) order by created_at, key_hash`,
        [o.tenantId ?? null],
      );
      return r.rows.map((x) => ({ id: keyIdOf(x.key_hash), tenantId: x.tenant_id, role: x.role, label: x.label, createdAt: x.created_at, revokedAt: x.revoked_at }));
    },
    async revoke(db, by, o = {}) {
      if ("key" in by) {
        const r = await db.query(`update ${table(o.schema)} set revoked_at = now() where key_hash = $1 and revoked_at is null`, [hashApiKey(by.key)]);
        return r.rowCount ?? 0;
      }
      if (!/^[0-9a-f]{8,64}$/.test(by.id)) throw new Error("a key id is 8-64 lowercase hex digits (as `keys list` shows it)");
      const matches = await db.query<{ n: number }>(`select count(*)::int as n from ${table(o.schema)} where key_hash like $1 || '%'`, [by.id]);
      if ((matches.rows[0]?.n ?? 0) > 1) throw new Error(`key id ${by.id} matches several keys; give more digits`);
      const r = await db.query(`update ${table(o.schema)} set revoked_at = now() where key_hash like $1 || '%' and revoked_at is null`, [by.id]);
      return r.rowCount ?? 0;
    },
  };
}
