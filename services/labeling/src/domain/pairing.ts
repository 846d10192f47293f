import type { Answer, Contribution, FeedbackEvent, PairDraft, PairSourceName, Vote } from "./model.js";
import { stableId } from "./hash.js";
import { heldOut } from "./holdout.js";
import type { IgnoreReason, SignalPolicy } from "./signals.js";

function contribution(v: Vote, share: number): Contribution {
  return { raterId: v.raterId, source: v.source, segment: v.segment, weight: v.weight * share, evidenceId: v.feedbackId, atMs: v.atMs };
}

function sourceOf(a: Vote, b: Vote): PairSourceName {
  if (a.kind === "outcome" || b.kind === "outcome") return "outcome";
  if (a.kind === "rating" || b.kind === "rating") return "rating";
  return "thumbs";
}

/**
 * Whether `partner` may be paired with `vote`: opposite direction, same group, a different
 * answer with different text. Thumbs are never paired across prompts.
 */
export function canPair(vote: Vote, partner: Vote): boolean {
  return (
    partner.tenantId === vote.tenantId &&
    partner.groupKey === vote.groupKey &&
    partner.direction === -vote.direction &&
    partner.interactionId !== vote.interactionId &&
    partner.answerHash !== vote.answerHash &&
    partner.feedbackId !== vote.feedbackId
  );
}

/**
 * Pairs a new vote with earlier opposite votes of its group: the up-voted answer is chosen,
 * the down-voted one rejected. `partners` come newest first; at most policy.partnersPerVote are
 * used, so a popular prompt costs linear, not quadratic, work. Each side contributes half its
 * vote's weight to the pair.
 */
export function pairsForVote(vote: Vote, partners: readonly Vote[], policy: SignalPolicy): PairDraft[] {
  const out: PairDraft[] = [];
  for (const p of partners) {
    if (out.length >= policy.partnersPerVote) break;
    if (!canPair(vote, p)) continue;
    const up = vote.direction === 1 ? vote : p;
    const down = vote.direction === 1 ? p : vote;
    const source = sourceOf(up, down);
    out.push({
      pairId: stableId("pr_", vote.tenantId, source, up.feedbackId, down.feedbackId),
      tenantId: vote.tenantId,
      groupKey: vote.groupKey,
      promptHash: "",
      chosenId: up.interactionId,
      rejectedId: down.interactionId,
      source,
      contributions: [contribution(up, 0.5), contribution(down, 0.5)],
      rubricVersion: "",
      samplingWeight: 1,
      stratum: "",
      atMs: Math.max(up.atMs, down.atMs),
      superseded: false,
    });
  }
  return out;
}

export type ComparisonDecision = { pair: PairDraft } | { ignored: IgnoreReason };

/**
 * A direct comparison becomes a pair as it is: the feedback's own interaction against the
 * other one, in the direction the rater chose. Ties carry no preference.
 */
export function comparisonPair(ev: FeedbackEvent, self: Answer, other: Answer, policy: SignalPolicy, activeRubric: string | undefined): ComparisonDecision {
  if (ev.fact.kind !== "comparison") return { ignored: "not_a_vote" };
  if (self.tenantId !== ev.tenantId || other.tenantId !== ev.tenantId) return { ignored: "tenant_mismatch" };
  if (self.interactionId === other.interactionId) return { ignored: "same_interaction" };
  if (heldOut(self) || heldOut(other)) return { ignored: "canary_holdout" };
  if (ev.fact.choice === "tie") return { ignored: "tie" };
  const sourceWeight = policy.sourceWeights[ev.source];
  if (!(sourceWeight > 0)) return { ignored: "source_weight_zero" };
  const [chosen, rejected] = ev.fact.choice === "this" ? [self, other] : [other, self];
  return {
    pair: {
      pairId: stableId("pr_", ev.tenantId, "comparison", ev.feedbackId),
      tenantId: ev.tenantId,
      groupKey: self.groupKey,
      promptHash: self.promptHash,
      chosenId: chosen.interactionId,
      rejectedId: rejected.interactionId,
      source: "comparison",
      contributions: [{ raterId: ev.raterId, source: ev.source, segment: self.segment, weight: policy.comparisonWeight * sourceWeight, evidenceId: ev.feedbackId, atMs: ev.atMs }],
      rubricVersion: ev.rubricVersion,
      samplingWeight: 1,
      stratum: "",
      atMs: ev.atMs,
      superseded: isSuperseded(ev.rubricVersion, activeRubric),
    },
  };
}

/** A rubric-tagged judgment is superseded once another version is the active one. */
export function isSuperseded(rubricVersion: string, activeRubric: string | undefined): boolean {
  return rubricVersion !== "" && activeRubric !== undefined && rubricVersion !== activeRubric;
}
