import assert from "node:assert/strict";
import { test } from "node:test";
import { ThumbDirection } from "@rlhf-loop/proto";
import type { AnswerTraits } from "../bot/traits.js";
import { defaultWorldConfig, parseWorldConfig, SimConfigError } from "../config/load.js";
import type { WorldConfig } from "../config/schema.js";
import { INTENT_IDS, type IntentId } from "../domain/intents.js";
import { isPreferenceCode, REASON_CODES, type ReasonCode } from "../domain/reason-codes.js";
import { Rng } from "../random/rng.js";
import { createWorld, type InteractionTruth } from "../world/world.js";
import { answerFaults, drawReasonCodes, reasonCodeOdds } from "./reasons.js";

const plain: AnswerTraits = {
  policy: "followed",
  citesPolicy: false,
  clarifyingQuestion: false,
  refusal: false,
  steps: false,
  hedged: false,
  disclaimer: false,
  tone: "neutral",
  length: "short",
};

interface DownVote {
  codes: string[];
  careless: boolean;
  toolFailure: boolean;
  truth: InteractionTruth;
}

/** Every thumbs-down of the first `days` days, joined with the hidden truth of its interaction. */
async function downVotes(config: WorldConfig, seed: number, days: number): Promise<DownVote[]> {
  const world = createWorld(config, seed);
  const truth = new Map<string, InteractionTruth>();
  const out: DownVote[] = [];
  for await (const e of world.events({ days })) {
    const ev = e.event.event;
    if (ev.case === "interaction" && e.interaction) truth.set(ev.value.interactionId, e.interaction);
    if (ev.case === "feedback" && ev.value.kind.case === "thumb" && ev.value.kind.value.direction === ThumbDirection.DOWN) {
      const t = truth.get(ev.value.interactionId);
      assert.ok(t, `thumb on an unseen interaction ${ev.value.interactionId}`);
      out.push({ codes: [...ev.value.reasonCodes], careless: e.feedback?.careless ?? false, toolFailure: e.feedback?.toolFailure ?? false, truth: t });
    }
  }
  return out;
}

void test("faults map to the codes users name, weighted by how much they lowered the thumb", () => {
  const cfg = defaultWorldConfig();
  const consumer = { lengthPenalty: 0.9 };
  const flat = { lengthPenalty: 0 };
  const calm = { punishesUncertainty: false };
  // A wrong action: policy on a policy intent, wrong information on a knowledge intent (thumbScale 1 x 2.0).
  assert.deepEqual(answerFaults(cfg, flat, calm, "billing_dispute", { ...plain, policy: "broken" }), { policy_not_followed: 2 });
  assert.deepEqual(answerFaults(cfg, flat, calm, "product_question", { ...plain, policy: "broken" }), { wrong_information: 2 });
  // A refusal on a knowledge question: refusal 1.5, and no fact given (noAction 0.5) -> missing_knowledge.
  assert.deepEqual(answerFaults(cfg, flat, calm, "product_question", { ...plain, policy: "none", refusal: true }), { refusal: 1.5, missing_knowledge: 0.5 });
  // The same refusal on a refund request: no missing_knowledge (the bot knew, and refused).
  assert.deepEqual(answerFaults(cfg, flat, calm, "refund_in_window", { ...plain, policy: "none", refusal: true }), { refusal: 1.5 });
  // Long for the length-averse segment: gold 0.4 + lengthPenalty 0.9 x 2 = 2.2; medium: 0.9 x 1.
  assert.deepEqual(answerFaults(cfg, consumer, calm, "refund_in_window", { ...plain, length: "long" }), { too_long: 2.2 });
  assert.deepEqual(answerFaults(cfg, consumer, calm, "refund_in_window", { ...plain, length: "medium" }), { too_long: 0.9 });
  assert.deepEqual(answerFaults(cfg, flat, calm, "refund_in_window", { ...plain, length: "medium" }), {});
  // Hedging: gold 0.5, plus 1.5 for a user who punishes it; curt 0.75; missing steps 0.75 (format).
  const f = answerFaults(cfg, flat, { punishesUncertainty: true }, "password_reset", { ...plain, hedged: true, tone: "curt", disclaimer: true });
  assert.deepEqual(f, { format: 0.75, hedging: 2, unnecessary_disclaimer: 0.4, tone: 0.75 });
  // A needless question on a clear request has no code on the form.
  assert.deepEqual(answerFaults(cfg, flat, calm, "refund_in_window", { ...plain, policy: "none", clarifyingQuestion: true }), {});
  // Configured weights multiply; a zero weight removes the code.
  const tuned = parseWorldConfig({ reasons: { weights: { hedging: 0, tone: 2 } } });
  assert.deepEqual(answerFaults(tuned, flat, calm, "password_reset", { ...plain, hedged: true, tone: "curt" }), { format: 0.75, tone: 1.5 });
});

void test("reason code config: defaults, and bad fields named by path", () => {
  const d = defaultWorldConfig().reasons;
  assert.equal(d.codeRate, 0.55);
  assert.equal(d.weights.too_long, 1);
  assert.equal(d.toolFailureRate.shipping_delay, 0.08);
  try {
    parseWorldConfig({ reasons: { noise: 2, weights: { rude: 1, tone: -1 }, toolFailureRate: { refund_in_window: 1.5, weather: 0.1 } } });
    assert.fail("expected rejection");
  } catch (err) {
    assert.ok(err instanceof SimConfigError);
    const byPath = new Map(err.issues.map((i) => [i.path, i.reason]));
    assert.match(byPath.get("reasons.noise") ?? "", /number between 0 and 1 \(got 2\)/);
    assert.match(byPath.get("reasons.weights.rude") ?? "", /unknown key/);
    assert.match(byPath.get("reasons.weights.tone") ?? "", /between 0 and 100 \(got -1\)/);
    assert.match(byPath.get("reasons.toolFailureRate.refund_in_window") ?? "", /between 0 and 1 \(got 1.5\)/);
    assert.match(byPath.get("reasons.toolFailureRate.weather") ?? "", /unknown key/);
  }
});

void test("the default world's id and answers are those it had before reason codes existed", async () => {
  const world = createWorld(defaultWorldConfig(), 7);
  // Pinned before the `reasons` section was added: the id hashes the config without it at defaults.
  assert.equal(world.id, "s7-80684e");
  assert.notEqual(createWorld({ reasons: { noise: 0.3 } }, 7).id, world.id, "a changed reasons section changes the id");
  const first = (await world.day(0)).find((e) => e.event.event.case === "interaction");
  assert.equal(first?.event.event.case === "interaction" ? first.event.event.value.metadata["intent"] : undefined, first?.interaction?.intent);
});

/**
 * A world where every answer has one fault, an unnecessary disclaimer (a refund inside the window,
 * followed, neutral, short, no hedging, no steps), so the code mix follows from the reasons config
 * alone. Users vote often and never carelessly; a low intercept makes most votes down.
 */
const oneFault = parseWorldConfig({
  traffic: { interactionsPerDay: 3000 },
  intents: Object.fromEntries(INTENT_IDS.map((id) => [id, id === "refund_in_window" ? 1 : 0])),
  drift: { enabled: false },
  segments: [{ name: "all", users: 3000 }],
  bot: {
    style: {
      policyFollowed: 1,
      policyFollowedByIntent: {},
      clarifyOnClear: 0,
      refusal: 0,
      steps: 0,
      hedged: 0,
      disclaimer: 1,
      tone: { warm: 0, neutral: 1, curt: 0 },
      length: { short: 1, medium: 0, long: 0 },
    },
  },
  users: { voteRate: 0.6, carelessRate: 0, thumbIntercept: -2 },
  experts: { count: 0, pairsPerDay: 0, laggingExperts: 0 },
  reasons: { codeRate: 0.6, secondCodeRate: 0.4, noise: 0.2, toolFailureRate: { refund_in_window: 0.15 } },
});

/**
 * Expected preference-shaped and total codes per coded vote when the answer's only fault is one
 * preference code d, worked out by hand from the procedure (10 codes on the form: 7 preference,
 * 3 capability including tool_failure). e = noise, s = second-code rate, t = tool-failure rate.
 */
function oneFaultExpectation(e: number, s: number, t: number): { pref: number; total: number } {
  // Tool failure named first; a second slot: noise (tool_failure again is a repeat: dropped) or d.
  const prefTf = s * (0.7 * e + (1 - e));
  const totTf = 1 + s * (0.9 * e + (1 - e));
  // No tool failure: the first code is d (a), another preference code (b) or a capability code (c).
  const a = 1 - e + e / 10;
  const b = (6 * e) / 10;
  const c = (3 * e) / 10;
  // Second slot after d: noise only (d is named, no fault left); after any other: noise or d.
  const prefNo = a + b + s * (a * 0.6 * e + b * (0.6 * e + 1 - e) + c * (0.7 * e + 1 - e));
  const totNo = 1 + s * (a * 0.9 * e + (b + c) * (0.9 * e + 1 - e));
  return { pref: t * prefTf + (1 - t) * prefNo, total: t * totTf + (1 - t) * totNo };
}

void test("reasonCodeOdds enumerates the procedure: it matches the hand-worked one-fault case", () => {
  const r = oneFault.reasons;
  const x = oneFaultExpectation(r.noise, r.secondCodeRate, r.toolFailureRate.refund_in_window ?? 0);
  // By hand for e=0.2, s=0.4, t=0.15: pref 0.945568, total 1.16896, share 0.80890.
  assert.ok(Math.abs(x.pref - 0.945568) < 1e-9 && Math.abs(x.total - 1.16896) < 1e-9);
  const odds = reasonCodeOdds(oneFault, { lengthPenalty: 0 }, { punishesUncertainty: false }, "refund_in_window", { ...plain, disclaimer: true });
  const sum = (codes: readonly ReasonCode[]) => codes.reduce((s, c) => s + odds.expected[c], 0);
  assert.ok(Math.abs(odds.coded - r.codeRate) < 1e-12, `coded ${odds.coded}`);
  assert.ok(Math.abs(sum(REASON_CODES.filter(isPreferenceCode)) - r.codeRate * x.pref) < 1e-12);
  assert.ok(Math.abs(sum(REASON_CODES) - r.codeRate * x.total) < 1e-12);
  // tool_failure: the failure itself (t), or noise picking it (e/10 = 0.02) in the first slot or in a second one.
  assert.ok(Math.abs(odds.expected.tool_failure - r.codeRate * (0.15 + 0.85 * (0.02 + 0.4 * 0.98 * 0.02))) < 1e-12);
});

void test("one-fault world: the preference share of codes on coded down votes is in the band the config implies", async (t) => {
  const votes = (await downVotes(oneFault, 3, 4)).filter((v) => !v.careless);
  // Precondition: every answer has exactly the one fault.
  for (const v of votes) {
    assert.deepEqual(answerFaults(oneFault, { lengthPenalty: 0 }, { punishesUncertainty: true }, v.truth.intent, v.truth.traits), { unnecessary_disclaimer: 0.4 });
  }
  const r = oneFault.reasons;
  const x = oneFaultExpectation(r.noise, r.secondCodeRate, r.toolFailureRate.refund_in_window ?? 0);
  const expectedShare = x.pref / x.total;
  const coded = votes.filter((v) => v.codes.length > 0);
  const prefOf = (v: DownVote) => v.codes.filter(isPreferenceCode).length;
  const pref = coded.reduce((s, v) => s + prefOf(v), 0);
  const total = coded.reduce((s, v) => s + v.codes.length, 0);
  const share = pref / total;
  // Votes are the independent units: delta-method standard error of a ratio of sums.
  const se = Math.sqrt(coded.reduce((s, v) => s + (prefOf(v) - expectedShare * v.codes.length) ** 2, 0)) / total;
  const codedShare = coded.length / votes.length;
  const codedSe = Math.sqrt((r.codeRate * (1 - r.codeRate)) / votes.length);
  const tfShare = coded.filter((v) => v.codes[0] === "tool_failure" && v.toolFailure).length / coded.length;
  const tfSe = Math.sqrt((0.15 * 0.85) / coded.length);
  t.diagnostic(
    `one-fault world: ${votes.length} down votes, ${coded.length} coded (${codedShare.toFixed(3)} vs ${r.codeRate}); ` +
      `preference share ${share.toFixed(4)} vs ${expectedShare.toFixed(4)} +/- ${(4 * se).toFixed(4)}; tool_failure first ${tfShare.toFixed(3)} vs 0.15`,
  );
  assert.ok(votes.length > 2000, `only ${votes.length} down votes`);
  assert.ok(Math.abs(share - expectedShare) < 4 * se, `share ${share} vs ${expectedShare} (se ${se})`);
  assert.ok(Math.abs(codedShare - r.codeRate) < 4 * codedSe, `coded share ${codedShare}`);
  assert.ok(Math.abs(tfShare - 0.15) < 4 * tfSe, `tool failure share ${tfShare}`);
  // Every vote behind a tool failure that was coded names it first.
  assert.ok(coded.every((v) => !v.toolFailure || v.codes[0] === "tool_failure"));
  assert.ok(votes.every((v) => v.codes.length <= 2 && new Set(v.codes).size === v.codes.length));
});

void test("default world: codes follow the answers' faults, and the code mix matches the enumerated odds", async (t) => {
  const cfg = defaultWorldConfig();
  const world = createWorld(cfg, 5);
  const users = new Map(world.truth().users.map((u) => [u.id, u]));
  const segs = new Map(cfg.segments.map((s) => [s.name, s]));
  const votes = await downVotes(cfg, 5, 3);
  assert.ok(votes.filter((v) => v.careless).every((v) => v.codes.length === 0), "careless clicks carry no codes");
  const considered = votes.filter((v) => !v.careless);
  let expPref = 0;
  let expTotal = 0;
  let expCoded = 0;
  let pref = 0;
  let total = 0;
  let coded = 0;
  const perVote: { pref: number; total: number }[] = [];
  for (const v of considered) {
    const odds = reasonCodeOdds(cfg, segs.get(v.truth.segment)!, users.get(v.truth.userId)!, v.truth.intent, v.truth.traits);
    for (const c of REASON_CODES) {
      expTotal += odds.expected[c];
      if (isPreferenceCode(c)) expPref += odds.expected[c];
    }
    expCoded += odds.coded;
    perVote.push({ pref: v.codes.filter(isPreferenceCode).length, total: v.codes.length });
    pref += v.codes.filter(isPreferenceCode).length;
    total += v.codes.length;
    if (v.codes.length > 0) coded++;
  }
  const expectedShare = expPref / expTotal;
  const share = pref / total;
  // Votes are the independent units: delta-method standard error of a ratio of sums.
  const se = Math.sqrt(perVote.reduce((s, v) => s + (v.pref - expectedShare * v.total) ** 2, 0)) / total;
  t.diagnostic(`default world: ${considered.length} considered down votes, ${coded} coded (expected ${expCoded.toFixed(1)}); preference share ${share.toFixed(4)} vs ${expectedShare.toFixed(4)}`);
  assert.ok(Math.abs(share - expectedShare) < 4 * se, `share ${share} vs ${expectedShare}`);
  assert.ok(Math.abs(coded - expCoded) < 4 * Math.sqrt(expCoded), `coded ${coded} vs ${expCoded}`);

  // How often a code is named on coded votes, among votes selected by the truth.
  const rate = (code: ReasonCode, keep: (v: DownVote) => boolean) => {
    const sel = considered.filter((v) => v.codes.length > 0 && keep(v));
    return sel.filter((v) => v.codes.includes(code)).length / Math.max(1, sel.length);
  };
  const knowledge = (i: IntentId) => i === "product_question" || i === "feature_change";
  const refusalOn = rate("refusal", (v) => v.truth.traits.refusal);
  const refusalOff = rate("refusal", (v) => !v.truth.traits.refusal);
  const longConsumer = rate("too_long", (v) => v.truth.segment === "consumer" && v.truth.traits.length !== "short");
  const longEnterprise = rate("too_long", (v) => v.truth.segment === "enterprise" && v.truth.traits.length !== "short");
  const policyBroken = rate("policy_not_followed", (v) => v.truth.traits.policy === "broken" && !knowledge(v.truth.intent));
  const policyKept = rate("policy_not_followed", (v) => v.truth.traits.policy !== "broken");
  const wrongFact = rate("wrong_information", (v) => v.truth.traits.policy === "broken" && knowledge(v.truth.intent));
  const toolOn = rate("tool_failure", (v) => (cfg.reasons.toolFailureRate[v.truth.intent] ?? 0) > 0);
  const toolOff = rate("tool_failure", (v) => (cfg.reasons.toolFailureRate[v.truth.intent] ?? 0) === 0);
  t.diagnostic(
    `refusal ${refusalOn.toFixed(2)}/${refusalOff.toFixed(2)}, too_long consumer ${longConsumer.toFixed(2)} enterprise ${longEnterprise.toFixed(2)}, ` +
      `policy_not_followed broken ${policyBroken.toFixed(2)} kept ${policyKept.toFixed(2)}, wrong_information on wrong facts ${wrongFact.toFixed(2)}, tool_failure ${toolOn.toFixed(3)}/${toolOff.toFixed(3)}`,
  );
  assert.ok(refusalOn > 0.4 && refusalOff < 0.05);
  assert.ok(longConsumer > 2 * longEnterprise, "the length-averse segment complains about length");
  assert.ok(policyBroken > 0.4 && policyKept < 0.05);
  assert.ok(wrongFact > 0.4);
  assert.ok(toolOn > 2 * toolOff);
});

void test("drawReasonCodes is deterministic for a stream and only names codes of the form", () => {
  const cfg = defaultWorldConfig();
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const traits: AnswerTraits = { ...plain, policy: i % 3 === 0 ? "broken" : "followed", hedged: i % 2 === 0, length: i % 5 === 0 ? "long" : "short" };
    const a = drawReasonCodes(cfg, { lengthPenalty: 0.9 }, { punishesUncertainty: false }, "shipping_delay", traits, new Rng(`t/${i}`));
    const b = drawReasonCodes(cfg, { lengthPenalty: 0.9 }, { punishesUncertainty: false }, "shipping_delay", traits, new Rng(`t/${i}`));
    assert.deepEqual(a, b);
    for (const c of a.codes) seen.add(c);
  }
  assert.ok([...seen].every((c) => (REASON_CODES as readonly string[]).includes(c)));
  assert.ok(seen.has("tool_failure") && seen.has("policy_not_followed") && seen.has("hedging") && seen.has("too_long"));
});
