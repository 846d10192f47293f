// The one answer-shape detector: length, refusal, hedge, disclaimer and clarifying-question markers
// of an answer's text. The RL guardrail, the reward-model diagnostics and the canary's shape drift
// all read answers through it, so "a refusal" means the same thing in each of them.

export interface AnswerShape {
  /** Whitespace-separated tokens. */
  readonly words: number;
  readonly refusal: boolean;
  readonly hedged: boolean;
  readonly disclaimer: boolean;
  /** The answer asks something back (at least one sentence ends in '?'). */
  readonly clarifying: boolean;
  /** Sentences ending in '?'. */
  readonly questions: number;
}

/** How many times each marker occurs (non-overlapping phrase matches). */
export interface ShapeCounts {
  readonly refusals: number;
  readonly hedges: number;
  readonly disclaimers: number;
}

// Each trait is one alternation matched on lower-cased text with straight apostrophes, so one phrase
// counts once however many alternatives cover it. Phrases: generic support-bot wording plus the
// wording of the simulated product's refusals, hedges and disclaimers.
const REFUSAL = new RegExp(
  [
    String.raw`\b(?:sorry|unfortunately),? (?:but )?i (?:can ?not|can't|cannot|won't|will not)\b`,
    String.raw`\bi (?:can ?not|can't|cannot|won't|will not|am unable to|'m unable to) (?:help|assist|do|provide|process|share|handle)\b`,
    String.raw`\bi(?: am|'m) (?:not able|unable) to\b`,
    String.raw`\bnot (?:able|allowed|permitted) to (?:help|assist|discuss)\b`,
    String.raw`\bnot something i can (?:help with|assist with|handle|do)\b`,
    String.raw`\bi (?:have to|must) decline\b`,
  ].join("|"),
  "g",
);

const HEDGE = new RegExp(
  [
    String.raw`\bnot (?:entirely |completely |fully |100% )?sure\b`,
    String.raw`\bmay not be (?:fully |entirely |completely )?accurate\b`,
    String.raw`\b(?:could|might) be wrong\b`,
    String.raw`\bi may be wrong\b`,
    String.raw`\bif i understand (?:[\w'-]+ ){0,3}correctly\b`,
    String.raw`\bas far as i know\b`,
    String.raw`\bi think\b`,
    String.raw`\bi believe\b`,
    String.raw`\bit depends\b`,
  ].join("|"),
  "g",
);

const ADVICE = "(?:legal|financial|medical|professional|tax)";
const DISCLAIMER = new RegExp(
  [
    String.raw`\bplease note\b`,
    String.raw`\bnot ${ADVICE}(?:(?:,| or| and) ${ADVICE})* advice\b`,
    String.raw`\bfor (?:informational|general information) purposes\b`,
    String.raw`\bgeneral information only\b`,
    String.raw`\bgenerated automatically\b`,
    String.raw`\bmay contain (?:mistakes|errors|inaccuracies)\b`,
    String.raw`\bdisclaimer\b`,
    String.raw`\bi(?: am|'m) (?:just |only )?an? (?:ai|assistant|bot|language model)\b`,
    String.raw`\bconsult (?:a|an|your) (?:professional|lawyer|doctor|advisor|specialist)\b`,
    String.raw`\bterms and conditions (?:may )?apply\b`,
    String.raw`\bsubject to (?:change|our policy|policy)\b`,
  ].join("|"),
  "g",
);

/** A '?' run that ends a sentence: followed by closing quotes/brackets, then whitespace or the end. */
const QUESTION_END = /\?+["'\u201d\u2019)\]]*(?=\s|$)/g;

function normalized(answer: string): string {
  return answer.toLowerCase().replace(/[\u2018\u2019\u02bc]/g, "'");
}

function count(text: string, re: RegExp): number {
  return text.match(re)?.length ?? 0;
}

/** How often each marker occurs: for measures that weigh an answer by how much it hedges. */
export function shapeCounts(answer: string): ShapeCounts {
  const a = normalized(answer);
  return { refusals: count(a, REFUSAL), hedges: count(a, HEDGE), disclaimers: count(a, DISCLAIMER) };
}

export function answerShape(answer: string): AnswerShape {
  const c = shapeCounts(answer);
  const questions = count(answer, QUESTION_END);
  return {
    words: count(answer, /\S+/g),
    refusal: c.refusals > 0,
    hedged: c.hedges > 0,
    disclaimer: c.disclaimers > 0,
    clarifying: questions > 0,
    questions,
  };
}
