import type { AnswerRecord } from "../domain/from-proto.js";
import type { Answer, PromptMessage } from "../domain/model.js";
import { groupKeyFor } from "../domain/prompt.js";
import { table, toIso, toMs, type Queryable } from "./sql.js";

export interface StoredAnswer extends Answer {
  prompt: PromptMessage[];
  answer: string;
}

interface AnswerRow extends Record<string, unknown> {
  tenant_id: string;
  interaction_id: string;
  conversation_id: string;
  turn_index: number;
  prompt_hash: string;
  group_key: string;
  answer_hash: string;
  segment: string;
  model_version: string;
  regenerated_from: string;
  occurred_at: Date;
  prompt?: PromptMessage[];
  answer?: string;
}

const COLS = "tenant_id, interaction_id, conversation_id, turn_index, prompt_hash, group_key, answer_hash, segment, model_version, regenerated_from, occurred_at";

function toAnswer(r: AnswerRow): StoredAnswer {
  return {
    tenantId: r.tenant_id,
    interactionId: r.interaction_id,
    conversationId: r.conversation_id,
    turnIndex: r.turn_index,
    promptHash: r.prompt_hash,
    groupKey: r.group_key,
    answerHash: r.answer_hash,
    segment: r.segment,
    modelVersion: r.model_version,
    regeneratedFrom: r.regenerated_from,
    atMs: toMs(r.occurred_at),
    prompt: r.prompt ?? [],
    answer: r.answer ?? "",
  };
}

/**
 * Decides each new answer's group (same conversation turn, else its regeneration origin, else
 * the prompt text) from what is stored and what came earlier in the batch, then inserts the
 * answers not stored yet. Returns the answers this call inserted, with their groups.
 */
export async function insertAnswers(db: Queryable, schema: string, records: readonly AnswerRecord[]): Promise<StoredAnswer[]> {
  if (records.length === 0) return [];
  const turnGroup = new Map<string, string>();
  const originGroup = new Map<string, string>();
  const convs = records.filter((r) => r.conversationId !== "");
  if (convs.length > 0) {
    const res = await db.query<{ tenant_id: string; conversation_id: string; turn_index: number; group_key: string }>(
      `select distinct on (tenant_id, conversation_id, turn_index) tenant_id, conversation_id, turn_index, group_key
         from ${table(schema, "answers")}
        where (tenant_id, conversation_id, turn_index) in (select * from unnest($1::text[], $2::text[], $3::int[]))
        order by tenant_id, conversation_id, turn_index, occurred_at`,
      [convs.map((r) => r.tenantId), convs.map((r) => r.conversationId), convs.map((r) => r.turnIndex)],
    );
    for (const r of res.rows) turnGroup.set(`${r.tenant_id}\u001f${r.conversation_id}\u001f${r.turn_index}`, r.group_key);
  }
  const origins = records.filter((r) => r.regeneratedFrom !== "");
  if (origins.length > 0) {
    const res = await db.query<{ tenant_id: string; interaction_id: string; group_key: string }>(
      `select tenant_id, interaction_id, group_key from ${table(schema, "answers")}
        where (tenant_id, interaction_id) in (select * from unnest($1::text[], $2::text[]))`,
      [origins.map((r) => r.tenantId), origins.map((r) => r.regeneratedFrom)],
    );
    for (const r of res.rows) originGroup.set(`${r.tenant_id}\u001f${r.interaction_id}`, r.group_key);
  }
  const rows: StoredAnswer[] = records.map((r) => {
    const tk = r.conversationId === "" ? undefined : `${r.tenantId}\u001f${r.conversationId}\u001f${r.turnIndex}`;
    const groupKey = groupKeyFor(r, { turnGroup: tk ? turnGroup.get(tk) : undefined, originGroup: r.regeneratedFrom ? originGroup.get(`${r.tenantId}\u001f${r.regeneratedFrom}`) : undefined });
    if (tk && !turnGroup.has(tk)) turnGroup.set(tk, groupKey);
    originGroup.set(`${r.tenantId}\u001f${r.interactionId}`, groupKey);
    return { ...r, groupKey };
  });
  const res = await db.query<{ tenant_id: string; interaction_id: string }>(
    `insert into ${table(schema, "answers")} (${COLS}, prompt, answer)
     select * from unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::timestamptz[], $12::jsonb[], $13::text[])
     on conflict (tenant_id, interaction_id) do nothing
     returning tenant_id, interaction_id`,
    [
      rows.map((r) => r.tenantId),
      rows.map((r) => r.interactionId),
      rows.map((r) => r.conversationId),
      rows.map((r) => r.turnIndex),
      rows.map((r) => r.promptHash),
      rows.map((r) => r.groupKey),
      rows.map((r) => r.answerHash),
      rows.map((r) => r.segment),
      rows.map((r) => r.modelVersion),
      rows.map((r) => r.regeneratedFrom),
      rows.map((r) => toIso(r.atMs)),
      rows.map((r) => JSON.stringify(r.prompt)),
      rows.map((r) => r.answer),
    ],
  );
  const inserted = new Set(res.rows.map((r) => `${r.tenant_id}\u001f${r.interaction_id}`));
  // A batch may repeat an interaction: keep its first copy only.
  const out: StoredAnswer[] = [];
  for (const r of rows) {
    const k = `${r.tenantId}\u001f${r.interactionId}`;
    if (inserted.delete(k)) out.push(r);
  }
  return out;
}

/** Answers by id (texts included when asked). */
export async function loadAnswers(db: Queryable, schema: string, keys: readonly { tenantId: string; interactionId: string }[], withTexts = false): Promise<Map<string, StoredAnswer>> {
  const out = new Map<string, StoredAnswer>();
  if (keys.length === 0) return out;
  const res = await db.query<AnswerRow>(
    `select ${COLS}${withTexts ? ", prompt, answer" : ""} from ${table(schema, "answers")}
      where (tenant_id, interaction_id) in (select * from unnest($1::text[], $2::text[]))`,
    [keys.map((k) => k.tenantId), keys.map((k) => k.interactionId)],
  );
  for (const r of res.rows) out.set(`${r.tenant_id}\u001f${r.interaction_id}`, toAnswer(r));
  return out;
}

export const answerKey = (tenantId: string, interactionId: string): string => `${tenantId}\u001f${interactionId}`;

/** Whether the answer's conversation has a later turn answered at or before `atMs`. */
export async function laterTurnBefore(db: Queryable, schema: string, a: Answer, atMs: number): Promise<boolean> {
  if (a.conversationId === "") return false;
  const res = await db.query(
    `select 1 from ${table(schema, "answers")} where tenant_id = $1 and conversation_id = $2 and turn_index > $3 and occurred_at <= $4 limit 1`,
    [a.tenantId, a.conversationId, a.turnIndex, toIso(atMs)],
  );
  return res.rows.length > 0;
}

/** The most recent other answers of a group (review candidates), newest first. */
export async function otherAnswersInGroup(db: Queryable, schema: string, a: Answer, limit: number): Promise<StoredAnswer[]> {
  const res = await db.query<AnswerRow>(
    `select ${COLS} from ${table(schema, "answers")}
      where tenant_id = $1 and group_key = $2 and interaction_id <> $3 and answer_hash <> $4
      order by occurred_at desc limit $5`,
    [a.tenantId, a.groupKey, a.interactionId, a.answerHash, limit],
  );
  return res.rows.map(toAnswer);
}
