import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_REWARD_CONFIG } from "@rlhf-loop/ml";
import { isHeldOutPrompt } from "../domain/examples.js";
import { syntheticPairs, syntheticSingles } from "../testing/synthetic.js";
import { scoreIds, trainRewardModel, type TrainProgress } from "./trainer.js";
import type { TrainerConfig } from "./trainer-config.js";

const small: Partial<TrainerConfig> = {
  model: { ...DEFAULT_REWARD_CONFIG, hashing: { ...DEFAULT_REWARD_CONFIG.hashing, buckets: 4096 }, embedDim: 16, hidden: 16 },
  maxEpochs: 6,
  batchPairs: 32,
  lr: 0.02,
  threads: 1,
};

describe("reward trainer", () => {
  it("learns separable pairs, reports per-epoch metrics and progress, keeps prompts apart", async () => {
    const pairs = syntheticPairs(600, { seed: 3 });
    const progress: TrainProgress[] = [];
    const r = await trainRewardModel({ pairs }, small, (p) => progress.push(p));
    assert.ok(r.split.heldOutPairs > 60 && r.split.trainPairs > 400, JSON.stringify(r.split));
    for (const p of r.heldOut.pairs) assert.ok(isHeldOutPrompt(p.prompt, 0.2, 1));
    const last = r.epochs[r.bestEpoch - 1]!;
    assert.ok(last.heldOutPairAccuracy > 0.95, `held-out accuracy ${last.heldOutPairAccuracy}`);
    assert.ok(r.epochs.length >= 2 && r.epochs[0]!.trainLoss > r.epochs.at(-1)!.trainLoss, `training loss must fall: ${r.epochs.map((e) => e.trainLoss.toFixed(3)).join(" ")}`);
    assert.ok(progress.some((p) => p.epochMetrics) && progress.some((p) => !p.epochMetrics));
  });

  it("is deterministic for a seed, and another seed gives other weights", async () => {
    const pairs = syntheticPairs(200, { seed: 4 });
    const cfg = { ...small, maxEpochs: 2 };
    const a = await trainRewardModel({ pairs }, cfg);
    const b = await trainRewardModel({ pairs }, cfg);
    const c = await trainRewardModel({ pairs }, { ...cfg, seed: 2 });
    assert.deepEqual(Array.from(a.params.get("w1")!.data), Array.from(b.params.get("w1")!.data));
    assert.notDeepEqual(Array.from(a.params.get("w1")!.data), Array.from(c.params.get("w1")!.data));
  });

  it("trains from unpaired thumbs alone (pointwise loss) and with pairs", async () => {
    const singles = syntheticSingles(600, { seed: 5 });
    const onlySingles = await trainRewardModel({ pairs: [], singles }, small);
    const held = syntheticPairs(100, { seed: 6 });
    const cfg = { ...small, model: onlySingles.config.model };
    const enc = (xs: string[], ps: string[]) => xs.map((x, i) => (rewardIds(cfg, ps[i]!, x)));
    const rewardIds = (c: typeof cfg, p: string, a: string) => featureIds(c, p, a);
    const sc = await scoreIds(onlySingles.config, onlySingles.params, enc(held.map((h) => h.chosen), held.map((h) => h.prompt)));
    const sr = await scoreIds(onlySingles.config, onlySingles.params, enc(held.map((h) => h.rejected), held.map((h) => h.prompt)));
    const acc = sc.filter((s, i) => s > sr[i]!).length / sc.length;
    assert.ok(acc > 0.9, `pairwise accuracy of a model fit on singles only: ${acc}`);
    const both = await trainRewardModel({ pairs: syntheticPairs(300, { seed: 7 }), singles }, { ...small, maxEpochs: 2 });
    assert.ok(both.split.trainSingles > 0 && both.split.trainPairs > 0);
  });
});

import { rewardFeatures } from "@rlhf-loop/ml";
function featureIds(c: Partial<TrainerConfig>, p: string, a: string): number[] {
  return rewardFeatures(c.model!, p, a);
}
