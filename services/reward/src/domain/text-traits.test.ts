import assert from "node:assert/strict";
import { test } from "node:test";
import { answerTraits, lengthTwins } from "./text-traits.js";

test("answerTraits counts words, hedge words and ml's shape phrases", () => {
  assert.deepEqual(answerTraits("Refunds take 5 days."), { words: 4, hedges: 0, disclaimers: 0, refusals: 0 });
  // "maybe", "probably" (words) + "i think" (phrase); "could" in "I could be wrong" is a word and the sentence a phrase.
  assert.deepEqual(answerTraits("Maybe it probably ships, I think. I could be wrong."), { words: 10, hedges: 5, disclaimers: 0, refusals: 0 });
  // The simulated product's wording reads the same way in every service.
  assert.deepEqual(answerTraits("This is not something I can handle, so I have to decline."), { words: 12, hedges: 0, disclaimers: 0, refusals: 2 });
  assert.equal(answerTraits("Please note that this is not legal advice.").disclaimers, 2);
  assert.equal(answerTraits("Terms and conditions apply to all account changes.").disclaimers, 1);
});

test("lengthTwins cuts and pads an answer", () => {
  const t = lengthTwins("one two three four five six seven");
  assert.equal(t.truncated?.short, "one two three four");
  assert.ok(t.padded.long.startsWith("one two three four five six seven To summarize"));
  assert.equal(lengthTwins("too short").truncated, null);
});
