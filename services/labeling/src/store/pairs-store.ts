import type { Contribution, PairDraft, PairSourceName, PromptMessage } from "../domain/model.js";
import { pairWeight } from "../domain/model.js";
import { table, toIso, toMs, type Queryable } from "./sql.js";

/** A stored pair with the texts a trainer needs. */
export interface FullPair extends PairDraft {
  prompt: PromptMessage[];
  chosen: string;
  rejected: string;
  chosenModelVersion: string;
  rejectedModelVersion: string;
  /** Conversations of the two answers (the canary holdout is decided per conversation). */
  chosenConversationId: string;
  rejectedConversationId: string;
  createdAtMs: number;
}

/** Inserts pairs (idempotent by pair id); returns the ones this call inserted. */
export async function insertPairs(db: Queryable, schema: string, pairs: readonly PairDraft[]): Promise<PairDraft[]> {
  if (pairs.length === 0) return [];
  const res = await db.query<{ tenant_id: string; pair_id: string }>(
    `insert into ${table(schema, "pairs")} (tenant_id, pair_id, group_key, prompt_hash, chosen_id, rejected_id, source, weight, contributions, rubric_version, sampling_weight, stratum, superseded, occurred_at)
     select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::float8[], $9::jsonb[], $10::text[], $11::float8[], $12::text[], $13::bool[], $14::timestamptz[])
     on conflict (tenant_id, pair_id) do nothing
     returning tenant_id, pair_id`,
    [
      pairs.map((p) => p.tenantId),
      pairs.map((p) => p.pairId),
      pairs.map((p) => p.groupKey),
      pairs.map((p) => p.promptHash),
      pairs.map((p) => p.chosenId),
      pairs.map((p) => p.rejectedId),
      pairs.map((p) => p.source),
      pairs.map((p) => pairWeight(p)),
      pairs.map((p) => JSON.stringify(p.contributions)),
      pairs.map((p) => p.rubricVersion),
      pairs.map((p) => p.samplingWeight),
      pairs.map((p) => p.stratum),
      pairs.map((p) => p.superseded),
      pairs.map((p) => toIso(p.atMs)),
    ],
  );
  const fresh = new Set(res.rows.map((r) => `${r.tenant_id}\u001f${r.pair_id}`));
  return pairs.filter((p) => fresh.delete(`${p.tenantId}\u001f${p.pairId}`));
}

interface PairRow extends Record<string, unknown> {
  tenant_id: string;
  pair_id: string;
  group_key: string;
  prompt_hash: string;
  chosen_id: string;
  rejected_id: string;
  source: PairSourceName;
  contributions: Contribution[];
  rubric_version: string;
  sampling_weight: number;
  stratum: string;
  superseded: boolean;
  occurred_at: Date;
  created_at: Date;
  prompt: PromptMessage[];
  chosen: string;
  rejected: string;
  chosen_model: string;
  rejected_model: string;
  chosen_conversation: string;
  rejected_conversation: string;
}

const SELECT_FULL = (schema: string) => `
  select p.tenant_id, p.pair_id, p.group_key, p.prompt_hash, p.chosen_id, p.rejected_id, p.source, p.contributions,
         p.rubric_version, p.sampling_weight, p.stratum, p.superseded, p.occurred_at, p.created_at,
         c.prompt, c.answer as chosen, r.answer as rejected, c.model_version as chosen_model, r.model_version as rejected_model,
         c.conversation_id as chosen_conversation, r.conversation_id as rejected_conversation
    from ${table(schema, "pairs")} p
    join ${table(schema, "answers")} c on c.tenant_id = p.tenant_id and c.interaction_id = p.chosen_id
    join ${table(schema, "answers")} r on r.tenant_id = p.tenant_id and r.interaction_id = p.rejected_id`;

function toFull(r: PairRow): FullPair {
  return {
    pairId: r.pair_id,
    tenantId: r.tenant_id,
    groupKey: r.group_key,
    promptHash: r.prompt_hash,
    chosenId: r.chosen_id,
    rejectedId: r.rejected_id,
    source: r.source,
    contributions: r.contributions,
    rubricVersion: r.rubric_version,
    samplingWeight: r.sampling_weight,
    stratum: r.stratum,
    superseded: r.superseded,
    atMs: toMs(r.occurred_at),
    createdAtMs: toMs(r.created_at),
    prompt: r.prompt,
    chosen: r.chosen,
    rejected: r.rejected,
    chosenModelVersion: r.chosen_model,
    rejectedModelVersion: r.rejected_model,
    chosenConversationId: r.chosen_conversation,
    rejectedConversationId: r.rejected_conversation,
  };
}

/**
 * Locks up to `limit` unpublished pairs (skipping ones another instance holds) inside the
 * caller's transaction. Mark them published in the same transaction after the broker acked.
 */
export async function claimUnpublished(db: Queryable, schema: string, limit: number): Promise<FullPair[]> {
  const res = await db.query<PairRow>(
    `with claimed as (
       select tenant_id, pair_id from ${table(schema, "pairs")} where published_at is null order by created_at limit $1 for update skip locked)
     ${SELECT_FULL(schema)} where (p.tenant_id, p.pair_id) in (select * from claimed) order by p.created_at, p.pair_id`,
    [limit],
  );
  return res.rows.map(toFull);
}

export async function markPublished(db: Queryable, schema: string, pairs: readonly Pick<PairDraft, "tenantId" | "pairId">[]): Promise<void> {
  if (pairs.length === 0) return;
  await db.query(`update ${table(schema, "pairs")} set published_at = now() where (tenant_id, pair_id) in (select * from unnest($1::text[], $2::text[]))`, [
    pairs.map((p) => p.tenantId),
    pairs.map((p) => p.pairId),
  ]);
}

export interface PairQuery {
  tenantId: string;
  fromMs?: number | undefined;
  toMs?: number | undefined;
  sources?: readonly PairSourceName[] | undefined;
  includeSuperseded: boolean;
}

/** The pairs a snapshot is built from, in a stable order (time, then id). */
export async function loadPairs(db: Queryable, schema: string, q: PairQuery): Promise<FullPair[]> {
  const where = ["p.tenant_id = $1"];
  const args: unknown[] = [q.tenantId];
  if (q.fromMs !== undefined) {
    args.push(toIso(q.fromMs));
    where.push(`p.occurred_at >= $${args.length}`);
  }
  if (q.toMs !== undefined) {
    args.push(toIso(q.toMs));
    where.push(`p.occurred_at < $${args.length}`);
  }
  if (q.sources && q.sources.length > 0) {
    args.push([...q.sources]);
    where.push(`p.source = any($${args.length}::text[])`);
  }
  if (!q.includeSuperseded) where.push("not p.superseded");
  const res = await db.query<PairRow>(`${SELECT_FULL(schema)} where ${where.join(" and ")} order by p.occurred_at, p.pair_id`, args);
  return res.rows.map(toFull);
}

/** Marks rubric-tagged pairs made under other versions superseded; returns how many changed. */
export async function markPairsSuperseded(db: Queryable, schema: string, tenantId: string, activeVersion: string): Promise<number> {
  const res = await db.query(`update ${table(schema, "pairs")} set superseded = true where tenant_id = $1 and rubric_version <> '' and rubric_version <> $2 and not superseded`, [
    tenantId,
    activeVersion,
  ]);
  return res.rowCount ?? 0;
}
