import type { OutcomeName } from "./model.js";
import { unitHash } from "./hash.js";

/**
 * Strata of the expert review queue, most specific first. Failures are oversampled on purpose;
 * every task records the probability it had of being picked, so estimates over the queue can
 * be weighted back to the population (Horvitz-Thompson: weight = 1 / probability).
 */
export const STRATA = ["compliance_flag", "escalation", "refund", "reopen", "low_agreement", "base"] as const;
export type Stratum = (typeof STRATA)[number];

export interface ReviewSamplingPolicy {
  /** Inclusion probability per stratum. */
  inclusion: Record<Stratum, number>;
  /** Share of tasks that go to `overlapRaters` experts instead of one. */
  overlapShare: number;
  overlapRaters: number;
  /** Share of served tasks that are gold (known-answer) items, when one is available. */
  goldShare: number;
  /** Votes on an answer count as split when the minority holds at least this share... */
  lowAgreementMinority: number;
  /** ...of at least this many votes. */
  lowAgreementMinVotes: number;
  seed: string;
}

export const defaultReviewSamplingPolicy: ReviewSamplingPolicy = {
  inclusion: { compliance_flag: 1, escalation: 0.5, refund: 0.2, reopen: 0.2, low_agreement: 0.5, base: 0.02 },
  overlapShare: 0.2,
  overlapRaters: 2,
  goldShare: 0.1,
  lowAgreementMinority: 0.3,
  lowAgreementMinVotes: 3,
  seed: "rlhf-review",
};

export interface AnswerSignals {
  outcomes: readonly OutcomeName[];
  ups: number;
  downs: number;
}

/** Whether an answer's votes disagree enough to be worth an expert's look. */
export function lowAgreement(s: Pick<AnswerSignals, "ups" | "downs">, policy: ReviewSamplingPolicy): boolean {
  const n = s.ups + s.downs;
  return n >= policy.lowAgreementMinVotes && Math.min(s.ups, s.downs) / n >= policy.lowAgreementMinority;
}

/** The most specific stratum the pair of answers falls in. */
export function stratumOf(a: AnswerSignals, b: AnswerSignals, policy: ReviewSamplingPolicy): Stratum {
  const outcomes = new Set([...a.outcomes, ...b.outcomes]);
  for (const s of STRATA) {
    if (s === "low_agreement") {
      if (lowAgreement(a, policy) || lowAgreement(b, policy)) return s;
    } else if (s === "base") return s;
    else if (outcomes.has(s)) return s;
  }
  return "base";
}

/** Order-independent key of a pair of answers: one task per pair. */
export function candidateKey(tenantId: string, x: string, y: string): string {
  return x < y ? `${tenantId}\u001f${x}\u001f${y}` : `${tenantId}\u001f${y}\u001f${x}`;
}

export interface SamplingDecision {
  included: boolean;
  /** Probability the pair had of being in the queue by now, over every stratum it was considered in. */
  probability: number;
  samplingWeight: number;
}

/**
 * One independent draw per (pair, stratum), deterministic from the seed. A pair considered
 * again in a new stratum (an escalation arrives after it was passed over as "base") gets a new
 * draw; its inclusion probability is then 1 - prod(1 - p_s) over the strata seen.
 */
export function samplePair(key: string, strataSeen: readonly Stratum[], policy: ReviewSamplingPolicy): SamplingDecision {
  const unique = [...new Set(strataSeen)];
  let miss = 1;
  let included = false;
  for (const s of unique) {
    const p = Math.min(1, Math.max(0, policy.inclusion[s]));
    miss *= 1 - p;
    if (unitHash(policy.seed, `${key}\u001f${s}`) < p) included = true;
  }
  // One stratum: its probability exactly (1 - (1 - p) loses the last bits).
  const probability = unique.length === 1 ? Math.min(1, Math.max(0, policy.inclusion[unique[0] as Stratum])) : 1 - miss;
  return { included, probability, samplingWeight: probability > 0 ? 1 / probability : 0 };
}

/** Randomized, reproducible order: whether the earlier-sorted answer is shown as B. */
export function swapOrder(key: string, seed: string): boolean {
  return unitHash(seed, `${key}\u001forder`) < 0.5;
}

/** How many experts must judge the task (the audit overlap). */
export function judgmentsRequired(key: string, policy: ReviewSamplingPolicy): number {
  return unitHash(policy.seed, `${key}\u001foverlap`) < policy.overlapShare ? Math.max(2, policy.overlapRaters) : 1;
}

/** Whether the n-th task served to a rater should be a gold item. */
export function serveGold(raterId: string, served: number, policy: ReviewSamplingPolicy): boolean {
  return unitHash(policy.seed, `${raterId}\u001fgold\u001f${served}`) < policy.goldShare;
}
