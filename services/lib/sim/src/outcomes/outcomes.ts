import type { WorldConfig } from "../config/schema.js";
import type { AnswerTraits } from "../bot/traits.js";
import { INTENTS, type IntentId } from "../domain/intents.js";
import type { Slots } from "../domain/slots.js";
import { sigmoid, type Rng } from "../random/rng.js";

export type OutcomeKindName = "escalation" | "refund" | "reopen" | "compliance_flag";

export interface SimOutcome {
  kind: OutcomeKindName;
  /** Milliseconds after the answer. */
  delayMs: number;
  amountMinor: number;
  detail: string;
}

const HOUR = 3_600_000;
/** Every delayed consequence lands within this long after the answer (bounds the spill into later days). */
export const MAX_OUTCOME_DELAY_MS = 72 * HOUR;

function delayMs(d: { medianHours: number; sigma: number }, rng: Rng): number {
  return Math.min(MAX_OUTCOME_DELAY_MS, Math.max(60_000, Math.round(rng.logNormal(d.medianHours, d.sigma) * HOUR)));
}

/** Did the answer give money back (a refund, a reversed charge, a repaid subscription)? */
export function grantsMoney(intent: IntentId, traits: AnswerTraits): boolean {
  switch (intent) {
    case "refund_in_window":
      return traits.policy === "followed";
    case "refund_out_of_window":
    case "billing_dispute":
    case "cancellation":
      return traits.policy === "broken";
    default:
      return false;
  }
}

/** Refund amount in cents: the price, the disputed charge, or half a month of the plan. */
function amountFor(intent: IntentId, slots: Slots): number {
  if (intent === "cancellation") return 1250;
  return slots.amountMinor ?? 0;
}

export function escalationProbability(config: WorldConfig, intent: IntentId, gold: number): number {
  const c = config.outcomes.escalation;
  return sigmoid(c.intercept - c.goldSlope * gold + (c.intentBias[intent] ?? 0));
}

export function reopenProbability(config: WorldConfig, intent: IntentId, gold: number): number {
  const c = config.outcomes.reopen;
  return sigmoid(c.intercept - c.goldSlope * gold + (c.intentBias[intent] ?? 0));
}

/**
 * The back-office consequences of the answer a customer ended up with: escalations and
 * reopened tickets grow as gold falls; refunds follow granted money (or an escalated
 * refund request); compliance flags follow broken policy on sensitive intents.
 */
export function drawOutcomes(
  config: WorldConfig,
  intent: IntentId,
  slots: Slots,
  traits: AnswerTraits,
  gold: number,
  rng: Rng,
): SimOutcome[] {
  const o = config.outcomes;
  const out: SimOutcome[] = [];
  let escalatedAt: number | undefined;
  if (rng.chance(escalationProbability(config, intent, gold))) {
    escalatedAt = delayMs(o.escalation.delay, rng);
    out.push({ kind: "escalation", delayMs: escalatedAt, amountMinor: 0, detail: "customer asked for a human agent" });
  }
  if (rng.chance(reopenProbability(config, intent, gold))) {
    out.push({ kind: "reopen", delayMs: delayMs(o.reopen.delay, rng), amountMinor: 0, detail: "customer reopened the ticket" });
  }
  const moneyIntent = intent === "refund_in_window" || intent === "refund_out_of_window" || intent === "billing_dispute";
  const granted = grantsMoney(intent, traits);
  const p = granted ? o.refund.whenGranted : escalatedAt !== undefined && moneyIntent ? o.refund.afterEscalation : 0;
  if (p > 0 && rng.chance(p)) {
    const after = granted ? 0 : (escalatedAt ?? 0);
    out.push({
      kind: "refund",
      delayMs: Math.min(MAX_OUTCOME_DELAY_MS, after + delayMs(o.refund.delay, rng)),
      amountMinor: amountFor(intent, slots),
      detail: granted ? "refund issued as promised in chat" : "refund issued after escalation",
    });
  }
  const sensitiveBreak = traits.policy === "broken" && INTENTS[intent].complianceSensitive;
  if (rng.chance(sensitiveBreak ? o.complianceFlag.whenBroken : o.complianceFlag.base)) {
    out.push({ kind: "compliance_flag", delayMs: delayMs(o.complianceFlag.delay, rng), amountMinor: 0, detail: "answer flagged in compliance review" });
  }
  return out;
}
