// Evidence on the simulated product (fixed seeds): RL against a reward model trained on gold-driven
// sim raters raises gold on held-out prompts; against a length-biased reward model the shape
// guardrail fires and the answers got shorter. One reference, fitted once, serves both.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Prng } from "@rlhf-loop/ml";
import { createWorld, defaultWorldConfig } from "@rlhf-loop/sim";
import {
  bestOfNKlBound,
  bootstrapPairedDiff,
  DEFAULT_RL_CONFIG,
  evaluateRun,
  fitReference,
  fitSimRewardModel,
  mean,
  RlRun,
  simChats,
  simJudge,
  simPairs,
  SMALL_POLICY_SHAPE,
  wordLength,
  type FittedReference,
  type RlConfig,
  type SimChat,
} from "@rlhf-loop/rl-trainer";

const world = createWorld(defaultWorldConfig(), 7);
const judge = simJudge(world);
let chats: SimChat[] = [];
let train: SimChat[] = [];
let heldOut: string[] = [];
let ref: FittedReference;

before(async () => {
  chats = await simChats(world, 4000);
  train = chats.slice(0, 3500);
  heldOut = chats.slice(3500).map((c) => c.prompt);
  // One thread everywhere: onnxruntime's multi-threaded reductions vary in the last bits from run to
  // run, and over a run that changes samples; one thread makes the evidence exactly repeatable.
  ref = await fitReference(train, { seed: 1, epochs: 6, lr: 0.02, temperature: 0.6, shape: SMALL_POLICY_SHAPE, threads: 1 });
});

const THREADS = 1;
const rlConfig = (over: Partial<RlConfig>): RlConfig => ({ ...DEFAULT_RL_CONFIG, promptsPerStep: 16, lr: 3e-3, beta: 0.05, probeEvery: 5, seed: 11, ...over });

async function heldOutGold(run: RlRun, prompts: readonly string[]): Promise<{ refGold: number[]; polGold: number[]; refLen: number; polLen: number }> {
  const ev = prompts.flatMap((p) => [p, p]);
  const a = await run.reference.sample(ev, { rng: new Prng(99), maxTokens: 200 });
  const b = await run.policy.sample(ev, { rng: new Prng(99), maxTokens: 200 });
  return {
    refGold: a.map((s, i) => judge.gold!(ev[i]!, s.text)),
    polGold: b.map((s, i) => judge.gold!(ev[i]!, s.text)),
    refLen: mean(a.map((s) => wordLength(s.text))),
    polLen: mean(b.map((s) => wordLength(s.text))),
  };
}

test("a modest-KL RL run against a gold-rater reward model raises held-out gold (bootstrap CI > 0), beside best-of-n", { timeout: 600_000 }, async (t) => {
  assert.ok(ref.heldOutPerplexity < 1.4, `reference perplexity ${ref.heldOutPerplexity}`);
  const pairs = [...simPairs(world, train, "gold", { seed: 2, scale: 3 }), ...simPairs(world, train, "gold", { seed: 4, scale: 3 })];
  const rm = await fitSimRewardModel(pairs, { seed: 3, epochs: 3, threads: THREADS });
  const run = await RlRun.create({
    config: ref.config, codec: ref.codec, reference: ref.params,
    prompts: train.map((c) => c.prompt), probePrompts: heldOut.slice(0, 128),
    reward: rm.reward, judge, threads: THREADS,
    // Modest KL: beta 0.5 and a budget of 8 nats per answer (about 0.1 nats per token).
    rl: rlConfig({ beta: 0.5, guardrails: { ...DEFAULT_RL_CONFIG.guardrails, klBudget: 8 } }),
  });
  try {
    await run.run(20);
    const last = run.history[run.history.length - 1]!;
    const g = await heldOutGold(run, heldOut.slice(0, 300));
    const ci = bootstrapPairedDiff(g.refGold, g.polGold, { seed: 5 });
    const ev = await evaluateRun({ reference: run.reference, policy: run.policy, prompts: heldOut.slice(300, 324), reward: rm.reward, judge, beta: 0.5, refSamples: 32, policySamples: 4, maxTokens: 200, seed: 21 });
    t.diagnostic(`reference: ppl ${ref.heldOutPerplexity.toFixed(3)}, fit ${ref.seconds.toFixed(1)} s; RM held-out accuracy ${rm.heldOutAccuracy.toFixed(3)}`);
    t.diagnostic(`steps ${run.history.length}, stop ${run.stopped?.detail ?? "none"}; last step: reward ${last.reward.toFixed(2)}, KL ${last.kl.toFixed(2)}`);
    t.diagnostic(`held-out gold ${mean(g.refGold).toFixed(3)} -> ${mean(g.polGold).toFixed(3)}, diff ${ci.diff.toFixed(3)} [${ci.lo.toFixed(3)}, ${ci.hi.toFixed(3)}]`);
    t.diagnostic(`eval: KL ${ev.policyKl.toFixed(2)}, J(ref) ${ev.jRef.toFixed(3)}, J(pi) ${ev.jPolicy.toFixed(3)}, J* ${ev.jStar.toFixed(3)}, fraction ${ev.fraction.toFixed(3)}`);
    t.diagnostic(`best-of-${ev.bestOfN.n} at KL ${ev.bestOfN.kl.toFixed(2)}: reward ${ev.bestOfN.reward.toFixed(3)}, gold ${ev.bestOfN.gold?.toFixed(3)} vs RL reward ${ev.policyReward.toFixed(3)}, gold ${ev.policyGold?.toFixed(3)}`);
    assert.ok(ci.lo > 0, `gold gain interval [${ci.lo}, ${ci.hi}] must exclude zero`);
    assert.ok(ci.diff > 0.25, `clear margin: ${ci.diff}`);
    assert.ok(last.kl <= 8 + 2, `modest KL: ${last.kl}`);
    assert.ok(last.reward > run.history[0]!.reward, "proxy reward rose");
    for (const c of ev.bestOfNCurve) assert.ok(c.kl <= bestOfNKlBound(c.n) + 1e-9);
    assert.ok(Number.isFinite(ev.fraction));
  } finally {
    await run.release();
    await rm.scorer.release();
  }
});

test("with a reward model from length-biased raters only, the shape guardrail fires and answers got shorter", { timeout: 600_000 }, async (t) => {
  const pairs = simPairs(world, train, "length-biased", { seed: 2, scale: 3 });
  const rm = await fitSimRewardModel(pairs, { seed: 3, epochs: 3, threads: THREADS });
  const run = await RlRun.create({
    config: ref.config, codec: ref.codec, reference: ref.params,
    prompts: train.map((c) => c.prompt), probePrompts: heldOut.slice(0, 128),
    reward: rm.reward, judge, threads: THREADS, rl: rlConfig({}),
  });
  try {
    await run.run(30);
    const g = await heldOutGold(run, heldOut.slice(0, 250));
    const probe = run.probes[run.probes.length - 1]!;
    t.diagnostic(`RM held-out accuracy ${rm.heldOutAccuracy.toFixed(3)}; steps ${run.history.length}; stop: ${run.stopped?.reason} ${run.stopped?.detail}`);
    t.diagnostic(`held-out length ${g.refLen.toFixed(1)} -> ${g.polLen.toFixed(1)} words; gold ${mean(g.refGold).toFixed(3)} -> ${mean(g.polGold).toFixed(3)}`);
    assert.equal(run.stopped?.reason, "shape_drift", `guardrail: ${run.stopped?.detail ?? "did not fire"}`);
    assert.ok(probe.verdict.drift.some((d) => d.measure === "length" && d.current < d.reference), "length drift, shorter");
    assert.ok(g.polLen < 0.75 * g.refLen, `answers got shorter: ${g.refLen} -> ${g.polLen}`);
    assert.ok(run.history.length < 30, "the run stopped early");
  } finally {
    await run.release();
    await rm.scorer.release();
  }
});

after(() => undefined);
