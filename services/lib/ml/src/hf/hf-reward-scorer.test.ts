// Against the fixture exported from PyTorch: every token id exactly, every score within 1e-4, one
// row at a time and in padded batches.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { HfRewardScorer } from "./hf-reward-scorer.js";
import { truncateLongestFirst } from "./wordpiece.js";

const DIR = process.env["HF_REWARD_FIXTURE"] ?? "/work/shared/fixtures/hf-bert-reward";
interface Case {
  prompt: string;
  response: string;
  input_ids: number[];
  score: number;
}

describe("Hugging Face reward model", { skip: existsSync(DIR) ? false : `fixture not found at ${DIR}` }, () => {
  const cases = (): Case[] => (JSON.parse(readFileSync(`${DIR}/expected.json`, "utf8")) as { cases: Case[] }).cases;

  it("the WordPiece tokenizer reproduces every token id", async () => {
    const s = await HfRewardScorer.load(DIR, { threads: 1 });
    for (const c of cases()) assert.deepEqual(s.encode(c.prompt, c.response).ids, c.input_ids, `${c.prompt} | ${c.response}`);
    assert.ok(cases().some((c) => c.input_ids.length === 128), "the fixture exercises truncation");
    await s.release();
  });

  it("scores match PyTorch within 1e-4, row by row and in padded batches", async () => {
    const s = await HfRewardScorer.load(DIR, { threads: 1 });
    const cs = cases();
    const rows = cs.map((c) => ({ prompt: c.prompt, response: c.response }));
    for (const batchSize of [1, 4, cs.length]) {
      const got = await s.score(rows, { batchSize });
      got.forEach((g, i) => assert.ok(Math.abs(g - cs[i]!.score) < 1e-4, `batch ${batchSize}, case ${i}: ${g} vs ${cs[i]!.score}`));
    }
    await s.release();
  });
});

describe("longest-first truncation", () => {
  // The cases of huggingface/tokenizers utils/truncation.rs (max 7; lengths 0, 2, 4, 8).
  const seq = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
  const table: [number, number, number, number][] = [
    [0, 8, 0, 7], [2, 8, 2, 5], [4, 4, 3, 4], [4, 8, 3, 4], [8, 2, 5, 2], [8, 4, 4, 3], [8, 8, 3, 4], [2, 4, 2, 4],
  ];
  for (const [a, b, ea, eb] of table) {
    it(`${a} + ${b} -> ${ea} + ${eb}`, () => {
      const [x, y] = truncateLongestFirst(seq(a), seq(b), 7);
      assert.deepEqual([x.length, y!.length], [ea, eb]);
    });
  }
});
