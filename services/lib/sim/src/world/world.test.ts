import assert from "node:assert/strict";
import { test } from "node:test";
import { toJsonString } from "@bufbuild/protobuf";
import { FeedbackSource, IngestEventSchema, OutcomeKind, ThumbDirection, type Feedback, type Interaction } from "@rlhf-loop/proto";
import { defaultWorldConfig, parseWorldConfig } from "../config/load.js";
import { textPolicy } from "../bot/policy.js";
import { CLARIFY_PHRASES } from "../bot/phrases.js";
import { INTENT_IDS, INTENTS, type IntentId } from "../domain/intents.js";
import { createWorld, type SimEvent, type World } from "./world.js";

interface Collected {
  world: World;
  events: SimEvent[];
  interactions: Map<string, SimEvent>;
}

async function collect(world: World, days: number, fromDay = 0): Promise<Collected> {
  const events: SimEvent[] = [];
  for await (const e of world.events({ days, fromDay })) events.push(e);
  const interactions = new Map<string, SimEvent>();
  for (const e of events) if (e.event.event.case === "interaction") interactions.set(e.event.event.value.interactionId, e);
  return { world, events, interactions };
}

const feedbackOf = (e: SimEvent): Feedback | undefined => (e.event.event.case === "feedback" ? e.event.event.value : undefined);

// One default world, five days: shared by the statistical tests below.
const main = collect(createWorld(defaultWorldConfig(), 11), 5);

void test("events are ordered by time, keyed uniquely, and feedback follows its interaction", async () => {
  const { events, interactions } = await main;
  const keys = new Set<string>();
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (i > 0) assert.ok(events[i - 1]!.at <= e.at, "events out of time order");
    assert.ok(!keys.has(e.idempotencyKey), `duplicate key ${e.idempotencyKey}`);
    keys.add(e.idempotencyKey);
    const v = e.event.event.value!;
    assert.equal(v.idempotencyKey, e.idempotencyKey);
    if (e.event.event.case !== "interaction") {
      const target = interactions.get(e.event.event.value!.interactionId);
      assert.ok(target, `feedback on unknown interaction ${e.event.event.value!.interactionId}`);
      assert.ok(target.at < e.at, "feedback before its interaction");
    }
  }
  assert.ok(interactions.size > 8000);
});

void test("the top 5% of voters cast at least half of the end-user votes; a flat world does not", async (t) => {
  const share = (events: SimEvent[]) => {
    const votes = new Map<string, number>();
    for (const e of events) {
      const f = feedbackOf(e);
      if (f && f.source === FeedbackSource.END_USER) votes.set(f.raterId, (votes.get(f.raterId) ?? 0) + 1);
    }
    const counts = [...votes.values()].sort((a, b) => b - a);
    const total = counts.reduce((a, b) => a + b, 0);
    return counts.slice(0, Math.ceil(counts.length * 0.05)).reduce((a, b) => a + b, 0) / total;
  };
  const heavy = share((await main).events);
  assert.ok(heavy >= 0.5, `top 5% cast ${heavy}`);
  const flatConfig = parseWorldConfig({ traffic: { interactionsPerDay: 1500 }, users: { activityAlpha: 10, voteActivityExponent: 0 } });
  const flat = share((await collect(createWorld(flatConfig, 11), 2)).events);
  t.diagnostic(`top 5% of voters cast ${heavy.toFixed(3)} of votes (flat world ${flat.toFixed(3)})`);
  assert.ok(flat < 0.3, `flat world: top 5% cast ${flat}`);
});

/**
 * Thumbs-up rate difference between two lengths at equal gold: strata of equal gold utility,
 * weighted by n1*n2/(n1+n2) (a Mantel-Haenszel style average of risk differences).
 */
function lengthEffect(c: Collected, segment: string, a: string, b: string): number {
  const strata = new Map<number, Map<string, [number, number]>>();
  for (const e of c.events) {
    const f = feedbackOf(e);
    if (!f || f.kind.case !== "thumb") continue;
    const t = c.interactions.get(f.interactionId)!.interaction!;
    if (t.segment !== segment) continue;
    const s = strata.get(t.gold) ?? new Map<string, [number, number]>();
    const cell = s.get(t.traits.length) ?? [0, 0];
    cell[0] += f.kind.value.direction === ThumbDirection.UP ? 1 : 0;
    cell[1] += 1;
    s.set(t.traits.length, cell);
    strata.set(t.gold, s);
  }
  let num = 0;
  let den = 0;
  for (const s of strata.values()) {
    const [ua, na] = s.get(a) ?? [0, 0];
    const [ub, nb] = s.get(b) ?? [0, 0];
    if (na < 5 || nb < 5) continue;
    const w = (na * nb) / (na + nb);
    num += w * (ua / na - ub / nb);
    den += w;
  }
  return num / den;
}

void test("the length-averse segment's thumbs-up rate falls with answer length at equal gold", async (t) => {
  const c = await main;
  const truth = c.world.truth();
  assert.equal(truth.segments.find((s) => s.name === "consumer")?.lengthPenalty, 0.9);
  const medShort = lengthEffect(c, "consumer", "medium", "short");
  const longMed = lengthEffect(c, "consumer", "long", "medium");
  const longShort = lengthEffect(c, "consumer", "long", "short");
  assert.ok(medShort < -0.04, `consumer medium-short ${medShort}`);
  assert.ok(longMed < -0.04, `consumer long-medium ${longMed}`);
  assert.ok(longShort < -0.12, `consumer long-short ${longShort}`);
  // The enterprise segment has no length penalty: far less of a drop.
  const enterprise = lengthEffect(c, "enterprise", "long", "short");
  t.diagnostic(`consumer up-rate: medium-short ${medShort.toFixed(3)}, long-medium ${longMed.toFixed(3)}, long-short ${longShort.toFixed(3)}; enterprise long-short ${enterprise.toFixed(3)}`);
  assert.ok(enterprise > longShort + 0.08, `enterprise long-short ${enterprise} vs consumer ${longShort}`);
});

function correlation(xs: number[], ys: number[]): number {
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  xs.forEach((x, i) => {
    sxy += (x - mx) * (ys[i]! - my);
    sxx += (x - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  });
  return sxy / Math.sqrt(sxx * syy);
}

void test("outcomes correlate with gold: escalations and reopens fall as gold rises", async (t) => {
  const c = await main;
  const byKind = new Map<OutcomeKind, Set<string>>();
  for (const e of c.events) {
    if (e.event.event.case !== "outcome") continue;
    const o = e.event.event.value;
    const kind = o.outcome!.kind;
    if (!byKind.has(kind)) byKind.set(kind, new Set());
    byKind.get(kind)!.add(o.interactionId);
    // Outcomes arrive hours later.
    assert.ok(e.at - c.interactions.get(o.interactionId)!.at >= 60_000);
  }
  const chats = [...c.interactions.values()].filter((e) => e.interaction!.purpose !== "expert_review");
  const golds = chats.map((e) => e.interaction!.gold);
  const has = (kind: OutcomeKind) => chats.map((e) => (byKind.get(kind)?.has(e.idempotencyKey) ? 1 : 0));
  const esc = correlation(golds, has(OutcomeKind.ESCALATION));
  const reopen = correlation(golds, has(OutcomeKind.REOPEN));
  const flag = correlation(golds, has(OutcomeKind.COMPLIANCE_FLAG));
  t.diagnostic(`corr(gold, escalation) ${esc.toFixed(3)}, reopen ${reopen.toFixed(3)}, compliance flag ${flag.toFixed(3)}`);
  assert.ok(esc < -0.25, `escalation corr ${esc}`);
  assert.ok(reopen < -0.15, `reopen corr ${reopen}`);
  assert.ok(flag < -0.1, `compliance corr ${flag}`);
  // Refunds follow refunds granted in chat: most refunded answers approved one.
  const refunded = chats.filter((e) => byKind.get(OutcomeKind.REFUND)?.has(e.idempotencyKey));
  assert.ok(refunded.length > 50);
});

void test("drift moves the intent mix on the configured day, and not before", async (t) => {
  const config = parseWorldConfig({ traffic: { interactionsPerDay: 3000 }, drift: { day: 2 } });
  const c = await collect(createWorld(config, 5), 3);
  const mixes = [0, 1, 2].map((d) => {
    const counts = Object.fromEntries(INTENT_IDS.map((id) => [id, 0])) as Record<IntentId, number>;
    let n = 0;
    for (const e of c.interactions.values()) {
      if (e.day !== d || e.interaction!.purpose !== "chat") continue;
      counts[e.interaction!.intent]++;
      n++;
    }
    return Object.fromEntries(INTENT_IDS.map((id) => [id, counts[id] / n])) as Record<IntentId, number>;
  });
  const tvd = (a: Record<IntentId, number>, b: Record<IntentId, number>) => INTENT_IDS.reduce((s, id) => s + Math.abs(a[id] - b[id]), 0) / 2;
  t.diagnostic(`intent mix total variation: day 0->1 ${tvd(mixes[0]!, mixes[1]!).toFixed(3)}, day 1->2 ${tvd(mixes[1]!, mixes[2]!).toFixed(3)}`);
  // Before the drift the expected mix is constant; observed days differ by sampling noise only (~0.03).
  assert.deepEqual(c.world.intentMix(0), c.world.intentMix(1));
  assert.ok(tvd(c.world.intentMix(1), c.world.intentMix(2)) > 0.12);
  assert.ok(tvd(mixes[0]!, mixes[1]!) < 0.06, `day 0 -> 1 moved ${tvd(mixes[0]!, mixes[1]!)}`);
  assert.ok(tvd(mixes[1]!, mixes[2]!) > 0.12, `day 1 -> 2 moved ${tvd(mixes[1]!, mixes[2]!)}`);
  assert.equal(mixes[0]!.feature_change, 0);
  assert.equal(mixes[1]!.feature_change, 0);
  assert.ok(Math.abs(mixes[2]!.feature_change - 0.12) < 0.025, `new intent share ${mixes[2]!.feature_change}`);
  // Shares among the old intents move too (segments shift), not only the new intent.
  const renorm = (m: Record<IntentId, number>) => Object.fromEntries(INTENT_IDS.map((id) => [id, id === "feature_change" ? 0 : m[id] / (1 - m.feature_change)])) as Record<IntentId, number>;
  assert.ok(tvd(renorm(mixes[1]!), renorm(mixes[2]!)) > 0.02);
  // The observed mix matches the world's expected mix.
  const expected = c.world.intentMix(2);
  for (const id of INTENT_IDS) assert.ok(Math.abs(expected[id] - mixes[2]![id]) < 0.025, `${id}: ${expected[id]} vs ${mixes[2]![id]}`);
  assert.deepEqual(Object.keys(c.world.segmentShares(2)), ["enterprise", "smb", "consumer"]);
});

void test("the rubric changes on its day and lagging experts keep the old one for lagDays", async () => {
  const config = parseWorldConfig({
    traffic: { interactionsPerDay: 300 },
    experts: { pairsPerDay: 150, rubricChangeDay: 2, lagDays: 2, laggingExperts: 2, count: 6, delay: { medianHours: 2, sigma: 0.2 } },
  });
  const c = await collect(createWorld(config, 3), 6);
  const lagging = new Set(c.world.truth().experts.filter((e) => e.lagging).map((e) => e.id));
  assert.equal(lagging.size, 2);
  let seen = 0;
  for (const e of c.events) {
    const f = feedbackOf(e);
    if (!f || f.source !== FeedbackSource.EXPERT) continue;
    seen++;
    assert.equal(f.rubricVersion, e.day >= 2 ? "rubric-v2" : "rubric-v1");
    const applied = e.day < 2 || (lagging.has(f.raterId) && e.day < 4) ? "rubric-v1" : "rubric-v2";
    assert.equal(e.feedback?.rubricApplied, applied, `${f.raterId} on day ${e.day}`);
    assert.equal(f.kind.case, "comparison");
    if (f.kind.case === "comparison") assert.equal(f.kind.value.criteria.length, 4);
  }
  assert.ok(seen > 500);
});

void test("same seed and config give the same events; another seed does not", async () => {
  const config = parseWorldConfig({ traffic: { interactionsPerDay: 200 } });
  const dump = async (w: World) => (await w.day(1)).map((e) => toJsonString(IngestEventSchema, e.event)).join("\n");
  const a = await dump(createWorld(config, 42));
  assert.equal(await dump(createWorld(config, 42)), a);
  assert.notEqual(await dump(createWorld(config, 43)), a);
  // Ids carry the seed and config, so two worlds never collide on idempotency keys.
  assert.notEqual(createWorld(config, 42).id, createWorld(parseWorldConfig({ traffic: { interactionsPerDay: 201 } }), 42).id);
});

void test("a promoted policy answers new traffic through the AnswerPolicy seam, scored from its text", async () => {
  const config = parseWorldConfig({ traffic: { interactionsPerDay: 400 }, experts: { pairsPerDay: 0 } });
  const world = createWorld(config, 9);
  const before = await collect(world, 1);
  let calls = 0;
  // A toy learned policy: always asks one clarifying question.
  world.usePolicy(
    textPolicy("clarifier", "policy-v2", async (reqs) => {
      calls++;
      for (const r of reqs) assert.equal(r.prompt[r.prompt.length - 1]?.role, "user");
      return reqs.map(() => `Happy to look into it. ${CLARIFY_PHRASES[1]}`);
    }),
  );
  const after = await collect(world, 1, 1);
  assert.ok(calls >= 1);
  const chats = [...after.interactions.values()].filter((e) => e.day === 1 && e.interaction!.purpose === "chat");
  assert.ok(chats.length > 300);
  for (const e of chats) {
    const i = e.event.event.value as Interaction;
    assert.equal(i.modelVersion, "policy-v2");
    assert.equal(e.interaction!.policy, "clarifier");
    assert.equal(e.interaction!.traits.clarifyingQuestion, true);
    assert.equal(e.interaction!.gold, INTENTS[e.interaction!.intent].ambiguous ? 2 : -1.5);
    assert.equal(e.interaction!.gold, world.gold(i.prompt, i.answer));
  }
  // Day 0 stays with production, also where its late events show up on day 1.
  for (const e of before.interactions.values()) assert.equal((e.event.event.value as Interaction).modelVersion, config.bot.modelVersion);
  const again = await world.day(0);
  assert.deepEqual(again.map((e) => e.idempotencyKey), before.events.map((e) => e.idempotencyKey));
  const lateDay0 = after.events.filter((e) => e.idempotencyKey.includes("-d0-"));
  assert.ok(lateDay0.length > 50, "day 0's late thumbs and outcomes land on day 1");
  for (const e of after.interactions.values()) {
    if (e.idempotencyKey.includes("-d0-")) assert.equal((e.event.event.value as Interaction).modelVersion, config.bot.modelVersion);
  }
  // Half the traffic from day 2: a canary share.
  world.usePolicy(textPolicy("other", "policy-v3", async (reqs) => reqs.map(() => "ok")), { share: 0.5 });
  const day2 = [...(await collect(world, 1, 2)).interactions.values()].filter((e) => e.day === 2 && e.interaction!.purpose === "chat");
  const v3 = day2.filter((e) => e.interaction!.policy === "other").length / day2.length;
  assert.ok(v3 > 0.4 && v3 < 0.6, `canary share ${v3}`);
});
