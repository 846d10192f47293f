/**
 * The reason codes the product's thumbs-down form offers. Preference-shaped codes are about how an
 * answer is written (what RLHF can change); capability-shaped codes are about what the bot knows
 * or can do (missing facts, broken tools), which preference training does not add.
 */
export const PREFERENCE_REASON_CODES = [
  "too_long",
  "tone",
  "format",
  "policy_not_followed",
  "refusal",
  "unnecessary_disclaimer",
  "hedging",
] as const;

export const CAPABILITY_REASON_CODES = ["missing_knowledge", "wrong_information", "tool_failure"] as const;

export const REASON_CODES = [...PREFERENCE_REASON_CODES, ...CAPABILITY_REASON_CODES] as const;

export type ReasonCode = (typeof REASON_CODES)[number];

/** Codes a user names for a fault they saw in the answer (tool failures are drawn separately). */
export const FAULT_REASON_CODES = REASON_CODES.filter((c): c is Exclude<ReasonCode, "tool_failure"> => c !== "tool_failure");

export type FaultReasonCode = (typeof FAULT_REASON_CODES)[number];

export function isPreferenceCode(code: string): boolean {
  return (PREFERENCE_REASON_CODES as readonly string[]).includes(code);
}
