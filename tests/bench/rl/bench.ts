// RL trainer benchmark on the simulated product: reference fitting on 10,000 logged answers, tokens
// sampled per second, RL steps per second at 64 prompts x 4 samples, and the fraction of the
// reachable gain at the chosen beta. Targets (issue 6): fit < 60 s, one RL step < 1.5 s, fraction >= 0.9.
//   node --import tsx tests/bench/rl/bench.ts [--quick] [--json] [--epochs 1] [--beta 0.5] [--steps 50] [--lr 0.002] [--threads 1]
import { parseArgs } from "node:util";
import { loadavg } from "node:os";
import { Prng } from "@rlhf-loop/ml";
import { createWorld, defaultWorldConfig } from "@rlhf-loop/sim";
import { DEFAULT_RL_CONFIG, evaluateRun, fitReference, fitSimRewardModel, RlRun, simChats, simJudge, simPairs } from "@rlhf-loop/rl-trainer";

const { values } = parseArgs({ options: { quick: { type: "boolean" }, json: { type: "boolean" }, epochs: { type: "string" }, beta: { type: "string" }, steps: { type: "string" }, lr: { type: "string" }, threads: { type: "string" } } });
const quick = values.quick === true;
const nAnswers = quick ? 2000 : 10_000;
const epochs = Number(values.epochs ?? 1);
const beta = Number(values.beta ?? 0.5);
const rlSteps = Number(values.steps ?? (quick ? 3 : 50));
const lr = Number(values.lr ?? 2e-3);
// Threads per onnxruntime session (2 = this machine's cores; 1 runs repeatably and shares the machine better).
const threads = Number(values.threads ?? 1);

const world = createWorld(defaultWorldConfig(), 7);
const judge = simJudge(world);
const chats = await simChats(world, nAnswers + 200);
const train = chats.slice(0, nAnswers);
const held = chats.slice(nAnswers).map((c) => c.prompt);

const ref = await fitReference(train, { seed: 1, epochs, lr: 0.02, temperature: 0.6, threads });
const fit = { answers: train.length, epochs, seconds: ref.seconds, trainTokens: ref.trainTokens, tokensPerSecond: (ref.trainTokens * epochs) / ref.seconds, heldOutPerplexity: ref.heldOutPerplexity };

const pairs = simPairs(world, train.slice(0, 4000), "gold", { seed: 2, scale: 3 });
const rm = await fitSimRewardModel(pairs, { seed: 3, epochs: 3, threads });

const run = await RlRun.create({
  config: ref.config, codec: ref.codec, reference: ref.params, prompts: train.map((c) => c.prompt), probePrompts: [],
  reward: rm.reward, judge, threads, rl: { ...DEFAULT_RL_CONFIG, promptsPerStep: 64, samplesPerPrompt: 4, beta, lr, probeEvery: 0, seed: 11 },
});
// Sampling alone: 64 prompts x 4 samples from the reference.
const prompts = held.slice(0, 64).flatMap((p) => [p, p, p, p]);
const t0 = performance.now();
const s = await run.reference.sample(prompts, { rng: new Prng(1), maxTokens: 200 });
const sampleSeconds = (performance.now() - t0) / 1000;
const sampledTokens = s.reduce((a, x) => a + x.tokens.length, 0);
await run.run(rlSteps);
const stepSeconds = run.history.map((h) => h.seconds);
const meanStep = stepSeconds.reduce((a, b) => a + b, 0) / stepSeconds.length;
const ev = await evaluateRun({ reference: run.reference, policy: run.policy, prompts: held.slice(64, quick ? 72 : 96), reward: rm.reward, judge, beta, refSamples: quick ? 16 : 64, policySamples: 4, maxTokens: 200, seed: 21 });
await run.release();
await rm.scorer.release();

const result = {
  machine: { load: loadavg().map((x) => Number(x.toFixed(2))), threads },
  referenceFit: { ...fit, targetSeconds: 60, met: fit.seconds < 60 },
  sampling: { answers: prompts.length, tokens: sampledTokens, seconds: sampleSeconds, tokensPerSecond: sampledTokens / sampleSeconds },
  rlStep: { prompts: 64, samplesPerPrompt: 4, steps: rlSteps, meanSeconds: meanStep, stepsPerSecond: 1 / meanStep, targetSeconds: 1.5, met: meanStep < 1.5 },
  reachable: { beta, kl: ev.policyKl, jRef: ev.jRef, jPolicy: ev.jPolicy, jStar: ev.jStar, fraction: ev.fraction, target: 0.9, met: ev.fraction >= 0.9, refSamplesPerPrompt: quick ? 16 : 64 },
  bestOfN: ev.bestOfN,
  gold: { reference: ev.refGold, policy: ev.policyGold },
};
if (values.json) process.stdout.write(JSON.stringify(result) + "\n");
else {
  const f = (x: number | undefined, d = 3) => (x === undefined ? "n/a" : x.toFixed(d));
  process.stdout.write(
    [
      `load average ${result.machine.load.join(" ")}; ${threads} thread(s) per session; RL lr ${lr}`,
      `reference fit: ${fit.answers} answers x ${epochs} epoch(s), ${f(fit.seconds, 1)} s (${f(fit.tokensPerSecond, 0)} tokens/s), held-out ppl ${f(fit.heldOutPerplexity)}  [target < 60 s: ${result.referenceFit.met ? "met" : "NOT met"}]`,
      `sampling: ${sampledTokens} tokens in ${f(sampleSeconds, 2)} s = ${f(result.sampling.tokensPerSecond, 0)} tokens/s (64 prompts x 4)`,
      `RL step (64 x 4, RLOO): mean ${f(meanStep, 2)} s = ${f(1 / meanStep, 2)} steps/s over ${rlSteps} steps  [target < 1.5 s: ${result.rlStep.met ? "met" : "NOT met"}]`,
      `beta ${beta}: KL ${f(ev.policyKl)}, J(ref) ${f(ev.jRef)}, J(pi) ${f(ev.jPolicy)}, J* ${f(ev.jStar)}, fraction ${f(ev.fraction)}  [target >= 0.9: ${result.reachable.met ? "met" : "NOT met"}]`,
      `best-of-${ev.bestOfN.n} at KL ${f(ev.bestOfN.kl)}: proxy ${f(ev.bestOfN.reward)}, gold ${f(ev.bestOfN.gold)}; RL proxy ${f(ev.policyReward)}, gold ${f(ev.policyGold)} (reference gold ${f(ev.refGold)})`,
    ].join("\n") + "\n",
  );
}
