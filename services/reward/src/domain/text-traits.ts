// Surface traits of an answer that a reward model can learn as a proxy for quality: length, hedging,
// disclaimers, refusals. Counted with word lists, so the checks are transparent and cheap.
import { tokenize } from "@rlhf-loop/ml";

const HEDGES = new Set(["maybe", "perhaps", "possibly", "might", "could", "likely", "unlikely", "probably", "seems", "appears", "somewhat", "generally", "typically", "usually", "unsure", "uncertain"]);
const HEDGE_PHRASES = [/\bi think\b/g, /\bi believe\b/g, /\bit depends\b/g, /\bnot (?:entirely |completely )?sure\b/g, /\bas far as i know\b/g];
const DISCLAIMERS = [
  /\bplease note\b/g,
  /\bnot (?:legal|financial|medical|professional) advice\b/g,
  /\bfor (?:informational|general information) purposes\b/g,
  /\bdisclaimer\b/g,
  /\bi am (?:just |only )?an? (?:ai|assistant|bot)\b/g,
  /\bi'm (?:just |only )?an? (?:ai|assistant|bot)\b/g,
  /\bconsult (?:a|an|your) (?:professional|lawyer|doctor|advisor|specialist)\b/g,
  /\bterms and conditions (?:may )?apply\b/g,
  /\bsubject to (?:change|our policy|policy)\b/g,
];
const REFUSALS = [
  /\bi (?:can ?not|can't|cannot|am unable to|'m unable to|won't|will not) (?:help|assist|do|provide|process|share)\b/g,
  /\bi'm (?:not able|unable) to\b/g,
  /\bi am not able to\b/g,
  /\b(?:sorry|unfortunately),? (?:but )?i (?:can ?not|can't|cannot)\b/g,
  /\bnot (?:able|allowed|permitted) to (?:help|assist|discuss)\b/g,
];

function countAll(text: string, res: readonly RegExp[]): number {
  let n = 0;
  for (const re of res) n += (text.match(re) ?? []).length;
  return n;
}

export interface AnswerTraits {
  readonly words: number;
  readonly hedges: number;
  readonly disclaimers: number;
  readonly refusals: number;
}

export function answerTraits(answer: string): AnswerTraits {
  const words = tokenize(answer).filter((w) => /[\p{L}\p{N}]/u.test(w));
  const lower = answer.toLowerCase();
  return {
    words: words.length,
    hedges: words.filter((w) => HEDGES.has(w)).length + countAll(lower, HEDGE_PHRASES),
    disclaimers: countAll(lower, DISCLAIMERS),
    refusals: countAll(lower, REFUSALS),
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
