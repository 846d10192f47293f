// Canary benchmark (issue 7): one canary run of 500 tasks x 4 samples per policy, both sides answered
// by a real policy (a reference fitted on the simulated product, and an RL-stepped copy of it), scored
// by a real reward model, judged by the simulator, with every statistic and the gate. Target: < 30 s.
// Printed beside it, measured in the same run: the bare cost of sampling the same 4,000 answers and
// of scoring them, which no canary run can beat.
//   node --import tsx tests/bench/canary/bench.ts [--quick] [--json] [--threads 1]
import { parseArgs } from "node:util";
import { loadavg } from "node:os";
import { Prng } from "@rlhf-loop/ml";
import { createWorld, defaultWorldConfig } from "@rlhf-loop/sim";
import { DEFAULT_RL_CONFIG, fitReference, fitSimRewardModel, RlRun, simChats, simJudge as rlSimJudge, simPairs } from "@rlhf-loop/rl-trainer";
import { SIM_SUPPORT_CHECKS, checksFor, defaultGateConfig, runCanary, simJudge, type CanaryPorts, type CanarySet, type CanaryTask } from "@rlhf-loop/canary";

const { values } = parseArgs({ options: { quick: { type: "boolean" }, json: { type: "boolean" }, threads: { type: "string" } } });
const quick = values.quick === true;
const TASKS = quick ? 100 : 500;
const SAMPLES = 4;
const threads = Number(values.threads ?? 1);

const world = createWorld(defaultWorldConfig(), 7);
const chats = await simChats(world, 3000 + TASKS * 2);
const train = chats.slice(0, 3000);
const seen = new Set<string>();
const tasks: CanaryTask[] = [];
for (const c of chats.slice(3000)) {
  if (seen.has(c.prompt) || tasks.length === TASKS) continue;
  seen.add(c.prompt);
  const intent = c.request.backOffice.intent;
  tasks.push({ taskId: c.request.interactionId, intent, segment: c.request.segment, prompt: c.prompt, loggedAnswer: c.answer, checks: checksFor(SIM_SUPPORT_CHECKS, intent), expertComparisons: [] });
}
const set: CanarySet = { setId: "bench", tenantId: "bench", version: 1, source: "traffic", createdAt: new Date(0).toISOString(), tasks };

const ref = await fitReference(train, { seed: 1, epochs: 2, lr: 0.02, temperature: 0.6, threads });
const rm = await fitSimRewardModel(simPairs(world, train, "gold", { seed: 2, scale: 3 }), { seed: 3, epochs: 2, threads });
const run = await RlRun.create({ config: ref.config, codec: ref.codec, reference: ref.params, prompts: train.map((c) => c.prompt), probePrompts: [], reward: rm.reward, judge: rlSimJudge(world), threads, rl: { ...DEFAULT_RL_CONFIG, promptsPerStep: 16, probeEvery: 0, seed: 5 } });
await run.run(quick ? 1 : 3);

const sample = async (policy: "candidate" | "production", prompts: readonly string[], samples: number, seed: number) => {
  const flat = prompts.flatMap((p) => Array.from({ length: samples }, () => p));
  const rt = policy === "candidate" ? run.policy : run.reference;
  const out = await rt.sample(flat, { rng: new Prng(seed), maxTokens: 200 });
  return prompts.map((_, i) => out.slice(i * samples, (i + 1) * samples).map((s) => s.text));
};

// The floor: sampling and scoring the same answers, nothing else.
const prompts = tasks.map((t) => t.prompt);
let t = performance.now();
const bareC = await sample("candidate", prompts, SAMPLES, 9);
const bareP = await sample("production", prompts, SAMPLES, 9);
const bareSampleSeconds = (performance.now() - t) / 1000;
const rows = [...bareC, ...bareP].flatMap((answers, i) => answers.map((answer) => ({ prompt: prompts[i % prompts.length]!, answer })));
t = performance.now();
await rm.reward(rows);
const bareScoreSeconds = (performance.now() - t) / 1000;

const stages = new Map<string, number>();
let stageStart = performance.now();
let stage = "";
const ports: CanaryPorts = {
  generate: (version, p, samples, seed) => sample(version === "candidate" ? "candidate" : "production", p, samples, seed),
  score: (_m, r) => rm.reward(r),
  judge: simJudge(defaultWorldConfig()),
  progress: (name, done, total) => {
    if (name !== stage) {
      const now = performance.now();
      if (stage) stages.set(stage, (stages.get(stage) ?? 0) + (now - stageStart) / 1000);
      stage = name;
      stageStart = now;
    }
    if (done === total && name === "statistics") stages.set(name, (stages.get(name) ?? 0) + (performance.now() - stageStart) / 1000);
  },
};
t = performance.now();
const { doc } = await runCanary({ reportId: "bench", tenantId: "bench", set, candidateVersion: "candidate", productionVersion: "production", rewardModelId: "rm", runId: "bench", samplesPerTask: SAMPLES, seed: 9, gate: defaultGateConfig, now: new Date() }, ports);
const seconds = (performance.now() - t) / 1000;
await run.release();
await rm.scorer.release();

const result = {
  machine: { load: loadavg().map((x) => Number(x.toFixed(2))), threads },
  tasks: TASKS, samplesPerTask: SAMPLES, answers: TASKS * SAMPLES * 2,
  canaryRun: { seconds, targetSeconds: 30, met: seconds < 30, stages: Object.fromEntries([...stages].map(([k, v]) => [k, Number(v.toFixed(2))])) },
  floor: { sampleSeconds: bareSampleSeconds, scoreSeconds: bareScoreSeconds },
  metrics: doc.metrics.length, decision: doc.decision, reasons: doc.reasons.map((r) => r.code),
};
if (values.json) process.stdout.write(JSON.stringify(result) + "\n");
else {
  const f = (x: number) => x.toFixed(1);
  process.stdout.write(
    [
      `load average ${result.machine.load.join(" ")}; ${threads} thread(s) per onnxruntime session`,
      `canary run, ${TASKS} tasks x ${SAMPLES} samples per policy (${result.answers} answers, ${doc.metrics.length} figures with bootstrap intervals): ${f(seconds)} s  [target < 30 s: ${result.canaryRun.met ? "met" : "NOT met"}]`,
      `  by stage: ${[...stages].map(([k, v]) => `${k} ${f(v)} s`).join(", ")}`,
      `reference in the same run: sampling the same ${result.answers} answers alone ${f(bareSampleSeconds)} s; scoring them alone ${f(bareScoreSeconds)} s (floor ${f(bareSampleSeconds + bareScoreSeconds)} s)`,
      `gate: ${doc.decision} (${result.reasons.join(", ")})`,
    ].join("\n") + "\n",
  );
}
