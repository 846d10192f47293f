import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_ADAMW, type AdamWConfig } from "../../graph/train-step.js";
import { rewardForwardReference, rewardPairStepReference, rewardReferenceState } from "../../reference/reward.js";
import { createSession, floatData, floatTensor, int64Tensor } from "../../runtime/session.js";
import { freshOptimizerState, TrainingSession } from "../../runtime/trainer.js";
import { padIds } from "../../text/features.js";
import { trainStepGradCheck } from "../../testing/train-fd.js";
import { Prng } from "../../util/prng.js";
import { convertParams, initParams } from "../params.js";
import {
  buildRewardInference,
  buildRewardTrainStep,
  DEFAULT_REWARD_CONFIG,
  pairFeeds,
  pairFeedsFromIds,
  rewardFeatures,
  rewardParamDefs,
  scoreFeeds,
  type PairExample,
  type RewardModelConfig,
} from "./reward-model.js";
import { RewardScorer } from "./reward-scorer.js";

const tiny: RewardModelConfig = {
  hashing: { buckets: 7, bigrams: true, maxFeatures: 16 },
  promptFeatures: false,
  embedDim: 3,
  hidden: 4,
  activation: "tanh",
};

function randomRows(rng: Prng, n: number, buckets: number, maxLen: number): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: rng.int(maxLen + 1) }, () => 1 + rng.int(buckets - 1)));
}

describe("reward scorer", () => {
  it("the inference graph equals the plain TypeScript forward pass within 1e-5", async () => {
    const cfg: RewardModelConfig = { ...tiny, hashing: { ...tiny.hashing, buckets: 500 }, embedDim: 16, hidden: 24 };
    for (const activation of ["tanh", "relu"] as const) {
      const c = { ...cfg, activation };
      const params = initParams(rewardParamDefs(c), 3);
      // Larger weights than at init, so the check is not dominated by near-zero scores.
      for (const p of params.values()) for (let i = 0; i < p.data.length; i++) p.data[i] = p.data[i]! * 5 + (p.shape.length === 1 ? 0.1 : 0);
      const rows = randomRows(new Prng(4), 40, 500, 30);
      rows[0] = []; // an empty answer scores from the bias alone
      const s = await createSession(buildRewardInference(c, params).bytes, { threads: 1 });
      const p = padIds(rows);
      const out = floatData((await s.run({ ids: int64Tensor(p.ids, p.dims), mask: floatTensor(p.mask, p.dims) }))["score"]);
      const ref = rewardForwardReference(c, params, rows);
      let maxErr = 0;
      ref.forEach((r, i) => (maxErr = Math.max(maxErr, Math.abs(r - out[i]!))));
      assert.ok(maxErr < 1e-5, `max |onnx - ts| = ${maxErr}`);
      assert.ok(Math.max(...Array.from(ref, Math.abs)) > 0.5, "scores too small to make the comparison meaningful");
      await s.release();
    }
  });

  it("training step gradients (pairs + singles, label smoothing; dense and lazy) match finite differences", async () => {
    const rng = new Prng(5);
    const params = initParams(rewardParamDefs(tiny), 11, "float64");
    for (const p of params.values()) for (let i = 0; i < p.data.length; i++) p.data[i] = rng.normal() * 0.7;
    const model = buildRewardTrainStep(tiny, { pairs: true, singles: true, labelSmoothing: 0.1 }, DEFAULT_ADAMW, {
      floatType: "float64",
      exposeGradients: true,
    });
    const pf = pairFeedsFromIds(randomRows(rng, 4, 7, 5), randomRows(rng, 4, 7, 6), [1, 0.5, 2, 1], "float64");
    const singles = padIds(randomRows(rng, 3, 7, 4));
    const batch = {
      ...pf,
      ids: int64Tensor(singles.ids, singles.dims),
      mask: floatTensor(Float64Array.from(singles.mask), singles.dims),
      label: floatTensor(Float64Array.from([1, 0, 1]), [3]),
      weight: floatTensor(Float64Array.from([0.3, 1, 2]), [3]),
    };
    for (const m of [model, buildRewardTrainStep(tiny, { pairs: true, singles: true, labelSmoothing: 0.1 }, DEFAULT_ADAMW, { floatType: "float64", exposeGradients: true, lazyEmbeddings: true })]) {
      const r = await trainStepGradCheck(m, params, batch);
      assert.equal(r.checked, 7 * 3 + 3 * 4 + 4 + 4 + 1);
      assert.ok(r.worst <= 1, `worst scaled error ${r.worst}`);
      assert.ok(r.maxAbsGrad > 1e-3);
    }
  });

  it("one ONNX training step equals the TypeScript Bradley–Terry step (float64)", async () => {
    const cfg = { ...tiny, hashing: { ...tiny.hashing, buckets: 50 }, embedDim: 6, hidden: 8 };
    const adam: AdamWConfig = { ...DEFAULT_ADAMW, weightDecay: 0.01, maxGradNorm: 0.05 };
    const rng = new Prng(6);
    const chosen = randomRows(rng, 8, 50, 9);
    const rejected = randomRows(rng, 8, 50, 9);
    const weights = [1, 2, 0.5, 1, 1, 3, 1, 0.2];
    const params = initParams(rewardParamDefs(cfg), 12, "float64");
    const defs = rewardParamDefs(cfg);
    const model = buildRewardTrainStep(cfg, { pairs: true, singles: false }, adam, { floatType: "float64" });
    const t = await TrainingSession.create(model, { params, ...freshOptimizerState(params) }, { threads: 1 });
    const ref = rewardReferenceState(cfg, convertParams(params, "float64"), (k) => defs.find((d) => d.name === k)!.decay);
    for (let step = 0; step < 3; step++) {
      const r = await t.step(pairFeedsFromIds(chosen, rejected, weights, "float64"), 0.01);
      const e = rewardPairStepReference(cfg, ref, chosen, rejected, weights, 0.01, adam);
      assert.ok(Math.abs(r.loss - e.loss) < 1e-12, `loss ${r.loss} vs ${e.loss}`);
      assert.ok(Math.abs(r.gradNorm - e.gradNorm) < 1e-12);
    }
    const got = t.state().params;
    // Bradley–Terry is blind to the output bias: its gradient is zero up to rounding, which Adam
    // turns into steps of up to lr either way. It must stay within 3 steps of its start (0).
    assert.ok(Math.abs(got.get("b2")!.data[0]!) <= 3 * 0.01 + 1e-12);
    for (const [k, p] of ref.params) {
      if (k === "b2") continue;
      const g = got.get(k)!.data;
      p.data.forEach((v, i) => assert.ok(Math.abs(v - g[i]!) < 1e-12, `${k}[${i}]: ${g[i]} vs ${v}`));
    }
    await t.release();
  });

  it("LazyAdam: three ONNX steps equal the TypeScript LazyAdam steps (float64), unlike dense AdamW", async () => {
    const cfg = { ...tiny, hashing: { ...tiny.hashing, buckets: 60 }, embedDim: 4, hidden: 5 };
    const adam: AdamWConfig = { ...DEFAULT_ADAMW, weightDecay: 0.01, maxGradNorm: 0.05 };
    const rng = new Prng(16);
    // Each step draws ids from a different third of the table, so rows sit out whole steps.
    const batch = (s: number) => {
      const rows = () => Array.from({ length: 6 }, () => Array.from({ length: rng.int(7) }, () => 1 + s * 19 + rng.int(19)));
      return { chosen: rows(), rejected: rows(), weights: [1, 2, 0.5, 1, 3, 0.2] };
    };
    const batches = [0, 1, 0].map(batch);
    const defs = rewardParamDefs(cfg);
    const params = initParams(defs, 13, "float64");
    const model = buildRewardTrainStep(cfg, { pairs: true, singles: false }, adam, { floatType: "float64", lazyEmbeddings: true });
    assert.deepEqual(model.lazy, [{ param: "emb", rows: 60, ids: ["pair_ids"] }]);
    assert.equal(model.inPlace, true);
    const t = await TrainingSession.create(model, { params, ...freshOptimizerState(params) }, { threads: 1 });
    const decay = (k: string) => defs.find((d) => d.name === k)!.decay;
    const lazyRef = rewardReferenceState(cfg, convertParams(params, "float64"), decay);
    const denseRef = rewardReferenceState(cfg, convertParams(params, "float64"), decay);
    for (const { chosen, rejected, weights } of batches) {
      const r = await t.step(pairFeedsFromIds(chosen, rejected, weights, "float64"), 0.01);
      const e = rewardPairStepReference(cfg, lazyRef, chosen, rejected, weights, 0.01, adam, { lazyEmbeddings: true });
      rewardPairStepReference(cfg, denseRef, chosen, rejected, weights, 0.01, adam);
      assert.ok(Math.abs(r.loss - e.loss) < 1e-12, `loss ${r.loss} vs ${e.loss}`);
      assert.ok(Math.abs(r.gradNorm - e.gradNorm) < 1e-12);
    }
    const got = t.state();
    await t.release();
    assert.ok(Math.abs(got.params.get("b2")!.data[0]!) <= 3 * 0.01 + 1e-12);
    for (const [k, p] of lazyRef.params) {
      if (k === "b2") continue;
      const g = got.params.get(k)!.data;
      p.data.forEach((v, i) => assert.ok(Math.abs(v - g[i]!) < 1e-12, `${k}[${i}]: ${g[i]} vs ${v}`));
    }
    const mRef = lazyRef.opt.get("emb")!.m;
    got.m.get("emb")!.forEach((v, i) => assert.ok(Math.abs(v - mRef[i]!) < 1e-12, `adam.m.emb[${i}]`));
    // Rows 41..59 never appear: untouched; rows 20..40 sit out step 3 but dense AdamW keeps moving them.
    const emb0 = params.get("emb")!.data;
    const emb = got.params.get("emb")!.data;
    for (let i = 41 * 4; i < 60 * 4; i++) assert.equal(emb[i], emb0[i]);
    const dense = denseRef.params.get("emb")!.data;
    let moved = 0;
    for (let i = 20 * 4; i < 41 * 4; i++) moved = Math.max(moved, Math.abs(dense[i]! - emb[i]!));
    assert.ok(moved > 1e-4, `dense and lazy agree on rows the last step skipped (${moved})`);
  });

  it("the logistic loss on labelled singles (label smoothing, weights) equals its TypeScript value", async () => {
    const cfg = { ...tiny, hashing: { ...tiny.hashing, buckets: 40 }, embedDim: 5, hidden: 6 };
    const params = initParams(rewardParamDefs(cfg), 21, "float64");
    for (const p of params.values()) for (let i = 0; i < p.data.length; i++) p.data[i] = p.data[i]! * 8 + 0.05;
    const rows = randomRows(new Prng(22), 6, 40, 7);
    const labels = [1, 0, 1, 1, 0, 0];
    const weights = [1, 2, 0.5, 1, 3, 0.25];
    const scores = rewardForwardReference(cfg, params, rows);
    const eps = 0.2;
    let num = 0;
    let right = 0;
    scores.forEach((sc, i) => {
      const y = labels[i]! * (1 - eps) + eps / 2;
      const ls = (x: number): number => Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x)));
      num -= weights[i]! * (y * ls(sc) + (1 - y) * ls(-sc));
      right += weights[i]! * ((sc > 0) === (labels[i]! > 0.5) ? 1 : 0);
    });
    const wsum = weights.reduce((a, b) => a + b, 0);
    const model = buildRewardTrainStep(cfg, { pairs: false, singles: true, labelSmoothing: eps }, DEFAULT_ADAMW, { floatType: "float64" });
    const t = await TrainingSession.create(model, { params, ...freshOptimizerState(params) }, { threads: 1 });
    const p = padIds(rows);
    const r = await t.step(
      {
        ids: int64Tensor(p.ids, p.dims),
        mask: floatTensor(Float64Array.from(p.mask), p.dims),
        label: floatTensor(Float64Array.from(labels), [6]),
        weight: floatTensor(Float64Array.from(weights), [6]),
      },
      0,
    );
    await t.release();
    assert.ok(Math.abs(r.loss - num / wsum) < 1e-12, `loss ${r.loss} vs ${num / wsum}`);
    assert.ok(Math.abs(r.metrics["single_accuracy"]! - right / wsum) < 1e-12);
    assert.ok(right > 0 && right < wsum);
  });

  it("RewardScorer loads a saved inference graph (config from its metadata) and scores text", async () => {
    const cfg: RewardModelConfig = { ...DEFAULT_REWARD_CONFIG, hashing: { ...DEFAULT_REWARD_CONFIG.hashing, buckets: 1000 } };
    const params = initParams(rewardParamDefs(cfg), 5);
    for (const p of params.values()) for (let i = 0; i < p.data.length; i++) p.data[i] = p.data[i]! * 4;
    const scorer = await RewardScorer.load(buildRewardInference(cfg, params).bytes, { threads: 1 });
    assert.deepEqual(scorer.config, cfg);
    const rows = [
      { prompt: "Where is my refund?", answer: "Your refund was sent on Monday." },
      { prompt: "Where is my refund?", answer: "No idea." },
      { prompt: "", answer: "" },
    ];
    const got = await scorer.score(rows, { batchSize: 2 });
    const ref = rewardForwardReference(cfg, params, rows.map((r) => rewardFeatures(cfg, r.prompt, r.answer)));
    got.forEach((g, i) => assert.ok(Math.abs(g - ref[i]!) < 1e-5, `${g} vs ${ref[i]}`));
    assert.notEqual(got[0], got[1]);
    await scorer.release();
  });

  it("Bradley–Terry on separable pairs reaches 100% held-out accuracy, deterministically", async () => {
    const cfg: RewardModelConfig = {
      hashing: { buckets: 4096, bigrams: true, maxFeatures: 64 },
      promptFeatures: true,
      embedDim: 16,
      hidden: 16,
      activation: "tanh",
    };
    const filler = Array.from({ length: 60 }, (_, i) => `word${i}`);
    const good = ["policy", "refund", "sorry", "section"];
    const bad = ["whatever", "maybe", "cannot", "later"];
    const answer = (rng: Prng, marker: string): string => {
      const ws = Array.from({ length: 4 + rng.int(8) }, () => filler[rng.int(filler.length)]!);
      ws.splice(rng.int(ws.length + 1), 0, marker);
      return ws.join(" ");
    };
    const pairs = (seed: number, n: number): PairExample[] => {
      const rng = new Prng(seed);
      return Array.from({ length: n }, () => ({
        prompt: `question ${filler[rng.int(10)]}`,
        chosen: answer(rng, good[rng.int(good.length)]!),
        rejected: answer(rng, bad[rng.int(bad.length)]!),
      }));
    };
    const train = pairs(1, 2048);
    const heldOut = pairs(2, 200);
    const run = async (): Promise<{ acc: number; emb: Float32Array }> => {
      const params = initParams(rewardParamDefs(cfg), 7);
      const model = buildRewardTrainStep(cfg, { pairs: true, singles: false }, { ...DEFAULT_ADAMW, weightDecay: 0.01 });
      const t = await TrainingSession.create(model, { params, ...freshOptimizerState(params) });
      const progress: number[] = [];
      await t.run({ steps: 60, lr: 0.02, batch: (i) => pairFeeds(cfg, train.slice((i % 32) * 64, (i % 32) * 64 + 64)), onProgress: (p) => progress.push(p.step), progressEvery: 10 });
      assert.deepEqual(progress, [10, 20, 30, 40, 50, 60]);
      const trained = t.state().params;
      await t.release();
      const s = await createSession(buildRewardInference(cfg, trained).bytes);
      const sc: Float32Array | Float64Array = floatData((await s.run(scoreFeeds(cfg, heldOut.map((p) => ({ prompt: p.prompt, answer: p.chosen })))))["score"]).slice();
      const sr = floatData((await s.run(scoreFeeds(cfg, heldOut.map((p) => ({ prompt: p.prompt, answer: p.rejected })))))["score"]);
      await s.release();
      let wins = 0;
      sc.forEach((v, i) => (wins += v > sr[i]! ? 1 : 0));
      const acc = wins / heldOut.length;
      return { acc, emb: trained.get("emb")!.data as Float32Array };
    };
    const a = await run();
    assert.equal(a.acc, 1, `held-out accuracy ${a.acc}`);
    const b = await run();
    assert.deepEqual(Buffer.from(b.emb.buffer), Buffer.from(a.emb.buffer), "two runs with one seed differ");
  });
});
