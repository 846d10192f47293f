import { ALL_ACTION_SENTENCES, actionBanks } from "../bot/actions.js";
import {
  CITE_PHRASES,
  CLARIFY_PHRASES,
  DISCLAIMER_PHRASES,
  HEDGE_PHRASES,
  REFUSAL_PHRASES,
  TONE_CLOSERS,
  TONE_OPENERS,
} from "../bot/phrases.js";
import { lengthOf, type AnswerTraits } from "../bot/traits.js";
import type { IntentId } from "../domain/intents.js";
import { compileTemplate, type PolicyNumbers, type Slots } from "../domain/slots.js";

/**
 * Reads an answer's traits back from its text with the bot's own phrase banks: a trait is
 * present when one of its bank sentences appears (placeholders match any value). Works on
 * text from any policy; a learned policy gets credit only for what it actually wrote.
 */
const cache = new Map<string, RegExp>();
function sentenceRegex(sentence: string): RegExp {
  let re = cache.get(sentence);
  if (!re) {
    re = compileTemplate(sentence).regex;
    cache.set(sentence, re);
  }
  return re;
}

function anyOf(text: string, sentences: readonly string[]): boolean {
  for (const s of sentences) {
    if (s !== "" && sentenceRegex(s).test(text)) return true;
  }
  return false;
}

const ALL_CITES = [...new Set(Object.values(CITE_PHRASES).flat())];
const WARM = [...TONE_OPENERS.warm, ...TONE_CLOSERS.warm];
const CURT = [...TONE_OPENERS.curt, ...TONE_CLOSERS.curt];
/** Two consecutive numbered lines: "1. ..." then "2. ...". */
const STEPS_RE = /(^|\n)\s*1[.)] [^\n]+\n\s*2[.)] /;

export function inferTraits(intent: IntentId, slots: Slots, answer: string, policy: PolicyNumbers): AnswerTraits {
  let acted: AnswerTraits["policy"] = "none";
  const banks = actionBanks(intent, slots, policy);
  if (!banks) {
    if (anyOf(answer, ALL_ACTION_SENTENCES)) acted = "broken";
  } else if (anyOf(answer, banks.broken)) {
    // A wrong action anywhere in the answer counts, even next to the right one.
    acted = "broken";
  } else if (anyOf(answer, banks.followed)) {
    acted = "followed";
  }
  return {
    policy: acted,
    citesPolicy: anyOf(answer, ALL_CITES),
    clarifyingQuestion: anyOf(answer, CLARIFY_PHRASES),
    refusal: anyOf(answer, REFUSAL_PHRASES),
    steps: STEPS_RE.test(answer),
    hedged: anyOf(answer, HEDGE_PHRASES),
    disclaimer: anyOf(answer, DISCLAIMER_PHRASES),
    tone: anyOf(answer, CURT) ? "curt" : anyOf(answer, WARM) ? "warm" : "neutral",
    length: lengthOf(answer),
  };
}
