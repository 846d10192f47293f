// Beta sweep on the simulated product: one reference and one gold-rater reward model, an RL run per
// beta, proxy reward and gold versus d = sqrt(KL) beside best-of-n from the reference, with Gao et
// al.'s (2022) fitted forms (best-of-n: d(a - b d); RL: d(a - b log d)). Writes sweep.md and sweep.png.
//   node --import tsx services/rl-trainer/src/sweep/beta-sweep.ts [--out DIR] [--steps 15] [--betas 0.02,0.05,0.1,0.2,0.5]
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createWorld, defaultWorldConfig } from "@rlhf-loop/sim";
import { fitBestOfNForm, fitRlForm } from "../domain/stats.js";
import { fitSimRewardModel, simChats, simJudge, simPairs } from "../sim/sim-product.js";
import { evaluateRun, type RunEvaluation } from "../train/evaluate.js";
import { fitReference } from "../train/reference.js";
import { DEFAULT_RL_CONFIG, RlRun } from "../train/rl.js";
import { plotPanels } from "./png.js";

const { values } = parseArgs({ options: { out: { type: "string" }, steps: { type: "string" }, betas: { type: "string" } } });
const out = values.out ?? "services/rl-trainer/docs";
const steps = Number(values.steps ?? 15);
const betas = (values.betas ?? "0.02,0.05,0.1,0.2,0.5").split(",").map(Number);

const t0 = performance.now();
const world = createWorld(defaultWorldConfig(), 7);
const judge = simJudge(world);
const chats = await simChats(world, 4000);
const train = chats.slice(0, 3500);
const held = chats.slice(3500).map((c) => c.prompt);
const ref = await fitReference(train, { seed: 1, epochs: 6, lr: 0.02, temperature: 0.6 });
const pairs = [...simPairs(world, train, "gold", { seed: 2, scale: 3 }), ...simPairs(world, train, "gold", { seed: 4, scale: 3 })];
const rm = await fitSimRewardModel(pairs, { seed: 3, epochs: 3 });
process.stderr.write(`reference ppl ${ref.heldOutPerplexity.toFixed(3)}, RM accuracy ${rm.heldOutAccuracy.toFixed(3)}\n`);

const rows: { beta: number; steps: number; ev: RunEvaluation }[] = [];
for (const beta of betas) {
  const run = await RlRun.create({
    config: ref.config, codec: ref.codec, reference: ref.params, prompts: train.map((c) => c.prompt), probePrompts: held.slice(0, 64),
    reward: rm.reward, judge, rl: { ...DEFAULT_RL_CONFIG, promptsPerStep: 16, lr: 3e-3, beta, probeEvery: 0, seed: 11 },
  });
  await run.run(steps);
  const ev = await evaluateRun({ reference: run.reference, policy: run.policy, prompts: held.slice(100, 124), reward: rm.reward, judge, beta, refSamples: 32, policySamples: 4, maxTokens: 200, seed: 21 });
  rows.push({ beta, steps: run.steps, ev });
  process.stderr.write(`beta ${beta}: KL ${ev.policyKl.toFixed(2)} proxy ${ev.policyReward.toFixed(3)} gold ${ev.policyGold?.toFixed(3)} fraction ${ev.fraction.toFixed(3)}\n`);
  await run.release();
}
await rm.scorer.release();

const base = rows[0]!.ev;
const rl = rows.map((r) => ({ d: Math.sqrt(Math.max(0, r.ev.policyKl)), proxy: r.ev.policyReward - r.ev.jRef, gold: r.ev.policyGold! - r.ev.refGold! }));
const bon = base.bestOfNCurve.filter((c) => c.n > 1).map((c) => ({ n: c.n, d: Math.sqrt(c.kl), proxy: c.reward - base.jRef, gold: c.gold! - base.refGold! }));
const fit = (f: typeof fitRlForm, xs: number[], ys: number[]) => {
  try {
    return f(xs, ys);
  } catch {
    return { a: NaN, b: NaN, r2: NaN };
  }
};
const fits = {
  rlProxy: fit(fitRlForm, rl.map((p) => p.d), rl.map((p) => p.proxy)),
  rlGold: fit(fitRlForm, rl.map((p) => p.d), rl.map((p) => p.gold)),
  bonProxy: fit(fitBestOfNForm, bon.map((p) => p.d), bon.map((p) => p.proxy)),
  bonGold: fit(fitBestOfNForm, bon.map((p) => p.d), bon.map((p) => p.gold)),
};
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "n/a");
const md = [
  `# Beta sweep (simulated product, seed 7; ${steps} RL steps per beta, RLOO k=4, 16 prompts/step)`,
  "",
  `Reference held-out perplexity ${ref.heldOutPerplexity.toFixed(3)}; reward model (gold raters) held-out accuracy ${rm.heldOutAccuracy.toFixed(3)}.`,
  `Evaluation on 24 held-out prompts: 32 reference samples each (J(ref), J*, best-of-n), 4 policy samples each. Gains are over the reference.`,
  "",
  "| beta | steps | KL (nats) | d = sqrt(KL) | proxy gain | gold gain | J(ref) | J(pi) | J* | fraction of reachable gain |",
  "|---|---|---|---|---|---|---|---|---|---|",
  ...rows.map((r, i) => `| ${r.beta} | ${r.steps} | ${f3(r.ev.policyKl)} | ${f3(rl[i]!.d)} | ${f3(rl[i]!.proxy)} | ${f3(rl[i]!.gold)} | ${f3(r.ev.jRef)} | ${f3(r.ev.jPolicy)} | ${f3(r.ev.jStar)} | ${f3(r.ev.fraction)} |`),
  "",
  "Best-of-n from the reference (KL exact over the empirical distribution of the 32 samples, so at most log 32):",
  "",
  "| n | KL (nats) | bound log n - (n-1)/n | d | proxy gain | gold gain |",
  "|---|---|---|---|---|---|",
  ...bon.map((b) => `| ${b.n} | ${f3(b.d * b.d)} | ${f3(Math.log(b.n) - (b.n - 1) / b.n)} | ${f3(b.d)} | ${f3(b.proxy)} | ${f3(b.gold)} |`),
  "",
  "Fitted forms (least squares, no intercept):",
  "",
  "| series | form | a | b | R² |",
  "|---|---|---|---|---|",
  `| RL proxy | d(a - b log d) | ${f3(fits.rlProxy.a)} | ${f3(fits.rlProxy.b)} | ${f3(fits.rlProxy.r2)} |`,
  `| RL gold | d(a - b log d) | ${f3(fits.rlGold.a)} | ${f3(fits.rlGold.b)} | ${f3(fits.rlGold.r2)} |`,
  `| best-of-n proxy | d(a - b d) | ${f3(fits.bonProxy.a)} | ${f3(fits.bonProxy.b)} | ${f3(fits.bonProxy.r2)} |`,
  `| best-of-n gold | d(a - b d) | ${f3(fits.bonGold.a)} | ${f3(fits.bonGold.b)} | ${f3(fits.bonGold.r2)} |`,
  "",
  "sweep.png: left panel proxy-reward gain, right panel gold gain, both against d = sqrt(KL); blue = RL (points: betas;",
  "curve: fitted d(a - b log d)), red = best-of-n (points: n = 2..128; curve: fitted d(a - b d)); grey line = zero.",
  "",
  `Total time ${((performance.now() - t0) / 1000).toFixed(0)} s on this machine.`,
].join("\n");
await mkdir(out, { recursive: true });
await writeFile(join(out, "sweep.md"), md + "\n");
const blue = [30, 90, 200] as const, red = [200, 40, 40] as const;
const curve = (f: { a: number; b: number }, kind: "rl" | "bon") => (d: number) => (kind === "rl" ? d * (f.a - f.b * Math.log(d)) : d * (f.a - f.b * d));
await writeFile(
  join(out, "sweep.png"),
  plotPanels([
    [
      { points: rl.map((p) => ({ x: p.d, y: p.proxy })), curve: curve(fits.rlProxy, "rl"), color: blue },
      { points: bon.map((p) => ({ x: p.d, y: p.proxy })), curve: curve(fits.bonProxy, "bon"), color: red },
    ],
    [
      { points: rl.map((p) => ({ x: p.d, y: p.gold })), curve: curve(fits.rlGold, "rl"), color: blue },
      { points: bon.map((p) => ({ x: p.d, y: p.gold })), curve: curve(fits.bonGold, "bon"), color: red },
    ],
  ], {
    titles: ["proxy reward gain vs d = sqrt(KL)", "gold utility gain vs d = sqrt(KL)"],
    yLabels: ["proxy gain", "gold gain"],
    xLabel: "d = sqrt(KL)",
    legend: [
      { label: "RL (betas)", color: blue, mark: "dot" },
      { label: "best-of-n (n = 2..128)", color: red, mark: "dot" },
      { label: "RL fit d(a - b log d)", color: blue, mark: "line" },
      { label: "best-of-n fit d(a - b d)", color: red, mark: "line" },
    ],
  }),
);
process.stdout.write(md + "\n");
