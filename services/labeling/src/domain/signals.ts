import { heldOut } from "./holdout.js";
import type { Answer, FeedbackEvent, OutcomeName, SourceName, Vote } from "./model.js";
import { outcomeRaterId } from "./model.js";

/** How much each kind of feedback counts; configured per deployment. */
export interface SignalPolicy {
  /** Multiplier per feedback source (an expert's thumb counts more than a user's). */
  sourceWeights: Record<SourceName, number>;
  thumbWeight: number;
  /** Weight of a rating at the end of its scale; it shrinks linearly to 0 at the midpoint. */
  ratingWeight: number;
  /** Weight of a direct comparison (regenerate-and-pick, expert pair sent as feedback). */
  comparisonWeight: number;
  /** Weight of a judgment from the labeling service's own review queue. */
  expertReviewWeight: number;
  /**
   * Signed weight per outcome: negative counts against the answer, 0 ignores the kind.
   * A refund is ambiguous (it is also what a correct in-policy answer leads to), so it is off
   * by default.
   */
  outcomeWeights: Record<OutcomeName, number>;
  /** Outcomes later than this after the answer are not attributed to it. */
  outcomeWindowMs: number;
  /** Each new vote pairs with at most this many recent opposite votes of its group. */
  partnersPerVote: number;
}

export const defaultSignalPolicy: SignalPolicy = {
  sourceWeights: { unspecified: 1, end_user: 1, expert: 3, qa: 2, support: 2, system: 1 },
  thumbWeight: 1,
  ratingWeight: 1,
  comparisonWeight: 1.5,
  expertReviewWeight: 3,
  outcomeWeights: { escalation: -2, compliance_flag: -3, reopen: -0.5, refund: 0 },
  outcomeWindowMs: 7 * 86_400_000,
  partnersPerVote: 4,
};

/** Facts about the conversation a vote's rule may need (the reopen rule). */
export interface VoteContext {
  /**
   * Whether the conversation of `answer` has a later turn answered at or before `atMs`: a
   * reopened ticket then concerns the conversation as it ended, not this earlier answer.
   */
  laterTurnBefore(answer: Answer, atMs: number): boolean;
}

export type VoteDecision = { vote: Vote } | { ignored: IgnoreReason };

export type IgnoreReason =
  | "tenant_mismatch"
  | "neutral_rating"
  | "invalid_rating_scale"
  | "outcome_weight_zero"
  | "outcome_before_answer"
  | "outcome_outside_window"
  | "reopen_not_final_turn"
  | "source_weight_zero"
  | "tie"
  | "same_interaction"
  | "identical_answers"
  | "not_a_vote"
  /** The answer's conversation is in the canary holdout: it never becomes training evidence. */
  | "canary_holdout";

/** Turns a thumb, rating or outcome about `answer` into a vote, or says why it is not one. */
export function voteOf(ev: FeedbackEvent, answer: Answer, policy: SignalPolicy, ctx: VoteContext): VoteDecision {
  if (ev.tenantId !== answer.tenantId) return { ignored: "tenant_mismatch" };
  // Before any pairing: a vote on a held-out answer would otherwise pair with answers of other
  // conversations in its group.
  if (heldOut(answer)) return { ignored: "canary_holdout" };
  const sourceWeight = policy.sourceWeights[ev.source];
  if (!(sourceWeight > 0)) return { ignored: "source_weight_zero" };
  // Built in one place (no spreads): this runs once per feedback event on the hot path.
  const vote = (direction: 1 | -1, weight: number, raterId: string, kind: Vote["kind"]): VoteDecision => ({
    vote: {
      feedbackId: ev.feedbackId,
      tenantId: ev.tenantId,
      interactionId: answer.interactionId,
      groupKey: answer.groupKey,
      answerHash: answer.answerHash,
      direction,
      weight,
      raterId,
      source: ev.source,
      segment: answer.segment,
      kind,
      atMs: ev.atMs,
    },
  });
  const fact = ev.fact;
  switch (fact.kind) {
    case "thumb":
      return vote(fact.up ? 1 : -1, policy.thumbWeight * sourceWeight, ev.raterId, "thumb");
    case "rating": {
      if (!(fact.max > fact.min) || fact.score < fact.min || fact.score > fact.max) return { ignored: "invalid_rating_scale" };
      // -1 at the bottom of the scale, +1 at the top.
      const x = (2 * (fact.score - fact.min)) / (fact.max - fact.min) - 1;
      if (Math.abs(x) < 1e-9) return { ignored: "neutral_rating" };
      return vote(x > 0 ? 1 : -1, policy.ratingWeight * Math.abs(x) * sourceWeight, ev.raterId, "rating");
    }
    case "outcome": {
      const w = policy.outcomeWeights[fact.outcome];
      if (w === 0) return { ignored: "outcome_weight_zero" };
      const delay = ev.atMs - answer.atMs;
      if (delay < 0) return { ignored: "outcome_before_answer" };
      if (delay > policy.outcomeWindowMs) return { ignored: "outcome_outside_window" };
      // A reopened ticket is about how the conversation ended; it says nothing about an answer
      // the conversation had already moved past.
      if (fact.outcome === "reopen" && ctx.laterTurnBefore(answer, ev.atMs)) return { ignored: "reopen_not_final_turn" };
      return vote(w > 0 ? 1 : -1, Math.abs(w) * sourceWeight, outcomeRaterId(fact.outcome), "outcome");
    }
    case "comparison":
      return { ignored: "not_a_vote" };
  }
}
