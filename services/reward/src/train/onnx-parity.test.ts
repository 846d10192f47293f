import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Prng, RewardScorer, rewardFeatures } from "@rlhf-loop/ml";
import { rewardForwardReference } from "@rlhf-loop/ml/reference";
import { syntheticPairs } from "../testing/synthetic.js";
import { exportInference, trainRewardModel } from "./trainer.js";

const WORDS = "refund order policy the a to your we can cannot please note maybe sorry help account password ship delay bill cancel 30 days ok thanks !? , . $ ünïcödé 日本".split(" ");

describe("exported ONNX artifact", () => {
  it("onnxruntime-node scores equal the TypeScript forward pass within 1e-5 on 10,000 random texts", async () => {
    // A trained model (default size), so weights are not near their initial values.
    const r = await trainRewardModel({ pairs: syntheticPairs(400, { seed: 41 }) }, { maxEpochs: 2, threads: 2 });
    const onnx = exportInference(r.config, r.params);
    const rng = new Prng(42);
    const text = (n: number): string => Array.from({ length: n }, () => WORDS[rng.int(WORDS.length)]!).join(" ");
    const rows = Array.from({ length: 10_000 }, (_, i) => ({ prompt: text(rng.int(20)), answer: i === 0 ? "" : text(1 + rng.int(300)) }));
    const scorer = await RewardScorer.load(onnx, { threads: 2 });
    const got = await scorer.score(rows, { batchSize: 1000 });
    await scorer.release();
    const ref = rewardForwardReference(r.config.model, r.params, rows.map((x) => rewardFeatures(r.config.model, x.prompt, x.answer)));
    let worst = 0;
    ref.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - got[i]!))));
    assert.equal(got.length, 10_000);
    assert.ok(worst < 1e-5, `max |onnx - ts| = ${worst}`);
    const spread = Math.max(...ref) - Math.min(...ref);
    assert.ok(spread > 0.5, `scores must vary for the check to mean something (spread ${spread})`);
  });
});
