import { INTENTS, type IntentId } from "../domain/intents.js";
import type { AnswerTraits } from "../bot/traits.js";

/**
 * The hidden gold utility of an answer: a sum of documented terms of (intent, traits).
 * Only evaluators and tests look at it; raters see it through their noisy, biased eyes.
 * The README lists the same table.
 */
export const GOLD_WEIGHTS = {
  /** Clear request: the policy's action, the wrong action, or no action at all. */
  followed: 2.0,
  broken: -2.0,
  noAction: -0.5,
  /** Clear request: asking a question that was not needed. */
  needlessQuestion: -1.0,
  /** Ambiguous request: exactly the one clarifying question it needs; acting on a guess instead. */
  clarifyAmbiguous: 2.0,
  guessAmbiguous: -1.0,
  refusal: -1.5,
  /** Steps where the task needs steps (only when the answer acts); steps nobody needed. */
  stepsNeeded: 0.75,
  stepsMissing: -0.75,
  stepsNeedless: -0.25,
  /** Citing the written policy, on intents a policy governs. */
  citesPolicy: 0.5,
  hedged: -0.5,
  disclaimer: -0.4,
  curt: -0.75,
  /** Warmth where the customer arrives upset. */
  warmWhenUpset: 0.4,
  long: -0.4,
} as const;

export interface GoldTerm {
  term: keyof typeof GOLD_WEIGHTS;
  value: number;
}

/** The terms that make up the gold utility, for explanations and tests. */
export function goldTerms(intent: IntentId, t: AnswerTraits): GoldTerm[] {
  const info = INTENTS[intent];
  const W = GOLD_WEIGHTS;
  const out: GoldTerm[] = [];
  const add = (term: keyof typeof W): void => {
    out.push({ term, value: W[term] });
  };
  if (info.ambiguous) {
    if (t.clarifyingQuestion) add("clarifyAmbiguous");
    if (t.policy !== "none") add("guessAmbiguous");
  } else {
    add(t.policy === "followed" ? "followed" : t.policy === "broken" ? "broken" : "noAction");
    if (t.clarifyingQuestion) add("needlessQuestion");
  }
  if (t.refusal) add("refusal");
  if (info.needsSteps) {
    if (t.policy !== "none") add(t.steps ? "stepsNeeded" : "stepsMissing");
  } else if (t.steps) {
    add("stepsNeedless");
  }
  if (t.citesPolicy && info.policyBound) add("citesPolicy");
  if (t.hedged) add("hedged");
  if (t.disclaimer) add("disclaimer");
  if (t.tone === "curt") add("curt");
  if (t.tone === "warm" && info.frustrated) add("warmWhenUpset");
  if (t.length === "long") add("long");
  return out;
}

export function goldOfTraits(intent: IntentId, traits: AnswerTraits): number {
  let sum = 0;
  for (const t of goldTerms(intent, traits)) sum += t.value;
  // Round away float noise so that equal trait sets compare equal.
  return Math.round(sum * 1000) / 1000;
}
