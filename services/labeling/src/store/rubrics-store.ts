import type { RubricCriterion, RubricDraft } from "../domain/rubric.js";
import { rubricContentHash } from "../domain/rubric.js";
import { markPairsSuperseded } from "./pairs-store.js";
import { table, toMs, type Queryable } from "./sql.js";

export interface StoredRubric extends RubricDraft {
  tenantId: string;
  seq: number;
  status: "active" | "paused";
  contentSha256: string;
  publishedAtMs: number;
  publishedBy: string;
}

interface RubricRow extends Record<string, unknown> {
  tenant_id: string;
  version: string;
  seq: number;
  title: string;
  instructions: string;
  criteria: RubricCriterion[];
  content_sha256: string;
  status: "active" | "paused";
  published_at: Date;
  published_by: string;
  change_note: string;
}

function toRubric(r: RubricRow): StoredRubric {
  return {
    tenantId: r.tenant_id,
    version: r.version,
    seq: r.seq,
    title: r.title,
    instructions: r.instructions,
    criteria: r.criteria,
    changeNote: r.change_note,
    status: r.status,
    contentSha256: r.content_sha256,
    publishedAtMs: toMs(r.published_at),
    publishedBy: r.published_by,
  };
}

export async function activeRubric(db: Queryable, schema: string, tenantId: string): Promise<StoredRubric | undefined> {
  const res = await db.query<RubricRow>(`select * from ${table(schema, "rubrics")} where tenant_id = $1 and status = 'active'`, [tenantId]);
  return res.rows[0] ? toRubric(res.rows[0]) : undefined;
}

export async function getRubric(db: Queryable, schema: string, tenantId: string, version: string): Promise<StoredRubric | undefined> {
  const res = await db.query<RubricRow>(`select * from ${table(schema, "rubrics")} where tenant_id = $1 and version = $2`, [tenantId, version]);
  return res.rows[0] ? toRubric(res.rows[0]) : undefined;
}

/** Active rubric version per tenant (for marking expert comparisons that come in as feedback). */
export async function activeVersions(db: Queryable, schema: string, tenantIds: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (tenantIds.length === 0) return out;
  const res = await db.query<{ tenant_id: string; version: string }>(`select tenant_id, version from ${table(schema, "rubrics")} where status = 'active' and tenant_id = any($1::text[])`, [[...new Set(tenantIds)]]);
  for (const r of res.rows) out.set(r.tenant_id, r.version);
  return out;
}

export async function pausedRubrics(db: Queryable, schema: string): Promise<{ tenantId: string; version: string }[]> {
  const res = await db.query<{ tenant_id: string; version: string }>(`select tenant_id, version from ${table(schema, "rubrics")} where status = 'paused'`);
  return res.rows.map((r) => ({ tenantId: r.tenant_id, version: r.version }));
}

export type PublishOutcome =
  | { kind: "published"; rubric: StoredRubric; pausedVersion: string; judgmentsMarked: number; pairsMarked: number }
  | { kind: "unchanged"; rubric: StoredRubric }
  | { kind: "locked"; existing: StoredRubric };

/**
 * Publishes a version inside the caller's transaction (serialized per tenant by an advisory
 * lock): the previous active version is paused, judgments and expert pairs made under older
 * versions are marked superseded (kept), and the change is logged. Publishing an existing
 * version again is a no-op when the content is the same and refused when it differs.
 */
export async function publishRubric(db: Queryable, schema: string, tenantId: string, draft: RubricDraft, by: string): Promise<PublishOutcome> {
  await db.query("select pg_advisory_xact_lock(hashtext($1))", [`labeling-rubric:${schema}:${tenantId}`]);
  const hash = rubricContentHash(draft);
  const existing = await getRubric(db, schema, tenantId, draft.version);
  if (existing) return existing.contentSha256 === hash ? { kind: "unchanged", rubric: existing } : { kind: "locked", existing };
  const prev = await activeRubric(db, schema, tenantId);
  if (prev) await db.query(`update ${table(schema, "rubrics")} set status = 'paused', paused_at = now() where tenant_id = $1 and version = $2`, [tenantId, prev.version]);
  const seqRes = await db.query<{ next: number }>(`select coalesce(max(seq), 0) + 1 as next from ${table(schema, "rubrics")} where tenant_id = $1`, [tenantId]);
  const ins = await db.query<RubricRow>(
    `insert into ${table(schema, "rubrics")} (tenant_id, version, seq, title, instructions, criteria, content_sha256, status, published_by, change_note)
     values ($1, $2, $3, $4, $5, $6, $7, 'active', $8, $9) returning *`,
    [tenantId, draft.version, seqRes.rows[0]?.next ?? 1, draft.title, draft.instructions, JSON.stringify(draft.criteria), hash, by, draft.changeNote],
  );
  const marked = await db.query(
    `update ${table(schema, "judgments")} set superseded = true where tenant_id = $1 and rubric_version <> $2 and not superseded`,
    [tenantId, draft.version],
  );
  const judgmentsMarked = marked.rowCount ?? 0;
  const pairsMarked = await markPairsSuperseded(db, schema, tenantId, draft.version);
  if (prev) {
    await db.query(
      `insert into ${table(schema, "rubric_changes")} (tenant_id, from_version, to_version, changed_by, note, judgments_marked, pairs_marked) values ($1, $2, $3, $4, $5, $6, $7)`,
      [tenantId, prev.version, draft.version, by, draft.changeNote, judgmentsMarked, pairsMarked],
    );
  }
  return { kind: "published", rubric: toRubric(ins.rows[0] as RubricRow), pausedVersion: prev?.version ?? "", judgmentsMarked, pairsMarked };
}

export interface RubricChange {
  fromVersion: string;
  toVersion: string;
  changedBy: string;
  note: string;
  judgmentsMarked: number;
  pairsMarked: number;
  changedAtMs: number;
}

export async function rubricChanges(db: Queryable, schema: string, tenantId: string): Promise<RubricChange[]> {
  const res = await db.query<{ from_version: string; to_version: string; changed_by: string; note: string; judgments_marked: number; pairs_marked: number; changed_at: Date }>(
    `select * from ${table(schema, "rubric_changes")} where tenant_id = $1 order by change_id`,
    [tenantId],
  );
  return res.rows.map((r) => ({ fromVersion: r.from_version, toVersion: r.to_version, changedBy: r.changed_by, note: r.note, judgmentsMarked: r.judgments_marked, pairsMarked: r.pairs_marked, changedAtMs: toMs(r.changed_at) }));
}
