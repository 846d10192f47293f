// Turning protocol messages into training examples: a prompt's text, a dataset pair's source, and
// the pointwise label (good 1 / bad 0) an unpaired piece of feedback gives its answer.
import { FeedbackSource, OutcomeKind, PairSource, Role, ThumbDirection, type ChatMessage, type DatasetPair, type Feedback } from "@rlhf-loop/proto";
import type { ExampleSource, TrainPair } from "./examples.js";

/** The prompt as text: the non-system messages' contents joined by newlines (what Score takes). */
export function promptText(messages: readonly ChatMessage[]): string {
  return messages
    .filter((m) => m.role !== Role.SYSTEM)
    .map((m) => m.content)
    .join("\n");
}

export function pairSourceOf(s: PairSource): ExampleSource {
  switch (s) {
    case PairSource.EXPERT_REVIEW:
      return "expert";
    case PairSource.THUMBS:
      return "thumbs";
    case PairSource.OUTCOME:
      return "outcomes";
    case PairSource.RATING:
      return "rating";
    case PairSource.IMPORT:
      return "import";
    default:
      return "comparison";
  }
}

export function trainPairOf(d: DatasetPair): TrainPair | undefined {
  const p = d.pair;
  if (!p || !p.chosen.trim() || !p.rejected.trim() || !(d.finalWeight > 0)) return undefined;
  const segment = p.contributions[0]?.segment;
  return {
    id: p.pairId,
    prompt: promptText(p.prompt),
    chosen: p.chosen,
    rejected: p.rejected,
    weight: d.finalWeight,
    source: pairSourceOf(p.source),
    ...(segment ? { segment } : {}),
  };
}

export interface AnswerLabel {
  readonly source: ExampleSource;
  readonly label: number;
  readonly weight: number;
}

/** Outcomes that say an answer failed the customer; a refund is not one (it may be the right answer). */
const BAD_OUTCOMES = new Set([OutcomeKind.ESCALATION, OutcomeKind.REOPEN, OutcomeKind.COMPLIANCE_FLAG]);

/**
 * The pointwise label of one piece of feedback on its own answer, or undefined when it gives none
 * (comparisons come as pairs from labeling; refunds and unknown kinds say nothing about quality).
 */
export function answerLabelOf(f: Feedback): AnswerLabel | undefined {
  const expert = f.source === FeedbackSource.EXPERT || f.source === FeedbackSource.QA;
  switch (f.kind.case) {
    case "thumb":
      if (f.kind.value.direction === ThumbDirection.UNSPECIFIED) return undefined;
      return { source: expert ? "expert" : "thumbs", label: f.kind.value.direction === ThumbDirection.UP ? 1 : 0, weight: 1 };
    case "rating": {
      const { score, scaleMin, scaleMax } = f.kind.value;
      if (!(scaleMax > scaleMin) || score < scaleMin || score > scaleMax) return undefined;
      return { source: expert ? "expert" : "rating", label: (score - scaleMin) / (scaleMax - scaleMin), weight: 1 };
    }
    case "outcome":
      return BAD_OUTCOMES.has(f.kind.value.kind) ? { source: "outcomes", label: 0, weight: 1 } : undefined;
    default:
      return undefined;
  }
}
