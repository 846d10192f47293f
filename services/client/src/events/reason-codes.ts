/**
 * The reason codes the labeling service understands, in the order the thumbs widget shows them.
 * Feedback may carry several; labeling treats unknown codes as noise, so the SDK only accepts these.
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
] as const;

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
};

const known: ReadonlySet<string> = new Set(REASON_CODES);

export function isReasonCode(value: string): value is ReasonCode {
  return known.has(value);
}
