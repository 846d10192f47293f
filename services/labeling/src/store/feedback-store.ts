import type { FeedbackEvent, SourceName, Vote } from "../domain/model.js";
import type { IgnoreReason } from "../domain/signals.js";
import { table, toIso, toMs, type Queryable } from "./sql.js";

interface FeedbackRow extends Record<string, unknown> {
  tenant_id: string;
  feedback_id: string;
  interaction_id: string;
  source: string;
  rater_id: string;
  rubric_version: string;
  fact: FeedbackEvent["fact"];
  occurred_at: Date;
}

function toEvent(r: FeedbackRow): FeedbackEvent {
  return {
    feedbackId: r.feedback_id,
    tenantId: r.tenant_id,
    interactionId: r.interaction_id,
    source: r.source as SourceName,
    raterId: r.rater_id,
    rubricVersion: r.rubric_version,
    atMs: toMs(r.occurred_at),
    fact: r.fact,
  };
}

/** Stores feedback as pending; returns the events not seen before (in the given order). */
export async function insertFeedback(db: Queryable, schema: string, events: readonly FeedbackEvent[]): Promise<FeedbackEvent[]> {
  if (events.length === 0) return [];
  const res = await db.query<{ tenant_id: string; feedback_id: string }>(
    `insert into ${table(schema, "feedback")} (tenant_id, feedback_id, interaction_id, other_interaction_id, kind, source, rater_id, rubric_version, fact, occurred_at, status)
     select t, f, i, o, k, s, r, v, x, a, 'pending'
       from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::jsonb[], $10::timestamptz[]) as u(t, f, i, o, k, s, r, v, x, a)
     on conflict (tenant_id, feedback_id) do nothing
     returning tenant_id, feedback_id`,
    [
      events.map((e) => e.tenantId),
      events.map((e) => e.feedbackId),
      events.map((e) => e.interactionId),
      events.map((e) => (e.fact.kind === "comparison" ? e.fact.otherId : "")),
      events.map((e) => e.fact.kind),
      events.map((e) => e.source),
      events.map((e) => e.raterId),
      events.map((e) => e.rubricVersion),
      events.map((e) => JSON.stringify(e.fact)),
      events.map((e) => toIso(e.atMs)),
    ],
  );
  const fresh = new Set(res.rows.map((r) => `${r.tenant_id}\u001f${r.feedback_id}`));
  return events.filter((e) => fresh.delete(`${e.tenantId}\u001f${e.feedbackId}`));
}

/** Pending feedback about (or compared against) these interactions, oldest first. */
export async function pendingFeedbackFor(db: Queryable, schema: string, keys: readonly { tenantId: string; interactionId: string }[]): Promise<FeedbackEvent[]> {
  if (keys.length === 0) return [];
  const res = await db.query<FeedbackRow>(
    `select tenant_id, feedback_id, interaction_id, source, rater_id, rubric_version, fact, occurred_at from ${table(schema, "feedback")} f
      where status = 'pending' and (
        (tenant_id, interaction_id) in (select * from unnest($1::text[], $2::text[]))
        or (other_interaction_id <> '' and (tenant_id, other_interaction_id) in (select * from unnest($1::text[], $2::text[]))))
      order by occurred_at, feedback_id`,
    [keys.map((k) => k.tenantId), keys.map((k) => k.interactionId)],
  );
  return res.rows.map(toEvent);
}

export async function markFeedback(db: Queryable, schema: string, e: FeedbackEvent, status: "applied" | "ignored", reason: IgnoreReason | "" = ""): Promise<void> {
  await db.query(`update ${table(schema, "feedback")} set status = $3, ignore_reason = $4, applied_at = now() where tenant_id = $1 and feedback_id = $2`, [e.tenantId, e.feedbackId, status, reason]);
}

export async function insertVote(db: Queryable, schema: string, v: Vote): Promise<void> {
  await db.query(
    `insert into ${table(schema, "votes")} (tenant_id, feedback_id, interaction_id, group_key, answer_hash, direction, weight, rater_id, source, segment, kind, occurred_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) on conflict do nothing`,
    [v.tenantId, v.feedbackId, v.interactionId, v.groupKey, v.answerHash, v.direction, v.weight, v.raterId, v.source, v.segment, v.kind, toIso(v.atMs)],
  );
}

/** The group's most recent votes in `direction` on other answers, newest first. */
export async function recentVotes(db: Queryable, schema: string, v: Vote, direction: 1 | -1, limit: number): Promise<Vote[]> {
  const res = await db.query<{
    feedback_id: string;
    interaction_id: string;
    answer_hash: string;
    weight: number;
    rater_id: string;
    source: string;
    segment: string;
    kind: Vote["kind"];
    occurred_at: Date;
  }>(
    `select feedback_id, interaction_id, answer_hash, weight, rater_id, source, segment, kind, occurred_at from ${table(schema, "votes")}
      where tenant_id = $1 and group_key = $2 and direction = $3 and interaction_id <> $4 and answer_hash <> $5
      order by occurred_at desc, feedback_id desc limit $6`,
    [v.tenantId, v.groupKey, direction, v.interactionId, v.answerHash, limit],
  );
  return res.rows.map((r) => ({
    feedbackId: r.feedback_id,
    tenantId: v.tenantId,
    interactionId: r.interaction_id,
    groupKey: v.groupKey,
    answerHash: r.answer_hash,
    direction,
    weight: r.weight,
    raterId: r.rater_id,
    source: r.source as SourceName,
    segment: r.segment,
    kind: r.kind,
    atMs: toMs(r.occurred_at),
  }));
}

/**
 * Vote tallies (thumbs and ratings) and every outcome reported, whatever its pairing weight:
 * what the review strata are decided from.
 */
export async function answerSignals(
  db: Queryable,
  schema: string,
  keys: readonly { tenantId: string; interactionId: string }[],
): Promise<Map<string, { ups: number; downs: number; outcomes: string[] }>> {
  const out = new Map<string, { ups: number; downs: number; outcomes: string[] }>();
  if (keys.length === 0) return out;
  const res = await db.query<{ tenant_id: string; interaction_id: string; ups: number; downs: number; outcomes: string[] }>(
    `with k as (select * from unnest($1::text[], $2::text[]) as k(tenant_id, interaction_id)),
          v as (select tenant_id, interaction_id,
                       count(*) filter (where direction = 1)::int as ups,
                       count(*) filter (where direction = -1)::int as downs
                  from ${table(schema, "votes")}
                 where kind <> 'outcome' and (tenant_id, interaction_id) in (select * from k)
                 group by tenant_id, interaction_id),
          o as (select tenant_id, interaction_id, array_agg(distinct fact->>'outcome') as outcomes
                  from ${table(schema, "feedback")}
                 where kind = 'outcome' and (tenant_id, interaction_id) in (select * from k)
                 group by tenant_id, interaction_id)
     select k.tenant_id, k.interaction_id, coalesce(v.ups, 0) as ups, coalesce(v.downs, 0) as downs, coalesce(o.outcomes, '{}') as outcomes
       from k left join v using (tenant_id, interaction_id) left join o using (tenant_id, interaction_id)`,
    [keys.map((k) => k.tenantId), keys.map((k) => k.interactionId)],
  );
  for (const r of res.rows) out.set(`${r.tenant_id}\u001f${r.interaction_id}`, { ups: r.ups, downs: r.downs, outcomes: r.outcomes });
  return out;
}
