/** What customers ask the support bot about. "ambiguous" requests need one clarifying question. */
export const INTENT_IDS = [
  "refund_in_window",
  "refund_out_of_window",
  "password_reset",
  "shipping_delay",
  "billing_dispute",
  "cancellation",
  "product_question",
  "ambiguous",
  "feature_change",
] as const;

export type IntentId = (typeof INTENT_IDS)[number];

export interface IntentInfo {
  id: IntentId;
  /** The request cannot be resolved without asking what it is about. */
  ambiguous: boolean;
  /** Resolving it means walking the customer through steps. */
  needsSteps: boolean;
  /** A written company policy governs the answer (citing it helps). */
  policyBound: boolean;
  /** Customers arrive upset: a warm tone is worth more. */
  frustrated: boolean;
  /** Breaking the policy here can raise a compliance flag. */
  complianceSensitive: boolean;
}

export const INTENTS: Readonly<Record<IntentId, IntentInfo>> = {
  refund_in_window: info("refund_in_window", { policyBound: true }),
  refund_out_of_window: info("refund_out_of_window", { policyBound: true, frustrated: true }),
  password_reset: info("password_reset", { needsSteps: true, complianceSensitive: true }),
  shipping_delay: info("shipping_delay", { frustrated: true }),
  billing_dispute: info("billing_dispute", { policyBound: true, frustrated: true, complianceSensitive: true }),
  cancellation: info("cancellation", { needsSteps: true, policyBound: true, complianceSensitive: true }),
  product_question: info("product_question", {}),
  ambiguous: info("ambiguous", { ambiguous: true }),
  feature_change: info("feature_change", { needsSteps: true }),
};

function info(id: IntentId, flags: Partial<Omit<IntentInfo, "id">>): IntentInfo {
  return {
    id,
    ambiguous: flags.ambiguous ?? false,
    needsSteps: flags.needsSteps ?? false,
    policyBound: flags.policyBound ?? false,
    frustrated: flags.frustrated ?? false,
    complianceSensitive: flags.complianceSensitive ?? false,
  };
}

/** The refund intents share templates; the window decides which one a prompt is. */
export function isRefundIntent(id: IntentId): boolean {
  return id === "refund_in_window" || id === "refund_out_of_window";
}
