import type { AnswerTraits } from "../bot/traits.js";
import type { IntentId } from "../domain/intents.js";
import { readPrompt } from "../domain/prompts.js";
import type { PolicyNumbers, Slots } from "../domain/slots.js";
import { inferTraits } from "./infer.js";
import { goldOfTraits, goldTerms, type GoldTerm } from "./utility.js";

/** A prompt as plain text (the customer's message) or as chat messages (the last user message counts). */
export type PromptInput = string | readonly { role: string | number; content: string }[];

export const DEFAULT_POLICY: PolicyNumbers = { refundWindowDays: 30, lostParcelAfterDays: 7 };

export interface GoldExplanation {
  gold: number;
  intent: IntentId;
  slots: Slots;
  traits: AnswerTraits;
  terms: GoldTerm[];
  /** "template" when the prompt was read exactly, "keywords" for free text. */
  via: "template" | "keywords";
}

/** The customer's message: the last user message of a chat prompt. */
export function customerText(prompt: PromptInput): string {
  if (typeof prompt === "string") return prompt;
  for (let i = prompt.length - 1; i >= 0; i--) {
    const m = prompt[i];
    // Accept both proto enum numbers (ROLE_USER = 2) and plain role names.
    if (m && (m.role === "user" || m.role === 2 || m.role === "ROLE_USER")) return m.content;
  }
  return prompt.length > 0 ? (prompt[prompt.length - 1] as { content: string }).content : "";
}

/** Gold utility of any answer to any prompt, from text alone, with the reasons. */
export function explainGold(prompt: PromptInput, answer: string, policy: PolicyNumbers = DEFAULT_POLICY): GoldExplanation {
  const read = readPrompt(customerText(prompt), policy);
  const traits = inferTraits(read.intent, read.slots, answer, policy);
  return {
    gold: goldOfTraits(read.intent, traits),
    intent: read.intent,
    slots: read.slots,
    traits,
    terms: goldTerms(read.intent, traits),
    via: read.via,
  };
}

/** Gold utility of an answer to a prompt, from text alone (see README, "Gold utility"). */
export function gold(prompt: PromptInput, answer: string, policy: PolicyNumbers = DEFAULT_POLICY): number {
  return explainGold(prompt, answer, policy).gold;
}
