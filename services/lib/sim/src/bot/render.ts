import { INTENT_IDS, type IntentId } from "../domain/intents.js";
import { sampleSlots } from "../domain/prompts.js";
import { fill, type PolicyNumbers, type Slots } from "../domain/slots.js";
import type { Rng } from "../random/rng.js";
import { actionBanks } from "./actions.js";
import {
  CITE_PHRASES,
  CLARIFY_LEADS,
  CLARIFY_PHRASES,
  DISCLAIMER_PHRASES,
  ELABORATIONS,
  HEDGE_PHRASES,
  REFUSAL_PHRASES,
  STEP_PHRASES,
  TONE_CLOSERS,
  TONE_OPENERS,
} from "./phrases.js";
import { lengthOf, wordCount, type AnswerTraits, type Length, type Tone } from "./traits.js";

/** What the bot means to write; render() returns the traits the text really has. */
export interface StylePlan {
  mode: "act" | "clarify" | "refuse";
  /** For mode "act" on a clear request. On an ambiguous one, acting is always a guess ("broken"). */
  policy: "followed" | "broken";
  citesPolicy: boolean;
  steps: boolean;
  hedged: boolean;
  disclaimer: boolean;
  tone: Tone;
  length: Length;
}

export interface RenderedAnswer {
  text: string;
  traits: AnswerTraits;
}

const WORD_RANGE: Record<Length, [number, number]> = { short: [12, 40], medium: [41, 90], long: [91, 150] };
const GUESSABLE = INTENT_IDS.filter((i) => i !== "ambiguous");

export function renderAnswer(intent: IntentId, slots: Slots, plan: StylePlan, rng: Rng, policy: PolicyNumbers): RenderedAnswer {
  const head: string[] = [rng.pick(TONE_OPENERS[plan.tone])];
  const stepLines: string[] = [];
  let traits: AnswerTraits;
  const base = { disclaimer: plan.disclaimer, tone: plan.tone, length: "short" as Length };

  if (plan.mode === "clarify") {
    head.push(rng.pick(CLARIFY_LEADS), rng.pick(CLARIFY_PHRASES));
    traits = { ...base, policy: "none", citesPolicy: false, clarifyingQuestion: true, refusal: false, steps: false, hedged: false };
  } else if (plan.mode === "refuse") {
    head.push(rng.pick(REFUSAL_PHRASES));
    traits = { ...base, policy: "none", citesPolicy: false, clarifyingQuestion: false, refusal: true, steps: false, hedged: false };
  } else {
    // On an ambiguous request the bot guesses what it is about and acts on the guess.
    const guess = intent === "ambiguous";
    const actIntent: Exclude<IntentId, "ambiguous"> = guess ? rng.pick(GUESSABLE) as Exclude<IntentId, "ambiguous"> : intent;
    const actSlots = guess ? sampleSlots(actIntent, rng, policy) : slots;
    const banks = actionBanks(actIntent, actSlots, policy);
    if (!banks) throw new Error(`no actions for intent ${actIntent}`);
    const chosen = guess ? (rng.chance(0.5) ? banks.followed : banks.broken) : plan.policy === "followed" ? banks.followed : banks.broken;
    if (plan.hedged) head.push(rng.pick(HEDGE_PHRASES));
    head.push(fill(rng.pick(chosen), actSlots, policy));
    if (plan.citesPolicy) head.push(fill(rng.pick(CITE_PHRASES[actIntent]), actSlots, policy));
    if (plan.steps) {
      const all = STEP_PHRASES[actIntent];
      const n = rng.between(Math.min(3, all.length), all.length);
      for (let i = 0; i < n; i++) stepLines.push(`${i + 1}. ${fill(all[i] as string, actSlots, policy)}`);
    }
    traits = {
      ...base,
      policy: guess ? "broken" : plan.policy,
      citesPolicy: plan.citesPolicy,
      clarifyingQuestion: false,
      refusal: false,
      steps: plan.steps,
      hedged: plan.hedged,
    };
  }

  const tail: string[] = [];
  if (plan.disclaimer) tail.push(rng.pick(DISCLAIMER_PHRASES));
  tail.push(rng.pick(TONE_CLOSERS[plan.tone]));

  // Pad with neutral detail sentences towards a word count drawn inside the planned length.
  const [lo, hi] = WORD_RANGE[plan.length];
  const desired = rng.between(lo, hi);
  const fixedWords = wordCount([...head, ...stepLines, ...tail].join(" "));
  const details: string[] = [];
  let words = fixedWords;
  for (const sentence of rng.shuffle(ELABORATIONS)) {
    const n = wordCount(sentence);
    if (words >= desired || words + n > hi) break;
    details.push(sentence);
    words += n;
  }

  const first = [...head, ...details].filter((s) => s !== "").join(" ");
  const last = tail.filter((s) => s !== "").join(" ");
  const text = [first, ...stepLines, last].filter((s) => s !== "").join("\n");
  traits.length = lengthOf(text);
  return { text, traits };
}
