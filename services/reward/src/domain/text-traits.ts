// Surface traits of an answer that a reward model can learn as a proxy for quality: length, hedging,
// disclaimers, refusals. Counted with word lists and ml's answer-shape phrases (the detector the RL
// guardrail and the canary use), so the checks are transparent, cheap and agree across services.
import { shapeCounts, tokenize } from "@rlhf-loop/ml";

/** Single hedge words; phrases ("not sure", "i think", ...) come from ml's shapeCounts. */
const HEDGES = new Set(["maybe", "perhaps", "possibly", "might", "could", "likely", "unlikely", "probably", "seems", "appears", "somewhat", "generally", "typically", "usually", "unsure", "uncertain"]);

export interface AnswerTraits {
  readonly words: number;
  readonly hedges: number;
  readonly disclaimers: number;
  readonly refusals: number;
}

export function answerTraits(answer: string): AnswerTraits {
  const words = tokenize(answer).filter((w) => /[\p{L}\p{N}]/u.test(w));
  const c = shapeCounts(answer);
  return {
    words: words.length,
    hedges: words.filter((w) => HEDGES.has(w)).length + c.hedges,
    disclaimers: c.disclaimers,
    refusals: c.refusals,
  };
}

/** Filler that adds length and no content, for the padded twin of an answer. */
export const PADDING = "To summarize, this is the information about your request as described above, provided here for your convenience and reference.";

/**
 * Two versions of an answer that differ only in length: its first half (truncation) and the full
 * answer, and the full answer with neutral filler appended (padding). Null when too short to cut.
 */
export function lengthTwins(answer: string): { truncated: { short: string; long: string } | null; padded: { short: string; long: string } } {
  const words = answer.trim().split(/\s+/).filter(Boolean);
  const truncated = words.length >= 6 ? { short: words.slice(0, Math.ceil(words.length / 2)).join(" "), long: answer } : null;
  return { truncated, padded: { short: answer, long: `${answer.trim()} ${PADDING}` } };
}
