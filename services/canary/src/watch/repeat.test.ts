import assert from "node:assert/strict";
import { test } from "node:test";
import { normalizeQuestion, RepeatTracker, tokenJaccard } from "./repeat.js";

const H = 3_600_000;

void test("questions are normalized and compared by token Jaccard", () => {
  assert.equal(normalizeQuestion("  Where's my   REFUND?! "), "where s my refund");
  assert.equal(normalizeQuestion("Ｃａｆé №5"), "café no5"); // NFKC folds full-width letters and №
  assert.equal(tokenJaccard(new Set(["a", "b", "c"]), new Set(["b", "c", "d"])), 2 / 4);
  assert.equal(tokenJaccard(new Set(), new Set()), 1);
  assert.equal(tokenJaccard(new Set(["a"]), new Set()), 0);
});

void test("a repeat: the same text or a near-duplicate from the same user within 24 h", () => {
  const r = new RepeatTracker();
  assert.deepEqual(r.ask("u1", 0, "Where is my refund for order 123?", "w1"), []);
  // 6 shared tokens of 8: Jaccard 0.75 < 0.8, another order: not a repeat.
  assert.deepEqual(r.ask("u1", 1 * H, "where is my refund for order 124", "w1"), []);
  // 7 of 8 (one word added): 0.875 >= 0.8.
  assert.deepEqual(r.ask("u1", 2 * H, "hi where is my refund for order 123", "w1"), ["w1"]);
  // Same text, another user: not a repeat.
  assert.deepEqual(r.ask("u2", 2 * H, "Where is my refund for order 123?", "w1"), []);
  // Exactly 24 h after the first still counts; just over 24 h after every similar one does not.
  assert.deepEqual(r.ask("u3", 0, "cancel my plan", "w1"), []);
  assert.deepEqual(r.ask("u3", 24 * H, "Cancel my plan.", "w2"), ["w2"]);
  assert.deepEqual(r.ask("u4", 0, "cancel my plan", "w1"), []);
  assert.deepEqual(r.ask("u4", 24 * H + 1, "cancel my plan", "w2"), []);
  // Text with no letters or digits is not a question.
  assert.deepEqual(r.ask("u5", 0, "?!", "w1"), []);
  assert.deepEqual(r.ask("u5", 1, "?!", "w1"), []);
});

void test("out-of-order arrival counts the later question, whatever comes first", () => {
  const r = new RepeatTracker();
  // The later question arrives first: no repeat yet; when the earlier one arrives, the later one becomes the repeat.
  assert.deepEqual(r.ask("u1", 5 * H, "reset my password", "w2"), []);
  assert.deepEqual(r.ask("u1", 1 * H, "reset my password", "w1"), ["w2"]);
  // A third one is a repeat itself and does not count the second again.
  assert.deepEqual(r.ask("u1", 3 * H, "Reset my password!", "w1"), ["w1"]);
  // Pruning forgets old questions.
  r.prune(10 * H);
  assert.equal(r.users, 0);
  assert.throws(() => new RepeatTracker({ jaccard: 0 }), /jaccard/);
});
