import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { HfPairTokenizer } from "./hf-tokenizer.js";

const dir = process.env["HF_REWARD_FIXTURE"] ?? "/work/shared/fixtures/hf-bert-reward";

describe("tokenizers.js pair encoding", () => {
  it("reproduces every token id of the fixture, including the truncated 128-token case", async (t) => {
    let expected: { cases: { prompt: string; response: string; input_ids: number[] }[] };
    let json: unknown;
    try {
      expected = JSON.parse(await readFile(`${dir}/expected.json`, "utf8")) as typeof expected;
      json = JSON.parse(await readFile(`${dir}/tokenizer.json`, "utf8"));
    } catch {
      t.skip(`fixture ${dir} absent`);
      return;
    }
    const tok = new HfPairTokenizer(json);
    assert.equal(tok.maxLength, 128);
    let truncated = 0;
    for (const [i, c] of expected.cases.entries()) {
      const e = tok.encode(c.prompt, c.response);
      assert.deepEqual(e.ids, c.input_ids, `case ${i}`);
      if (e.ids.length === 128) truncated++;
    }
    assert.ok(truncated >= 1, "the fixture's long case must exercise truncation");
  });

  it("refuses truncation settings it does not implement", () => {
    const base = { version: "1.0", truncation: { max_length: 8, strategy: "OnlySecond", direction: "Right", stride: 0 }, padding: null, added_tokens: [], normalizer: null, pre_tokenizer: { type: "Whitespace" }, post_processor: null, decoder: null, model: { type: "WordLevel", vocab: { a: 0, "[UNK]": 1 }, unk_token: "[UNK]" } };
    assert.throws(() => new HfPairTokenizer(base), /only LongestFirst/);
  });
});
