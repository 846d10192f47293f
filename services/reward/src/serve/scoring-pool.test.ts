import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { DEFAULT_REWARD_CONFIG, buildRewardInference, initParams, rewardParamDefs, RewardScorer } from "@rlhf-loop/ml";
import { ScoringPool } from "./scoring-pool.js";

const cfg = { ...DEFAULT_REWARD_CONFIG, hashing: { ...DEFAULT_REWARD_CONFIG.hashing, buckets: 2048 }, embedDim: 8, hidden: 8 };

describe("scoring pool", () => {
  it("scores in worker threads exactly as the in-process scorer, split across workers", async () => {
    const params = initParams(rewardParamDefs(cfg), 3);
    const onnx = buildRewardInference(cfg, params).bytes;
    const rows = Array.from({ length: 300 }, (_, i) => ({ prompt: `q ${i % 7}`, answer: `answer number ${i} with words ${i * 3}` }));
    const pool = ScoringPool.create({ size: 2 });
    try {
      await pool.load("m1", "compact", onnx);
      const got = await pool.score("m1", rows);
      const ref = await (await RewardScorer.load(onnx, { threads: 1 })).score(rows);
      assert.equal(got.length, 300);
      got.forEach((g, i) => assert.equal(g, ref[i]));
      await assert.rejects(pool.score("nope", rows), /not loaded/);
      await pool.unload("m1");
      await assert.rejects(pool.score("m1", rows), /not loaded/);
    } finally {
      await pool.close();
    }
  });

  it("serves a brought HF model: fixture ids' scores within 1e-4, one row and padded batches", async (t) => {
    const dir = process.env["HF_REWARD_FIXTURE"] ?? "/work/shared/fixtures/hf-bert-reward";
    let expected: { cases: { prompt: string; response: string; score: number }[] };
    try {
      expected = JSON.parse(await readFile(`${dir}/expected.json`, "utf8")) as typeof expected;
    } catch {
      t.skip(`fixture ${dir} absent`);
      return;
    }
    const pool = ScoringPool.create({ size: 2, splitAbove: 4 });
    try {
      await pool.load("hf", "hf", new Uint8Array(await readFile(`${dir}/model.onnx`)), await readFile(`${dir}/tokenizer.json`, "utf8"));
      const rows = expected.cases.map((c) => ({ prompt: c.prompt, answer: c.response }));
      const batch = await pool.score("hf", rows);
      for (let i = 0; i < rows.length; i++) {
        const single = (await pool.score("hf", [rows[i]!]))[0]!;
        assert.ok(Math.abs(single - expected.cases[i]!.score) < 1e-4, `case ${i} single: ${single} vs ${expected.cases[i]!.score}`);
        assert.ok(Math.abs(batch[i]! - expected.cases[i]!.score) < 1e-4, `case ${i} batch: ${batch[i]} vs ${expected.cases[i]!.score}`);
      }
    } finally {
      await pool.close();
    }
  });
});
