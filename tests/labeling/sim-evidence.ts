/**
 * Runs the simulated product's event stream through labeling's pair rules (the same pure
 * functions the service applies against Postgres) and measures the pairs against the world's
 * hidden gold utility. Shared by the evidence test and the benchmark.
 */
import { create } from "@bufbuild/protobuf";
import { FeedbackSchema, FeedbackSource } from "@rlhf-loop/proto";
import type { Feedback, IngestEvent } from "@rlhf-loop/proto";
import { PairBuilder, answerFromInteraction, feedbackEventOf, type PairDraft, type SignalPolicy } from "@rlhf-loop/labeling";
import { createWorld, defaultWorldConfig, type World } from "@rlhf-loop/sim";

/** What ingestion turns an OutcomeReport into (source SYSTEM, the report's key as feedback id). */
export function outcomeAsFeedback(ev: IngestEvent): Feedback | undefined {
  if (ev.event.case !== "outcome") return undefined;
  const o = ev.event.value;
  const outcome = o.outcome;
  if (!outcome) return undefined;
  return create(FeedbackSchema, {
    feedbackId: o.idempotencyKey,
    interactionId: o.interactionId,
    tenantId: o.tenantId,
    idempotencyKey: o.idempotencyKey,
    occurredAt: o.occurredAt,
    source: FeedbackSource.SYSTEM,
    kind: { case: "outcome", value: outcome },
  });
}

export interface SimPairs {
  world: World;
  pairs: PairDraft[];
  gold: Map<string, number>;
  heavyUsers: Set<string>;
  events: number;
  builder: PairBuilder;
}

export async function simPairs(seed: number, days: number, policy: SignalPolicy): Promise<SimPairs> {
  const world = createWorld(defaultWorldConfig(), seed);
  const builder = new PairBuilder(policy);
  const gold = new Map<string, number>();
  const pairs: PairDraft[] = [];
  let events = 0;
  for await (const e of world.events({ days, tail: true })) {
    events++;
    const ev = e.event.event;
    if (ev.case === "interaction") {
      if (e.interaction) gold.set(ev.value.interactionId, e.interaction.gold);
      const r = answerFromInteraction(ev.value, e.at);
      if ("record" in r) pairs.push(...builder.addAnswer(r.record));
    } else {
      const f = ev.case === "feedback" ? ev.value : outcomeAsFeedback(e.event);
      if (!f) continue;
      // Ingestion sets feedback ids; the simulator sends idempotency keys.
      if (f.feedbackId === "") f.feedbackId = f.idempotencyKey;
      const r = feedbackEventOf(f, e.at);
      if ("event" in r) pairs.push(...builder.addFeedback(r.event));
    }
  }
  const heavyUsers = new Set(world.truth().users.filter((u) => u.heavy).map((u) => u.id));
  return { world, pairs, gold, heavyUsers, events, builder };
}

/**
 * Weighted share of pairs whose chosen answer has the higher gold utility (pairs whose answers
 * tie on gold say nothing and are left out).
 */
export function goldAgreement(pairs: readonly Pick<PairDraft, "chosenId" | "rejectedId">[], weights: readonly number[], gold: ReadonlyMap<string, number>): number {
  let agree = 0;
  let total = 0;
  pairs.forEach((p, i) => {
    const c = gold.get(p.chosenId);
    const r = gold.get(p.rejectedId);
    if (c === undefined || r === undefined || c === r) return;
    const w = weights[i] ?? 0;
    total += w;
    if (c > r) agree += w;
  });
  return total > 0 ? agree / total : Number.NaN;
}
