/**
 * The plain shapes the labeling domain works on. Protobuf messages are converted to these at the
 * edges (see from-proto.ts), so the rules here run the same in the consumer, in tests and in the
 * benchmark.
 */

export type SourceName = "unspecified" | "end_user" | "expert" | "qa" | "support" | "system";
export type OutcomeName = "escalation" | "refund" | "reopen" | "compliance_flag";
export type PairSourceName = "comparison" | "thumbs" | "rating" | "outcome" | "expert_review" | "import";
export type Role = "system" | "user" | "assistant" | "tool";

export interface PromptMessage {
  role: Role;
  content: string;
}

/** An answer the product showed (an interaction), as labeling keeps it. */
export interface Answer {
  tenantId: string;
  interactionId: string;
  conversationId: string;
  turnIndex: number;
  /** hex sha256 of the normalized prompt. */
  promptHash: string;
  /** Answers with the same group key answer the same prompt (see groupKeyFor). */
  groupKey: string;
  /** hex sha256 of the answer text: two identical answers never make a pair. */
  answerHash: string;
  segment: string;
  modelVersion: string;
  regeneratedFrom: string;
  atMs: number;
}

export type FeedbackFact =
  | { kind: "thumb"; up: boolean }
  | { kind: "rating"; score: number; min: number; max: number }
  | { kind: "comparison"; otherId: string; choice: "this" | "other" | "tie" }
  | { kind: "outcome"; outcome: OutcomeName };

/** One feedback event, tied to the interaction it is about. */
export interface FeedbackEvent {
  feedbackId: string;
  tenantId: string;
  interactionId: string;
  source: SourceName;
  raterId: string;
  rubricVersion: string;
  atMs: number;
  fact: FeedbackFact;
}

/** Thumbs, ratings and outcomes become votes: for (+1) or against (-1) one answer. */
export interface Vote {
  feedbackId: string;
  tenantId: string;
  interactionId: string;
  groupKey: string;
  answerHash: string;
  direction: 1 | -1;
  /** Positive; per-kind and per-source weights applied. */
  weight: number;
  raterId: string;
  source: SourceName;
  segment: string;
  kind: "thumb" | "rating" | "outcome";
  atMs: number;
}

/** One rater's (or signal's) part of a pair's weight. */
export interface Contribution {
  raterId: string;
  source: SourceName;
  segment: string;
  weight: number;
  evidenceId: string;
  atMs: number;
}

/** A preference pair before texts are attached: `chosenId` is better than `rejectedId`. */
export interface PairDraft {
  pairId: string;
  tenantId: string;
  groupKey: string;
  promptHash: string;
  chosenId: string;
  rejectedId: string;
  source: PairSourceName;
  contributions: Contribution[];
  rubricVersion: string;
  /** 1 / inclusion probability of the review task behind it (1 when not sampled). */
  samplingWeight: number;
  stratum: string;
  /** When the evidence completed (the later of its events). */
  atMs: number;
  superseded: boolean;
}

/** Rater ids of back-office outcomes: they are signals, not people, so caps skip them. */
export function outcomeRaterId(outcome: OutcomeName): string {
  return `outcome:${outcome}`;
}

export function isPersonRater(raterId: string): boolean {
  return !raterId.startsWith("outcome:");
}

export function pairWeight(p: Pick<PairDraft, "contributions">): number {
  let w = 0;
  for (const c of p.contributions) w += c.weight;
  return w;
}
