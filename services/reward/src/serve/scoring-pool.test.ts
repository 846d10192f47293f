import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { DEFAULT_REWARD_CONFIG, buildRewardInference, initParams, rewardParamDefs, RewardScorer } from "@rlhf-loop/ml";
import { ScoringPool, type ScoreTrace } from "./scoring-pool.js";

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

  it("with a trace callback, reports every score message's timings in order (load messages are not traced)", async () => {
    const onnx = buildRewardInference(cfg, initParams(rewardParamDefs(cfg), 5)).bytes;
    const traces: ScoreTrace[] = [];
    const pool = ScoringPool.create({ size: 1, splitAbove: 16, trace: (t) => traces.push(t) });
    try {
      await pool.load("m", "compact", onnx);
      assert.equal(traces.length, 0);
      await pool.score("m", Array.from({ length: 40 }, (_, i) => ({ prompt: "q", answer: `answer ${i}` })));
      assert.deepEqual(traces.map((t) => t.rows).sort((a, b) => a - b), [8, 16, 16]);
      // Clocks of two threads (timeOrigin + now): allow a millisecond of skew between them.
      for (const t of traces) {
        assert.ok(t.sent <= t.posted && t.runStart <= t.runEnd && t.got <= t.runStart, JSON.stringify(t));
        assert.ok(t.posted <= t.got + 1 && t.runEnd <= t.done + 1, JSON.stringify(t));
      }
    } finally {
      await pool.close();
    }
  });

  it("answers a single row ahead of a large batch already queued, and the batch stays exact and in order", async () => {
    const params = initParams(rewardParamDefs(cfg), 4);
    const onnx = buildRewardInference(cfg, params).bytes;
    const rows = Array.from({ length: 4000 }, (_, i) => ({ prompt: `q ${i % 13}`, answer: `a long answer number ${i} `.repeat(8) }));
    // One worker, so the single row can only get ahead by overtaking the batch's queued chunks.
    const pool = ScoringPool.create({ size: 1, splitAbove: 16 });
    try {
      await pool.load("m", "compact", onnx);
      const t0 = performance.now();
      let singleMs = 0;
      let batchMs = 0;
      const batch = pool.score("m", rows).then((s) => ((batchMs = performance.now() - t0), s));
      const single = pool.score("m", [{ prompt: "q", answer: "just one" }]).then((s) => ((singleMs = performance.now() - t0), s));
      const [got, one] = await Promise.all([batch, single]);
      // It waits for at most two 16-row chunks, not for a share of the 4,000 rows (posted as one
      // message, the worker's 1,024-row sub-batches put it a quarter of the way in at best).
      assert.ok(singleMs < 0.1 * batchMs, `single answered after ${singleMs.toFixed(1)} ms, the batch after ${batchMs.toFixed(1)} ms`);
      const scorer = await RewardScorer.load(onnx, { threads: 1 });
      const ref = await scorer.score(rows);
      assert.equal(got.length, rows.length);
      got.forEach((g, i) => assert.equal(g, ref[i], `row ${i}`));
      assert.equal(one[0], (await scorer.score([{ prompt: "q", answer: "just one" }]))[0]);
      await scorer.release();
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

  it("refuses calls once its workers keep dying, instead of leaving them waiting on a dead worker", async () => {
    const pool = ScoringPool.create({ size: 2, workerEntry: new URL("./testdata/dies-on-score.mjs", import.meta.url).href });
    try {
      await pool.load("m", "compact", new Uint8Array(1));
      const rows = [{ prompt: "q", answer: "a" }];
      // Each call kills the worker it reaches; the pool respawns at most 5 times a minute, then
      // every call must be refused at once (unavailable) rather than hang.
      const outcomes: string[] = [];
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && outcomes.length < 40) {
        const r = await Promise.race([
          pool.score("m", rows).then(() => "ok", (e: unknown) => (e instanceof Error ? e.message : String(e))),
          new Promise<string>((res) => setTimeout(() => res("hung"), 5_000)),
        ]);
        outcomes.push(r);
        if (r === "hung" || /keep failing/.test(r)) break;
      }
      assert.match(outcomes.at(-1)!, /keep failing/, `calls: ${outcomes.join(" | ")}`);
      // Large calls are refused too, not queued forever.
      const big = Array.from({ length: 300 }, () => rows[0]!);
      await assert.rejects(pool.score("m", big), /keep failing/);
    } finally {
      await pool.close();
    }
  });
});
