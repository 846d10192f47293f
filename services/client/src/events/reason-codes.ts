/**
 * The reason codes the system understands: the widget's default picker first, then finer codes a
 * product's own feedback form may send (they split preference-shaped complaints, which RLHF can
 * fix, from missing knowledge and tool failures, which it cannot). The SDK only accepts these.
 */
export const REASON_CODES = [
  "too_long",
  "incorrect",
  "unhelpful",
  "unsafe",
  "rude_tone",
  "policy_violation",
  "did_not_answer",
  "other",
  "tone",
  "format",
  "policy_not_followed",
  "refusal",
  "unnecessary_disclaimer",
  "hedging",
  "missing_knowledge",
  "wrong_information",
  "tool_failure",
] as const;

/** What the thumbs widget offers when the page lists no reasons. */
export const WIDGET_DEFAULT_REASONS = REASON_CODES.slice(0, 8);

export type ReasonCode = (typeof REASON_CODES)[number];

/** Default English labels for the reason picker; pass your own to localize. */
export const REASON_LABELS: Readonly<Record<ReasonCode, string>> = {
  too_long: "Too long",
  incorrect: "Incorrect",
  unhelpful: "Not helpful",
  unsafe: "Unsafe",
  rude_tone: "Rude tone",
  policy_violation: "Breaks policy",
  did_not_answer: "Did not answer",
  other: "Other",
  tone: "Tone",
  format: "Format",
  policy_not_followed: "Did not follow policy",
  refusal: "Refused to help",
  unnecessary_disclaimer: "Needless disclaimer",
  hedging: "Too unsure",
  missing_knowledge: "Did not know",
  wrong_information: "Wrong information",
  tool_failure: "Something failed",
};

const known: ReadonlySet<string> = new Set(REASON_CODES);

export function isReasonCode(value: string): value is ReasonCode {
  return known.has(value);
}
