import { randomBytes } from "node:crypto";
import { sha256Hex } from "../domain/hash.js";
import { table, type Queryable } from "./sql.js";

export type RaterRole = "expert" | "lead" | "service";

export interface Rater {
  tenantId: string;
  raterId: string;
  role: RaterRole;
  name: string;
}

export interface CreatedRater extends Rater {
  /** Shown once; only its sha256 is stored. */
  key: string;
}

const KEY_PREFIX = "lbk_";

/** Creates an expert (or lead, or service) with a fresh key. */
export async function createRater(db: Queryable, schema: string, init: { tenantId: string; raterId: string; role: RaterRole; name?: string }): Promise<CreatedRater> {
  const key = `${KEY_PREFIX}${randomBytes(24).toString("base64url")}`;
  await db.query(`insert into ${table(schema, "raters")} (tenant_id, rater_id, role, key_hash, key_prefix, name) values ($1, $2, $3, $4, $5, $6)`, [
    init.tenantId,
    init.raterId,
    init.role,
    sha256Hex(key),
    key.slice(0, 8),
    init.name ?? "",
  ]);
  return { tenantId: init.tenantId, raterId: init.raterId, role: init.role, name: init.name ?? "", key };
}

/** The rater a key belongs to, unless unknown or revoked. */
export async function raterByKey(db: Queryable, schema: string, key: string): Promise<Rater | undefined> {
  const res = await db.query<{ tenant_id: string; rater_id: string; role: RaterRole; name: string }>(
    `select tenant_id, rater_id, role, name from ${table(schema, "raters")} where key_hash = $1 and revoked_at is null`,
    [sha256Hex(key)],
  );
  const r = res.rows[0];
  return r ? { tenantId: r.tenant_id, raterId: r.rater_id, role: r.role, name: r.name } : undefined;
}

export async function revokeRater(db: Queryable, schema: string, tenantId: string, raterId: string): Promise<boolean> {
  const res = await db.query(`update ${table(schema, "raters")} set revoked_at = now() where tenant_id = $1 and rater_id = $2 and revoked_at is null`, [tenantId, raterId]);
  return (res.rowCount ?? 0) > 0;
}

/** Weight factors of raters flagged by the last audit (1 for everyone else). */
export async function raterFactors(db: Queryable, schema: string, tenantId: string): Promise<Map<string, number>> {
  const res = await db.query<{ rater_id: string; weight_factor: number }>(`select rater_id, weight_factor from ${table(schema, "rater_status")} where tenant_id = $1 and flagged`, [tenantId]);
  return new Map(res.rows.map((r) => [r.rater_id, r.weight_factor]));
}
