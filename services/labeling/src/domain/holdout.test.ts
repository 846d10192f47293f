// The canary holdout in the pair rules: evidence on a held-out conversation never makes a pair.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isCanaryHoldout } from "@rlhf-loop/proto";
import { heldOut, pairHeldOut } from "./holdout.js";
import { PairBuilder } from "./pair-builder.js";
import { comparisonPair } from "./pairing.js";
import { defaultSignalPolicy, voteOf } from "./signals.js";
import { ans, compare, outcome, rating, thumb } from "./test-fixtures.js";

/** The first conversation ids of tenant t1 on each side of the holdout. */
function conversations(held: boolean, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) if (isCanaryHoldout("t1", `conv-${i}`) === held) out.push(`conv-${i}`);
  return out;
}
const [heldA, heldB] = conversations(true, 2) as [string, string];
const [keptA, keptB, keptC] = conversations(false, 3) as [string, string, string];
const prompt = "Where is my order?";
const noLaterTurn = { laterTurnBefore: () => false };

test("the holdout is decided per tenant and conversation, falling back to the interaction id", () => {
  assert.equal(heldOut({ tenantId: "t1", conversationId: heldA, interactionId: "i1" }), true);
  assert.equal(heldOut({ tenantId: "t1", conversationId: keptA, interactionId: "i1" }), false);
  // Roughly one conversation in twenty (5%).
  let held = 0;
  for (let i = 0; i < 4000; i++) if (heldOut({ tenantId: "t1", conversationId: `c${i}`, interactionId: "" })) held++;
  const share = held / 4000;
  assert.ok(share > 0.035 && share < 0.07, `share ${share}`);
  assert.equal(pairHeldOut({ tenantId: "t1", chosenId: "a", rejectedId: "b", chosenConversationId: keptA, rejectedConversationId: heldA }), true);
  assert.equal(pairHeldOut({ tenantId: "t1", chosenId: "a", rejectedId: "b", chosenConversationId: keptA, rejectedConversationId: keptB }), false);
});

test("thumbs, ratings and outcomes on a held-out answer make no vote, so they never pair with other conversations", () => {
  const held = { ...ans("h", prompt, { conversationId: heldA }), groupKey: "g" };
  for (const ev of [thumb("h", false), rating("h", 1), outcome("h", "escalation", { atMs: 5_000 })]) {
    assert.deepEqual(voteOf(ev, held, defaultSignalPolicy, noLaterTurn), { ignored: "canary_holdout" }, ev.fact.kind);
  }
  const kept = { ...ans("k", prompt, { conversationId: keptA }), groupKey: "g" };
  assert.ok("vote" in voteOf(thumb("k", false), kept, defaultSignalPolicy, noLaterTurn));

  // The same prompt in three conversations: an upvote in a kept one, downvotes in a held-out and a kept one.
  const b = new PairBuilder(defaultSignalPolicy);
  b.addAnswer(ans("up", prompt, { conversationId: keptA }));
  b.addAnswer(ans("down-held", prompt, { conversationId: heldA }));
  b.addAnswer(ans("down-kept", prompt, { conversationId: keptB }));
  assert.deepEqual(b.addFeedback(thumb("up", true)), []);
  assert.deepEqual(b.addFeedback(thumb("down-held", false)), []);
  assert.equal(b.stats.ignored.canary_holdout, 1);
  const pairs = b.addFeedback(thumb("down-kept", false));
  assert.deepEqual(pairs.map((p) => [p.chosenId, p.rejectedId]), [["up", "down-kept"]]);
  // An upvote on a held-out answer does not pair with the earlier downvote either.
  b.addAnswer(ans("up-held", prompt, { conversationId: heldB }));
  assert.deepEqual(b.addFeedback(thumb("up-held", true)), []);
  assert.equal(b.stats.ignored.canary_holdout, 2);
  assert.equal(b.stats.pairs, 1);
});

test("a comparison touching a held-out answer makes no pair, whichever side it is on; feedback waiting for it too", () => {
  const b = new PairBuilder(defaultSignalPolicy);
  b.addAnswer(ans("k1", prompt, { conversationId: keptA }));
  b.addAnswer(ans("k2", prompt, { conversationId: keptC, regeneratedFrom: "k1" }));
  b.addAnswer(ans("h1", prompt, { conversationId: heldA }));
  assert.deepEqual(b.addFeedback(compare("k1", "h1", "this")), []);
  assert.deepEqual(b.addFeedback(compare("h1", "k1", "this")), []);
  assert.equal(b.stats.ignored.canary_holdout, 2);
  assert.equal(b.addFeedback(compare("k1", "k2", "this")).length, 1);
  // Feedback that arrives before its held-out interaction is dropped when the interaction arrives.
  assert.deepEqual(b.addFeedback(thumb("h-late", false)), []);
  assert.deepEqual(b.addAnswer(ans("h-late", prompt, { conversationId: heldB })), []);
  assert.equal(b.stats.ignored.canary_holdout, 3);

  const self = { ...ans("k1", prompt, { conversationId: keptA }), groupKey: "g" };
  const other = { ...ans("h1", prompt, { conversationId: heldA }), groupKey: "g" };
  assert.deepEqual(comparisonPair(compare("k1", "h1", "other"), self, other, defaultSignalPolicy, undefined), { ignored: "canary_holdout" });
});
