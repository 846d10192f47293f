import assert from "node:assert/strict";
import { test } from "node:test";
import { decide, defaultGateConfig, parseGateConfig, shapeShifts } from "./gate.js";
import type { MetricRow } from "./types.js";

const iv = (estimate: number, half = 0.01) => ({ estimate, low: estimate - half, high: estimate + half });

function row(name: string, intent: string, cand: number, prod: number, opts: { half?: number; p?: number; n?: number } = {}): MetricRow {
  const half = opts.half ?? 0.01;
  return { name, intent, candidate: iv(cand, half), production: iv(prod, half), delta: iv(cand - prod, half), pValue: opts.p ?? 1, test: "bootstrap", nCandidate: opts.n ?? 200, nProduction: opts.n ?? 200 };
}

const INTENTS = ["a", "b", "c", "d", "e"];

/** A candidate whose answers got shorter in every intent; gold and win rate given. */
function shorterEverywhere(gold: { cand: number; prod: number; half: number }, win = 0.8): MetricRow[] {
  return [
    row("length_words", "", 25, 68, { p: 1e-30, half: 3 }),
    ...INTENTS.map((i) => row("length_words", i, 25, 68, { p: 1e-6, half: 5 })),
    row("reward_win_rate", "", win, 0.5, { half: 0.03 }),
    row("hard_check_pass", "", 0.95, 0.94),
    row("gold", "", gold.cand, gold.prod, { half: gold.half }),
  ];
}

test("shorter everywhere without an independent gain is held, with that reason", () => {
  const r = decide(shorterEverywhere({ cand: 0.03, prod: 0.01, half: 0.05 }));
  assert.equal(r.decision, "hold");
  assert.equal(r.reasons[0]!.code, "shorter_everywhere");
  assert.match(r.reasons[0]!.message, /68\.0 -> 25\.0 words/);
  assert.match(r.reasons[0]!.message, /5 of 5 intents/);
});

test("the same shift confirmed by gold is promoted, the shift noted", () => {
  const r = decide(shorterEverywhere({ cand: 0.4, prod: 0.01, half: 0.05 }));
  assert.equal(r.decision, "promote");
  assert.deepEqual(r.reasons.map((x) => x.code), ["improved", "shorter_everywhere_confirmed"]);
});

test("a shift in only some intents is not 'everywhere'", () => {
  const rows = [
    row("length_words", "", 60, 68, { p: 1e-4, half: 2 }),
    ...INTENTS.map((i, k) => (k < 3 ? row("length_words", i, 55, 68, { half: 4 }) : row("length_words", i, 67, 68, { half: 4 }))),
    row("reward_win_rate", "", 0.7, 0.5, { half: 0.03 }),
  ];
  assert.deepEqual(shapeShifts(rows), []);
  assert.equal(decide(rows).decision, "promote");
  // Intents with too few samples do not count, and fewer than minIntents measured means no verdict.
  const sparse = [row("length_words", "", 25, 68, { p: 1e-9 }), ...INTENTS.map((i) => row("length_words", i, 25, 68, { n: 5 }))];
  assert.deepEqual(shapeShifts(sparse), []);
});

test("broken hard checks reject; worse estimates (gold, escalations) and a reward model preferring production hold", () => {
  const base = [row("reward_win_rate", "", 0.7, 0.5, { half: 0.03 })];
  const checks = decide([...base, row("hard_check_pass", "", 0.85, 0.95)]);
  assert.equal(checks.decision, "reject");
  assert.equal(checks.reasons[0]!.code, "hard_check_regression");
  assert.equal(decide([...base, row("hard_check_pass", "", 0.94, 0.95)]).decision, "promote", "a 1-point drop is within maxCheckDrop");
  const gold = decide([...base, row("gold", "", -0.2, 0.1)]);
  assert.deepEqual([gold.decision, gold.reasons[0]!.code], ["hold", "gold_regression"]);
  const esc = decide([...base, row("escalation_rate", "", 0.2, 0.1)]);
  assert.deepEqual([esc.decision, esc.reasons[0]!.code], ["hold", "escalation_regression"]);
  const r = decide([row("reward_win_rate", "", 0.3, 0.5, { half: 0.05 })]);
  assert.equal(r.decision, "hold");
  assert.deepEqual(r.reasons.map((x) => x.code), ["reward_prefers_production", "no_clear_gain"]);
});

test("with proxy gaming seen, a hard-check regression is held (fix the reward model), every reason listed", () => {
  const r = decide([...shorterEverywhere({ cand: -0.4, prod: 0.01, half: 0.05 }).filter((x) => x.name !== "hard_check_pass"), row("hard_check_pass", "", 0.62, 0.78)]);
  assert.equal(r.decision, "hold");
  assert.deepEqual(r.reasons.map((x) => x.code), ["shorter_everywhere", "hard_check_regression", "gold_regression"]);
});

test("shape leaks lead the reasons even when gold also fell", () => {
  const r = decide(shorterEverywhere({ cand: -0.4, prod: 0.01, half: 0.05 }));
  assert.equal(r.decision, "hold");
  assert.deepEqual(r.reasons.map((x) => x.code), ["shorter_everywhere", "gold_regression"]);
});

test("no clear gain holds", () => {
  const r = decide([row("reward_win_rate", "", 0.52, 0.5, { half: 0.04 })]);
  assert.equal(r.decision, "hold");
  assert.equal(r.reasons[0]!.code, "no_clear_gain");
});

test("gate overrides parse from JSON with named errors", () => {
  assert.equal(parseGateConfig('{"minWinRate":0.6}').config.minWinRate, 0.6);
  assert.equal(parseGateConfig("").config, defaultGateConfig);
  assert.deepEqual(parseGateConfig('{"minWinRate":2,"nope":1,"alpha":"x"}').issues.sort(), ["alpha: must be a non-negative number", "minWinRate: must be at most 1", "nope: unknown (known: alpha, leakShare, minIntentSamples, minIntents, minWinRate, minIndependentGain, maxCheckDrop, maxEscalationRise)"].sort());
});

test("a run the trainer's shape guardrail stopped is held even when everything else says promote", () => {
  const rows = [row("reward_win_rate", "", 0.7, 0.5, { half: 0.03 })];
  assert.equal(decide(rows).decision, "promote");
  const r = decide(rows, defaultGateConfig, { stopReason: "shape_drift", stopDetail: "length 70 -> 40 while gold changed 0.01" });
  assert.equal(r.decision, "hold");
  assert.equal(r.reasons[0]!.code, "trainer_guardrail");
  assert.equal(decide(rows, defaultGateConfig, { stopReason: "kl_budget", stopDetail: "KL 8.2 > 8" }).decision, "promote", "reaching the KL budget is a normal end");
});
