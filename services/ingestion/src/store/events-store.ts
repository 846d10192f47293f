import type { Queryable } from "./sql.js";
import { prepared, table } from "./sql.js";

/** A row of `interactions`; JSON columns as JSON text, times as ISO strings. */
export interface InteractionRow {
  tenantId: string;
  interactionId: string;
  eventId: string;
  idempotencyKey: string;
  conversationId: string;
  turnIndex: number;
  promptJson: string;
  promptHash: string;
  answer: string;
  modelVersion: string;
  segment: string;
  metadataJson: string;
  regeneratedFrom: string;
  occurredAt: string;
  receivedAt: string;
}

/** A row of `feedback` (and of `parked_feedback` while its interaction is missing). */
export interface FeedbackRow {
  tenantId: string;
  feedbackId: string;
  interactionId: string;
  idempotencyKey: string;
  kind: string;
  source: string;
  raterId: string;
  reasonCodesJson: string;
  rubricVersion: string;
  comment: string;
  detailJson: string;
  occurredAt: string;
  receivedAt: string;
}

export interface InteractionKey {
  tenantId: string;
  interactionId: string;
}

/**
 * Multi-row insert of interactions (one stored before, by redelivery or a repeated produce, is
 * kept as is), and in the same statement the move of parked feedback waiting for them into
 * `feedback`. A feedback parked by a transaction that commits while this statement runs is
 * missed here; its own post-park join or the periodic sweep picks it up.
 */
export async function insertInteractions(db: Queryable, schema: string, rows: readonly InteractionRow[]): Promise<{ inserted: number; joined: number }> {
  if (rows.length === 0) return { inserted: 0, joined: 0 };
  const col = <K extends keyof InteractionRow>(k: K): InteractionRow[K][] => rows.map((r) => r[k]);
  const ix = table(schema, "interactions");
  const r = await db.query<{ inserted: string; joined: string }>(
    prepared(
      `with ins as (
         insert into ${ix}
           (tenant_id, interaction_id, event_id, idempotency_key, conversation_id, turn_index, prompt, prompt_hash,
            answer, model_version, segment, metadata, regenerated_from, occurred_at, received_at)
         select * from unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::int[], $7::jsonb[], $8::text[],
                              $9::text[], $10::text[], $11::text[], $12::jsonb[], $13::text[], $14::timestamptz[], $15::timestamptz[])
         on conflict do nothing
         returning tenant_id, interaction_id
       ),
       present as (
         select tenant_id, interaction_id from ins
         union
         select x.tenant_id, x.interaction_id from ${ix} x
          where (x.tenant_id, x.interaction_id) in (select * from unnest($1::text[], $2::text[]))
       ),
       moved as (
         delete from ${table(schema, "parked_feedback")} p using present k
          where p.tenant_id = k.tenant_id and p.interaction_id = k.interaction_id
          returning p.*
       ),
       joined as (
         insert into ${table(schema, "feedback")} (${FEEDBACK_COLS}, parked_at)
         select ${FEEDBACK_COLS}, parked_at from moved
         on conflict do nothing
         returning 1
       )
       select (select count(*) from ins)::text as inserted, (select count(*) from moved)::text as joined`,
      [
        col("tenantId"), col("interactionId"), col("eventId"), col("idempotencyKey"), col("conversationId"), col("turnIndex"),
        col("promptJson"), col("promptHash"), col("answer"), col("modelVersion"), col("segment"), col("metadataJson"),
        col("regeneratedFrom"), col("occurredAt"), col("receivedAt"),
      ],
    ),
  );
  return { inserted: Number(r.rows[0]?.inserted ?? 0), joined: Number(r.rows[0]?.joined ?? 0) };
}

const FEEDBACK_COLS =
  "tenant_id, feedback_id, interaction_id, idempotency_key, kind, source, rater_id, reason_codes, rubric_version, comment, detail, occurred_at, received_at";

/**
 * Stores feedback whose interaction is stored, parks the rest (never drops, never guesses).
 * One statement; duplicates (redelivery, a retried produce) are ignored by the unique keys.
 * Returns how many rows were stored and the interactions of the rows parked by this call.
 */
export async function storeFeedback(
  db: Queryable,
  schema: string,
  rows: readonly FeedbackRow[],
): Promise<{ stored: number; parked: InteractionKey[] }> {
  if (rows.length === 0) return { stored: 0, parked: [] };
  const col = <K extends keyof FeedbackRow>(k: K): FeedbackRow[K][] => rows.map((r) => r[k]);
  const ix = table(schema, "interactions");
  const fb = table(schema, "feedback");
  const r = await db.query<{ stored: string; tenant_id: string | null; interaction_id: string | null }>(
    prepared(
      `with input as (
         select t.tenant_id, t.feedback_id, t.interaction_id, t.idempotency_key, t.kind, t.source, t.rater_id,
                coalesce((select array_agg(e) from jsonb_array_elements_text(t.reason_codes) e), '{}') as reason_codes,
                t.rubric_version, t.comment, t.detail, t.occurred_at, t.received_at,
                exists (select 1 from ${ix} x where x.tenant_id = t.tenant_id and x.interaction_id = t.interaction_id) as joined
           from unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::jsonb[],
                       $9::text[], $10::text[], $11::jsonb[], $12::timestamptz[], $13::timestamptz[])
                as t(tenant_id, feedback_id, interaction_id, idempotency_key, kind, source, rater_id, reason_codes,
                     rubric_version, comment, detail, occurred_at, received_at)
       ),
       stored as (
         insert into ${fb} (${FEEDBACK_COLS})
         select ${FEEDBACK_COLS} from input where joined
         on conflict do nothing
         returning 1
       ),
       parked as (
         insert into ${table(schema, "parked_feedback")} (${FEEDBACK_COLS})
         select ${FEEDBACK_COLS} from input i
          where not joined
            and not exists (select 1 from ${fb} f where f.tenant_id = i.tenant_id and f.feedback_id = i.feedback_id)
         on conflict do nothing
         returning tenant_id, interaction_id
       )
       select (select count(*) from stored)::text as stored, p.tenant_id, p.interaction_id
         from (select 1) one left join parked p on true`,
      [
        col("tenantId"), col("feedbackId"), col("interactionId"), col("idempotencyKey"), col("kind"), col("source"), col("raterId"),
        col("reasonCodesJson"), col("rubricVersion"), col("comment"), col("detailJson"), col("occurredAt"), col("receivedAt"),
      ],
    ),
  );
  const parked: InteractionKey[] = [];
  for (const row of r.rows) if (row.tenant_id !== null && row.interaction_id !== null) parked.push({ tenantId: row.tenant_id, interactionId: row.interaction_id });
  return { stored: Number(r.rows[0]?.stored ?? 0), parked };
}

/**
 * Moves parked feedback whose interaction is now stored into `feedback`. Limited to `keys`
 * when given (right after parking), else a full sweep (the periodic safety net). Run after
 * the parking committed: then either it sees the interaction, or the interaction's writer
 * (starting later) sees the parked row, or, in the one narrow overlap, the sweep does.
 */
export async function joinParkedFeedback(db: Queryable, schema: string, keys?: readonly InteractionKey[]): Promise<number> {
  if (keys !== undefined && keys.length === 0) return 0;
  const p = table(schema, "parked_feedback");
  const filter = keys === undefined ? "" : "and (p.tenant_id, p.interaction_id) in (select * from unnest($1::text[], $2::text[]))";
  const r = await db.query<{ moved: string }>(
    prepared(
      `with moved as (
         delete from ${p} p using ${table(schema, "interactions")} x
          where x.tenant_id = p.tenant_id and x.interaction_id = p.interaction_id ${filter}
          returning p.*
       ), ins as (
         insert into ${table(schema, "feedback")} (${FEEDBACK_COLS}, parked_at)
         select ${FEEDBACK_COLS}, parked_at from moved
         on conflict do nothing
         returning 1
       )
       select (select count(*) from moved)::text as moved`,
      keys === undefined ? [] : [keys.map((k) => k.tenantId), keys.map((k) => k.interactionId)],
    ),
  );
  return Number(r.rows[0]?.moved ?? 0);
}

/** Parked count and the age of the oldest parked row, for the gauges. */
export async function parkedStats(db: Queryable, schema: string): Promise<{ count: number; oldestAgeSeconds: number }> {
  const r = await db.query<{ n: string; age: number | null }>(
    `select count(*)::text as n, extract(epoch from now() - min(parked_at))::float8 as age from ${table(schema, "parked_feedback")}`,
  );
  return { count: Number(r.rows[0]?.n ?? 0), oldestAgeSeconds: r.rows[0]?.age ?? 0 };
}
