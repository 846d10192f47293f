/**
 * Labeling's reconciliation: what it stored against what its input topics hold, and its pairs
 * against the pure labeling rules (`PairBuilder`, the reference the service's own tests use) run
 * on the same records. With `partnersPerVote` above any group's number of opposite votes, the pair
 * set does not depend on the order the two topics are consumed in, so a crash and replay must
 * end with exactly the reference's pairs: none missing, none extra.
 */
import { fromBinary } from "@bufbuild/protobuf";
import type { Pool } from "@rlhf-loop/kit";
import { answerFromInteraction, defaultSignalPolicy, feedbackEventOf, PairBuilder, type AnswerRecord, type FeedbackEvent, type PairDraft } from "@rlhf-loop/labeling";
import { FeedbackSchema, InteractionSchema, PreferencePairSchema } from "@rlhf-loop/proto";
import type { StoredRow } from "./reconcile.js";
import { readTopic } from "./topics.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface LabelingInput {
  answers: AnswerRecord[];
  feedback: FeedbackEvent[];
  /** First publish time (ms) of each interaction id and feedback id: when labeling could first have it. */
  publishedAt: Map<string, number>;
  /** Records on the topics beyond the first per id (at-least-once publishing). */
  redelivered: number;
  undecodable: number;
}

/** Reads labeling's two input topics (deduplicated by id, as labeling does). */
export async function labelingInput(brokers: string, topics: { interactions: string; feedback: string }): Promise<LabelingInput> {
  const out: LabelingInput = { answers: [], feedback: [], publishedAt: new Map(), redelivered: 0, undecodable: 0 };
  const first = (id: string, at: number) => {
    const prev = out.publishedAt.get(id);
    if (prev !== undefined) {
      out.redelivered++;
      if (at < prev) out.publishedAt.set(id, at);
      return false;
    }
    out.publishedAt.set(id, at);
    return true;
  };
  for (const r of await readTopic(brokers, topics.interactions)) {
    let a: ReturnType<typeof answerFromInteraction>;
    try {
      a = answerFromInteraction(fromBinary(InteractionSchema, r.value), r.timestamp);
    } catch {
      out.undecodable++;
      continue;
    }
    if ("violations" in a) out.undecodable++;
    else if (first(`i:${a.record.tenantId}/${a.record.interactionId}`, r.timestamp)) out.answers.push(a.record);
  }
  for (const r of await readTopic(brokers, topics.feedback)) {
    let f: ReturnType<typeof feedbackEventOf>;
    try {
      f = feedbackEventOf(fromBinary(FeedbackSchema, r.value), r.timestamp);
    } catch {
      out.undecodable++;
      continue;
    }
    if ("violations" in f) out.undecodable++;
    else if (first(`f:${f.event.tenantId}/${f.event.feedbackId}`, r.timestamp)) out.feedback.push(f.event);
  }
  return out;
}

/** The pairs the pure rules make from the input: every answer first (in event time), then every feedback event. */
export function referencePairs(input: LabelingInput, partnersPerVote: number): { pairs: Map<string, PairDraft>; pending: number; maxVotesPerGroup: number } {
  const b = new PairBuilder({ ...defaultSignalPolicy, partnersPerVote });
  const pairs = new Map<string, PairDraft>();
  const add = (list: PairDraft[]) => list.forEach((p) => pairs.set(`${p.tenantId}/${p.pairId}`, p));
  for (const a of [...input.answers].sort((x, y) => x.atMs - y.atMs || (x.interactionId < y.interactionId ? -1 : 1))) add(b.addAnswer(a));
  const votesByGroup = new Map<string, number>();
  for (const f of [...input.feedback].sort((x, y) => x.atMs - y.atMs || (x.feedbackId < y.feedbackId ? -1 : 1))) {
    const made = b.addFeedback(f);
    add(made);
    const self = b.answer(f.tenantId, f.interactionId);
    if (self && f.fact.kind !== "comparison") votesByGroup.set(self.groupKey, (votesByGroup.get(self.groupKey) ?? 0) + 1);
  }
  return { pairs, pending: b.stats.pending, maxVotesPerGroup: Math.max(0, ...votesByGroup.values()) };
}

export interface LabelingStored {
  answers: StoredRow[];
  feedback: StoredRow[];
  pairs: Map<string, { source: string; published: boolean }>;
  pending: number;
}

export async function labelingStored(pool: Pool, schema: string): Promise<LabelingStored> {
  const s = `"${schema}"`;
  const rows = async (sql: string) =>
    (await pool.query<{ id: string; at: Date }>(sql)).rows.map((r) => ({ id: r.id, key: r.id, storedAt: r.at.getTime(), receivedAt: r.at.getTime() }));
  const answers = await rows(`select 'i:' || tenant_id || '/' || interaction_id id, stored_at at from ${s}.answers`);
  const feedback = await rows(`select 'f:' || tenant_id || '/' || feedback_id id, stored_at at from ${s}.feedback`);
  const pairs = new Map<string, { source: string; published: boolean }>();
  for (const r of (await pool.query<{ id: string; source: string; published: boolean }>(`select tenant_id || '/' || pair_id id, source, published_at is not null published from ${s}.pairs`)).rows) {
    pairs.set(r.id, { source: r.source, published: r.published });
  }
  const pending = (await pool.query<{ n: number }>(`select count(*)::int n from ${s}.feedback where status = 'pending'`)).rows[0]?.n ?? 0;
  return { answers, feedback, pairs, pending };
}

/** Waits (bounded) until labeling holds every input id and its pair outbox is empty; returns what it stored then. */
export async function waitForLabeling(pool: Pool, schema: string, input: LabelingInput, timeoutMs: number): Promise<{ stored: LabelingStored; caughtUp: boolean }> {
  const deadline = Date.now() + timeoutMs;
  const want = input.answers.length + input.feedback.length;
  for (;;) {
    const stored = await labelingStored(pool, schema).catch(() => undefined);
    if (stored) {
      const unpublished = [...stored.pairs.values()].filter((p) => !p.published).length;
      const caughtUp = stored.answers.length + stored.feedback.length >= want && unpublished === 0;
      if (caughtUp || Date.now() > deadline) {
        // A last look a moment later: late duplicates would show here.
        await sleep(caughtUp ? 1_000 : 0);
        return { stored: await labelingStored(pool, schema), caughtUp };
      }
    } else if (Date.now() > deadline) throw new Error("labeling's tables could not be read");
    await sleep(500);
  }
}

export interface LabelingReconciliation {
  inputs: number;
  storedInputs: number;
  lostInputs: number;
  referencePairs: number;
  storedPairs: number;
  missingPairs: string[];
  extraPairs: string[];
  /** Stored pairs (not held out) missing from the pairs topic. */
  pairsNotPublished: number;
  /** Pair records on the topic beyond the first per pair id (at-least-once publishing, consumers dedupe by pair_id). */
  pairsRedelivered: number;
  bySource: Record<string, number>;
  pending: number;
  referencePending: number;
  maxVotesPerGroup: number;
}

export async function reconcileLabeling(o: { brokers: string; pairsTopic: string; input: LabelingInput; stored: LabelingStored; partnersPerVote: number }): Promise<LabelingReconciliation> {
  const { input, stored } = o;
  const have = new Set([...stored.answers, ...stored.feedback].map((r) => r.id));
  const inputIds = [...input.publishedAt.keys()];
  const lostInputs = inputIds.filter((id) => !have.has(id)).length;
  const ref = referencePairs(input, o.partnersPerVote);
  const missingPairs = [...ref.pairs.keys()].filter((id) => !stored.pairs.has(id));
  const extraPairs = [...stored.pairs.keys()].filter((id) => !ref.pairs.has(id));
  const onTopic = new Map<string, number>();
  for (const r of await readTopic(o.brokers, o.pairsTopic)) {
    const p = fromBinary(PreferencePairSchema, r.value);
    const id = `${p.tenantId}/${p.pairId}`;
    onTopic.set(id, (onTopic.get(id) ?? 0) + 1);
  }
  const bySource: Record<string, number> = {};
  for (const p of stored.pairs.values()) bySource[p.source] = (bySource[p.source] ?? 0) + 1;
  // Held-out pairs are never made (the rules drop them), so every stored pair must be on the topic.
  const pairsNotPublished = [...stored.pairs.keys()].filter((id) => !onTopic.has(id)).length;
  return {
    inputs: inputIds.length,
    storedInputs: inputIds.length - lostInputs,
    lostInputs,
    referencePairs: ref.pairs.size,
    storedPairs: stored.pairs.size,
    missingPairs,
    extraPairs,
    pairsNotPublished,
    pairsRedelivered: [...onTopic.values()].reduce((n, c) => n + c - 1, 0),
    bySource,
    pending: stored.pending,
    referencePending: ref.pending,
    maxVotesPerGroup: ref.maxVotesPerGroup,
  };
}
