import assert from "node:assert/strict";
import { test } from "node:test";
import { EOS } from "@rlhf-loop/ml";
import { AnswerCodec, answerWords, NEWLINE, numberShape, wordsToText } from "./codec.js";

test("line breaks survive as a token and numbered steps come back on their own lines", () => {
  const text = "Do this:\n1. Open Settings.\n2. Save your changes.";
  const w = answerWords(text);
  assert.equal(w.filter((x) => x === NEWLINE).length, 2);
  assert.equal(wordsToText(w), text);
});

test("long numbers become shape tokens and take the prompt's numbers back, zeros when the prompt has none", () => {
  assert.equal(numberShape("822749"), "<n6>");
  assert.equal(numberShape("49.99"), "<n2.2>");
  assert.equal(numberShape("30"), undefined);
  const codec = AnswerCodec.build(["Order #822749 costs $49.99 and ships in 30 days."], { maxSize: 100 });
  const ids = codec.encode("Order #111111 costs $12.50 and ships in 30 days.");
  assert.equal(ids[ids.length - 1], EOS);
  assert.equal(codec.decode(ids, "my order #654321 was $12.34"), "Order #654321 costs $12.34 and ships in 30 days.");
  assert.equal(codec.decode(ids, "no numbers here"), "Order #000000 costs $00.00 and ships in 30 days.");
});

test("the vocabulary keeps specials first and drops rare words to <unk>", () => {
  const codec = AnswerCodec.build(["a b b c c c", "c"], { maxSize: 100, minCount: 2 });
  assert.deepEqual(codec.vocab.words.slice(0, 6), ["<pad>", "<bos>", "<eos>", "<unk>", "c", "b"]);
  assert.equal(codec.decode(codec.encode("a c")), "<unk> c");
});
