// Evidence on the simulated product (fixed seeds): the canary gate promotes a checkpoint trained
// against a reward model from gold-driven raters, and holds one trained against a length-biased
// reward model for "shorter everywhere". Production is the bot's logged answers (nothing promoted yet).
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { Prng } from "@rlhf-loop/ml";
import { createWorld, defaultWorldConfig } from "@rlhf-loop/sim";
import { DEFAULT_RL_CONFIG, fitReference, fitSimRewardModel, RlRun, simChats, simJudge as rlSimJudge, simPairs, SMALL_POLICY_SHAPE, type FittedReference, type RlConfig, type SimChat } from "@rlhf-loop/rl-trainer";
import { SIM_SUPPORT_CHECKS, checksFor, defaultGateConfig, runCanary, simJudge, type CanaryPorts, type CanarySet, type CanaryTask, type CanaryReportDoc } from "@rlhf-loop/canary";

const world = createWorld(defaultWorldConfig(), 7);
const THREADS = 1;
const TASKS = 300;
const SAMPLES = 4;
let train: SimChat[] = [];
let set: CanarySet;
let ref: FittedReference;

before(async () => {
  const chats = await simChats(world, 3500 + TASKS * 2);
  train = chats.slice(0, 3500);
  const seen = new Set<string>();
  const tasks: CanaryTask[] = [];
  for (const c of chats.slice(3500)) {
    if (seen.has(c.prompt) || tasks.length === TASKS) continue;
    seen.add(c.prompt);
    const intent = c.request.backOffice.intent;
    tasks.push({ taskId: c.request.interactionId, intent, segment: c.request.segment, prompt: c.prompt, loggedAnswer: c.answer, checks: checksFor(SIM_SUPPORT_CHECKS, intent), expertComparisons: [] });
  }
  set = { setId: "evidence", tenantId: "sim", version: 1, source: "traffic", createdAt: new Date(0).toISOString(), tasks };
  ref = await fitReference(train, { seed: 1, epochs: 6, lr: 0.02, temperature: 0.6, shape: SMALL_POLICY_SHAPE, threads: THREADS });
});

const rlConfig = (over: Partial<RlConfig>): RlConfig => ({ ...DEFAULT_RL_CONFIG, promptsPerStep: 16, lr: 3e-3, beta: 0.05, probeEvery: 5, seed: 11, ...over });

async function canaryOf(run: RlRun, reward: (rows: readonly { prompt: string; answer: string }[]) => Promise<number[]>): Promise<CanaryReportDoc> {
  const ports: CanaryPorts = {
    async generate(_version, prompts, samples, seed) {
      const flat = prompts.flatMap((p) => Array.from({ length: samples }, () => p));
      const out = await run.policy.sample(flat, { rng: new Prng(seed), maxTokens: 200 });
      return prompts.map((_, i) => out.slice(i * samples, (i + 1) * samples).map((s) => s.text));
    },
    score: (_model, rows) => reward(rows),
    judge: simJudge(defaultWorldConfig()),
  };
  const { doc } = await runCanary({ reportId: "r", tenantId: "sim", set, candidateVersion: "candidate", productionVersion: "", rewardModelId: "rm", runId: "run", samplesPerTask: SAMPLES, seed: 3, gate: defaultGateConfig, now: new Date() }, ports);
  return doc;
}

function summary(doc: CanaryReportDoc): string {
  const all = (name: string) => doc.metrics.find((m) => m.name === name && m.intent === "");
  const f = (name: string) => {
    const m = all(name);
    return m ? `${name} ${m.production.estimate.toFixed(3)} -> ${m.candidate.estimate.toFixed(3)} [${m.delta.low.toFixed(3)}, ${m.delta.high.toFixed(3)}]` : `${name} n/a`;
  };
  return `${doc.decision}: ${doc.reasons.map((r) => r.code).join(", ")} | ${["reward_win_rate", "gold", "length_words", "hard_check_pass", "disclaimer_rate", "refusal_rate"].map(f).join(" | ")}`;
}

test("a checkpoint trained against a gold-rater reward model is promoted", { timeout: 600_000 }, async (t) => {
  const pairs = [...simPairs(world, train, "gold", { seed: 2, scale: 3 }), ...simPairs(world, train, "gold", { seed: 4, scale: 3 })];
  const rm = await fitSimRewardModel(pairs, { seed: 3, epochs: 3, threads: THREADS });
  const run = await RlRun.create({
    config: ref.config, codec: ref.codec, reference: ref.params, prompts: train.map((c) => c.prompt), probePrompts: set.tasks.slice(0, 64).map((x) => x.prompt),
    reward: rm.reward, judge: rlSimJudge(world), threads: THREADS, rl: rlConfig({ beta: 0.5, guardrails: { ...DEFAULT_RL_CONFIG.guardrails, klBudget: 8 } }),
  });
  try {
    await run.run(20);
    const doc = await canaryOf(run, (rows) => rm.reward(rows));
    t.diagnostic(summary(doc));
    for (const r of doc.reasons) t.diagnostic(`${r.code}: ${r.message}`);
    assert.equal(doc.decision, "promote", summary(doc));
    assert.equal(doc.reasons[0]!.code, "improved");
  } finally {
    await run.release();
    await rm.scorer.release();
  }
});

test("a checkpoint trained against a length-biased reward model is held, 'shorter everywhere' among the reasons", { timeout: 600_000 }, async (t) => {
  const pairs = simPairs(world, train, "length-biased", { seed: 2, scale: 3 });
  const rm = await fitSimRewardModel(pairs, { seed: 3, epochs: 3, threads: THREADS });
  // The trainer's own shape guardrail would stop this run; here it is off, as on a team that
  // switched it off, so the canary is the last line.
  const run = await RlRun.create({
    config: ref.config, codec: ref.codec, reference: ref.params, prompts: train.map((c) => c.prompt), probePrompts: set.tasks.slice(0, 64).map((x) => x.prompt),
    reward: rm.reward, judge: rlSimJudge(world), threads: THREADS, rl: rlConfig({ probeEvery: 0 }),
  });
  try {
    await run.run(20);
    const doc = await canaryOf(run, (rows) => rm.reward(rows));
    t.diagnostic(summary(doc));
    for (const r of doc.reasons) t.diagnostic(`${r.code}: ${r.message}`);
    assert.equal(doc.decision, "hold", summary(doc));
    assert.ok(doc.reasons.some((r) => r.code === "shorter_everywhere"), summary(doc));
    const win = doc.metrics.find((m) => m.name === "reward_win_rate" && m.intent === "")!;
    assert.ok(win.candidate.estimate > 0.6, `the biased reward model likes the candidate: ${win.candidate.estimate}`);
  } finally {
    await run.release();
    await rm.scorer.release();
  }
});
