import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DEFAULT_ADAMW } from "../graph/train-step.js";
import { initParams } from "../models/params.js";
import { buildRewardInference, buildRewardTrainStep, pairFeedsFromIds, rewardParamDefs, type RewardModelConfig } from "../models/reward/reward-model.js";
import { rewardForwardReference } from "../reference/reward.js";
import { createSession, floatData, floatTensor, int64Tensor } from "../runtime/session.js";
import { freshOptimizerState, TrainingSession, type TrainState } from "../runtime/trainer.js";
import { padIds } from "../text/features.js";
import { Prng } from "../util/prng.js";
import { decodeCheckpoint, encodeCheckpoint, loadCheckpoint, saveCheckpoint, type Json } from "./checkpoint.js";

const cfg: RewardModelConfig = { hashing: { buckets: 200, bigrams: true, maxFeatures: 32 }, promptFeatures: false, embedDim: 8, hidden: 12, activation: "tanh" };
const rng = new Prng(1);
const rows = (n: number): number[][] => Array.from({ length: n }, () => Array.from({ length: 1 + rng.int(8) }, () => 1 + rng.int(199)));
const batches = Array.from({ length: 10 }, () => ({ c: rows(16), r: rows(16) }));
const feed = (i: number) => pairFeedsFromIds(batches[i]!.c, batches[i]!.r, Array(16).fill(1));

async function trainFrom(state: TrainState, from: number, to: number): Promise<TrainState> {
  const t = await TrainingSession.create(buildRewardTrainStep(cfg, { pairs: true, singles: false }, DEFAULT_ADAMW), state, { threads: 1 });
  for (let i = from; i < to; i++) await t.step(feed(i), 0.01);
  const s = t.state();
  await t.release();
  return s;
}

describe("checkpoints", () => {
  it("save, load and resume gives exactly the run that never stopped", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ml-ck-"));
    try {
      const params = initParams(rewardParamDefs(cfg), 3);
      const start = { params, ...freshOptimizerState(params) };
      const straight = await trainFrom(start, 0, 10);
      const half = await trainFrom(start, 0, 5);
      await saveCheckpoint(dir, { model: { kind: "reward", config: JSON.parse(JSON.stringify(cfg)) as Json }, state: half, adam: DEFAULT_ADAMW });
      const loaded = await loadCheckpoint(dir);
      assert.equal(loaded.state.step, 5);
      assert.deepEqual(loaded.adam, DEFAULT_ADAMW);
      assert.deepEqual((loaded.model as { kind: string }).kind, "reward");
      const resumed = await trainFrom(loaded.state, 5, 10);
      assert.equal(resumed.step, 10);
      for (const [k, p] of straight.params) {
        assert.deepEqual(Buffer.from(resumed.params.get(k)!.data.buffer), Buffer.from(p.data.buffer), `${k} differs after resume`);
        assert.deepEqual(Buffer.from(resumed.v.get(k)!.buffer), Buffer.from(straight.v.get(k)!.buffer));
      }
      // The moments matter: resuming with fresh ones lands elsewhere (so the check above can fail).
      const fresh = await trainFrom({ params: loaded.state.params, ...freshOptimizerState(loaded.state.params) }, 5, 10);
      assert.notDeepEqual(Buffer.from(fresh.params.get("w1")!.data.buffer), Buffer.from(straight.params.get("w1")!.data.buffer));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses a corrupted data file or manifest with the field at fault", async () => {
    const params = initParams(rewardParamDefs(cfg), 3);
    const { manifest, data } = encodeCheckpoint({ model: null, state: { params, ...freshOptimizerState(params) } });
    const bad = data.slice();
    bad[10] = bad[10]! ^ 1;
    assert.throws(() => decodeCheckpoint(manifest, bad), /sha256/);
    assert.throws(() => decodeCheckpoint({ ...manifest, version: 9 }, data), /version/);
    const t0 = manifest.tensors[0]!;
    assert.throws(() => decodeCheckpoint({ ...manifest, tensors: [{ ...t0, length: t0.length + 1 }, ...manifest.tensors.slice(1)] }, data), /tensors\[0\]\.length/);
    assert.throws(() => decodeCheckpoint({ ...manifest, tensors: manifest.tensors.filter((t) => t.role !== "adam.v") }, data), /moments/);
  });

  it("the inference .onnx of a trained model runs on its own from a file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ml-onnx-"));
    try {
      const params = initParams(rewardParamDefs(cfg), 3);
      const trained = await trainFrom({ params, ...freshOptimizerState(params) }, 0, 5);
      const file = join(dir, "reward.onnx");
      await writeFile(file, buildRewardInference(cfg, trained.params).bytes);
      assert.ok((await readFile(file)).byteLength > 200 * 8 * 4, "the weights are inside the file");
      const s = await createSession(file, { threads: 1 });
      const r = rows(5);
      const p = padIds(r);
      const out = floatData((await s.run({ ids: int64Tensor(p.ids, p.dims), mask: floatTensor(p.mask, p.dims) }))["score"]);
      const ref = rewardForwardReference(cfg, trained.params, r);
      ref.forEach((v, i) => assert.ok(Math.abs(v - out[i]!) < 1e-5));
      await s.release();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
