import assert from "node:assert/strict";
import { test } from "node:test";
import { PairBuilder } from "./pair-builder.js";
import { defaultSignalPolicy, type SignalPolicy } from "./signals.js";
import { ans, compare, outcome, rating, thumb } from "./test-fixtures.js";
import { normalizePromptText, promptHash } from "./prompt.js";
import { sha256Hex } from "./hash.js";

const policy: SignalPolicy = { ...defaultSignalPolicy };

test("comparisons become pairs as they are, in the chosen direction; ties do not", () => {
  const b = new PairBuilder(policy);
  b.addAnswer(ans("a", "refund please"));
  b.addAnswer(ans("b", "refund please", { regeneratedFrom: "a" }));
  const [p] = b.addFeedback(compare("b", "a", "other", { rater: "u1" }));
  assert.equal(p?.source, "comparison");
  assert.equal(p?.chosenId, "a");
  assert.equal(p?.rejectedId, "b");
  assert.equal(p?.contributions[0]?.raterId, "u1");
  assert.equal(p?.contributions[0]?.weight, policy.comparisonWeight);
  assert.deepEqual(b.addFeedback(compare("b", "a", "tie")), []);
  assert.equal(b.stats.ignored.tie, 1);
});

test("thumbs pair only within one prompt: up against down, never across prompts", () => {
  const b = new PairBuilder(policy);
  b.addAnswer(ans("x1", "How do I reset my password?"));
  b.addAnswer(ans("x2", "How  do I reset my password? ")); // same normalized text
  b.addAnswer(ans("y2", "Where is my order?"));
  assert.deepEqual(b.addFeedback(thumb("x1", true)), []);
  // A downvote on another prompt must not pair with the upvote above.
  assert.deepEqual(b.addFeedback(thumb("y2", false)), []);
  const pairs = b.addFeedback(thumb("x2", false));
  assert.equal(pairs.length, 1);
  assert.equal(pairs[0]?.chosenId, "x1");
  assert.equal(pairs[0]?.rejectedId, "x2");
  assert.equal(pairs[0]?.source, "thumbs");
  // Two ups never pair, and nor do votes on the same answer.
  assert.deepEqual(b.addFeedback(thumb("x2", true)), []);
  assert.equal(normalizePromptText("How  do I reset my password? "), "How do I reset my password?");
});

test("the same conversation turn groups answers even when the logged prompts differ", () => {
  const b = new PairBuilder(policy);
  b.addAnswer(ans("t1", "prompt logged one way", { conversationId: "c9", turnIndex: 2 }));
  b.addAnswer(ans("t2", "prompt logged another way", { conversationId: "c9", turnIndex: 2 }));
  b.addFeedback(thumb("t1", false));
  const pairs = b.addFeedback(thumb("t2", true));
  assert.equal(pairs.length, 1);
  assert.equal(pairs[0]?.chosenId, "t2");
});

test("identical answer texts never pair (an up and a down on the same words say nothing)", () => {
  const b = new PairBuilder(policy);
  b.addAnswer(ans("s1", "p", { text: "same words" }));
  b.addAnswer(ans("s2", "p", { text: "same  words" }));
  b.addFeedback(thumb("s1", true));
  assert.deepEqual(b.addFeedback(thumb("s2", false)), []);
});

test("outcomes count with their configured per-kind weight against the answer", () => {
  const b = new PairBuilder({ ...policy, outcomeWeights: { escalation: -2, compliance_flag: -3, reopen: -0.5, refund: 0 } });
  b.addAnswer(ans("good", "cancel my plan"));
  b.addAnswer(ans("bad", "cancel my plan"));
  b.addFeedback(thumb("good", true, { rater: "u1" }));
  const [p] = b.addFeedback(outcome("bad", "escalation", { atMs: 5_000 }));
  assert.equal(p?.source, "outcome");
  assert.equal(p?.chosenId, "good");
  assert.equal(p?.rejectedId, "bad");
  const esc = p?.contributions.find((c) => c.raterId === "outcome:escalation");
  assert.equal(esc?.weight, 0.5 * 2 * policy.sourceWeights.system);
  // Refunds are weighted 0 here: ignored, with a reason.
  assert.deepEqual(b.addFeedback(outcome("bad", "refund", { atMs: 6_000 })), []);
  assert.equal(b.stats.ignored.outcome_weight_zero, 1);
});

test("a reopened ticket is not read as a downvote of an earlier answer the conversation moved past", () => {
  const b = new PairBuilder(policy);
  b.addAnswer(ans("turn0", "refund", { conversationId: "c1", turnIndex: 0, atMs: 1_000 }));
  b.addAnswer(ans("turn1", "unrelated question", { conversationId: "c1", turnIndex: 1, atMs: 2_000 }));
  b.addAnswer(ans("other", "refund", { atMs: 1_500 }));
  b.addFeedback(thumb("other", true));
  // The reopen names turn0, but the conversation already went on to turn1: not turn0's fault.
  assert.deepEqual(b.addFeedback(outcome("turn0", "reopen", { atMs: 10_000 })), []);
  assert.equal(b.stats.ignored.reopen_not_final_turn, 1);
  // On the final answer of its conversation it counts.
  b.addAnswer(ans("solo", "refund", { conversationId: "c2", atMs: 1_000 }));
  const pairs = b.addFeedback(outcome("solo", "reopen", { atMs: 10_000 }));
  assert.equal(pairs.length, 1);
  assert.equal(pairs[0]?.rejectedId, "solo");
  // And outcomes long after the answer are not attributed to it.
  assert.deepEqual(b.addFeedback(outcome("solo", "escalation", { atMs: 1_000 + policy.outcomeWindowMs + 1 })), []);
  assert.equal(b.stats.ignored.outcome_outside_window, 1);
});

test("ratings: above the midpoint is for, below against, the midpoint nothing", () => {
  const b = new PairBuilder(policy);
  b.addAnswer(ans("r1", "q"));
  b.addAnswer(ans("r2", "q"));
  b.addFeedback(rating("r1", 5));
  assert.deepEqual(b.addFeedback(rating("r2", 3)), []);
  const [p] = b.addFeedback(rating("r2", 2));
  assert.equal(p?.source, "rating");
  assert.equal(p?.chosenId, "r1");
  // weight: 0.5 * 1 (top of scale) + 0.5 * 0.5 (one step below the midpoint of 1..5)
  assert.equal(p && p.contributions.reduce((s, c) => s + c.weight, 0), 0.75);
});

test("feedback that arrives before its interaction waits, then pairs; duplicates are dropped", () => {
  const b = new PairBuilder(policy);
  assert.deepEqual(b.addFeedback(compare("late", "early", "this", { id: "cmp1" })), []);
  assert.equal(b.stats.pending, 1);
  b.addAnswer(ans("late", "q"));
  assert.equal(b.stats.pending, 1, "still waiting for the other interaction");
  const pairs = b.addAnswer(ans("early", "q"));
  assert.equal(pairs.length, 1);
  assert.equal(b.stats.pending, 0);
  assert.deepEqual(b.addFeedback(compare("late", "early", "this", { id: "cmp1" })), []);
  assert.equal(b.stats.duplicates, 1);
});

test("each vote pairs with at most partnersPerVote recent opposite votes", () => {
  const b = new PairBuilder({ ...policy, partnersPerVote: 3 });
  for (let i = 0; i < 10; i++) {
    b.addAnswer(ans(`d${i}`, "popular"));
    b.addFeedback(thumb(`d${i}`, false));
  }
  b.addAnswer(ans("u", "popular"));
  const pairs = b.addFeedback(thumb("u", true));
  assert.deepEqual(
    pairs.map((p) => p.rejectedId),
    ["d9", "d8", "d7"],
  );
});

test("pair ids are deterministic", () => {
  const run = () => {
    const b = new PairBuilder(policy);
    b.addAnswer(ans("a", "q"));
    b.addAnswer(ans("b", "q"));
    b.addFeedback(thumb("a", true, { id: "fa" }));
    return b.addFeedback(thumb("b", false, { id: "fb" }))[0]?.pairId;
  };
  assert.equal(run(), run());
});

test("prompt hash matches ingestion's rule (role:text joined by U+001E, sha256)", () => {
  // Independent restatement of the rule for one message.
  assert.equal(promptHash([{ role: "user", content: " Hi\r\n\r\n\r\nthere " }]), sha256Hex("USER:Hi\n\nthere"));
});
