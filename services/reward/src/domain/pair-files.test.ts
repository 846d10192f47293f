import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parsePairFile, PairFileError } from "./pair-files.js";

describe("preference files", () => {
  it("reads TRL (plain and conversational), OpenAI DPO and Anthropic HH", () => {
    const trl = parsePairFile("trl", [
      JSON.stringify({ prompt: "where is my order?", chosen: "It ships today.", rejected: "No idea." }),
      JSON.stringify({ prompt: [{ role: "user", content: "hi" }], chosen: [{ role: "assistant", content: "Hello!" }], rejected: [{ role: "assistant", content: "What." }] }),
    ].join("\n"));
    assert.deepEqual(trl.map((p) => [p.prompt, p.chosen, p.rejected]), [["where is my order?", "It ships today.", "No idea."], ["hi", "Hello!", "What."]]);
    const dpo = parsePairFile("openai-dpo", JSON.stringify({
      input: { messages: [{ role: "system", content: "be nice" }, { role: "user", content: "refund?" }] },
      preferred_output: [{ role: "assistant", content: "Yes, within 30 days." }],
      non_preferred_output: [{ role: "assistant", content: "No." }],
    }));
    assert.deepEqual([dpo[0]!.prompt, dpo[0]!.chosen, dpo[0]!.rejected], ["refund?", "Yes, within 30 days.", "No."]);
    const hh = parsePairFile("hh", JSON.stringify({ chosen: "\n\nHuman: hi\n\nAssistant: hello there", rejected: "\n\nHuman: hi\n\nAssistant: go away" }));
    assert.deepEqual([hh[0]!.prompt, hh[0]!.chosen, hh[0]!.rejected], ["Human: hi", "hello there", "go away"]);
  });

  it("names the line and field of bad input", () => {
    assert.throws(() => parsePairFile("trl", `{"prompt":"p","chosen":"a","rejected":"b"}\n{"prompt":"p","chosen":"","rejected":"b"}`), (e: unknown) => e instanceof PairFileError && e.line === 2 && e.field === "chosen");
    assert.throws(() => parsePairFile("hh", `{"chosen":"no turns","rejected":"x"}`), /line 1: chosen/);
    assert.throws(() => parsePairFile("openai-dpo", "not json"), /line 1: : not a JSON object/);
  });
});
