import { TOPIC_IDS } from "../domain/catalog.js";
import type { IntentId } from "../domain/intents.js";
import type { PolicyNumbers, Slots } from "../domain/slots.js";
import { ACTION_PHRASES, FACT_PHRASES, type ActionId } from "./phrases.js";

/** The sentences of the action the policy calls for, and of the other action. */
export interface ActionBanks {
  followed: readonly string[];
  broken: readonly string[];
}

/**
 * The company policy, per intent: refunds only inside the window; reset links only through the
 * verified email; a parcel is replaced once it is lostParcelAfterDays late, tracked before;
 * disputed charges are investigated, never reversed on the spot; cancellations run to the end
 * of the paid period; knowledge answers state the help-center fact; moved features are shown.
 * Ambiguous requests have no action: acting on them is a guess.
 */
export function actionBanks(intent: IntentId, slots: Slots, policy: PolicyNumbers): ActionBanks | undefined {
  const pair = (followed: ActionId, broken: ActionId): ActionBanks => ({
    followed: ACTION_PHRASES[followed],
    broken: ACTION_PHRASES[broken],
  });
  switch (intent) {
    case "refund_in_window":
      return pair("refund_approve", "refund_decline");
    case "refund_out_of_window":
      return pair("refund_decline", "refund_approve");
    case "password_reset":
      return pair("reset_secure", "reset_insecure");
    case "shipping_delay":
      return (slots.lateDays ?? 0) >= policy.lostParcelAfterDays
        ? pair("ship_reship", "ship_track")
        : pair("ship_track", "ship_reship");
    case "billing_dispute":
      return pair("bill_investigate", "bill_reverse");
    case "cancellation":
      return pair("cancel_end_of_period", "cancel_immediate_refund");
    case "feature_change":
      return pair("feature_moved", "feature_removed");
    case "product_question": {
      const topics = slots.topic ? [slots.topic] : TOPIC_IDS;
      return {
        followed: topics.flatMap((t) => FACT_PHRASES[t].correct),
        broken: topics.flatMap((t) => FACT_PHRASES[t].wrong),
      };
    }
    case "ambiguous":
      return undefined;
  }
}

/** Every action sentence of every intent: on an ambiguous request, any of them is a guess. */
export const ALL_ACTION_SENTENCES: readonly string[] = [
  ...Object.values(ACTION_PHRASES).flat(),
  ...TOPIC_IDS.flatMap((t) => [...FACT_PHRASES[t].correct, ...FACT_PHRASES[t].wrong]),
];
