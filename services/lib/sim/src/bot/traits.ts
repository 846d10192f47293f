/** The style of one answer; gold utility is a function of these and the intent. */
export interface AnswerTraits {
  /**
   * "followed": the answer takes the action the company policy (or the knowledge base) calls for;
   * "broken": it takes another action (or, on an ambiguous request, acts on a guess);
   * "none": it takes no action (asks a question, refuses, or says nothing concrete).
   */
  policy: "followed" | "broken" | "none";
  citesPolicy: boolean;
  clarifyingQuestion: boolean;
  refusal: boolean;
  /** Numbered steps ("1. ...", "2. ...") on their own lines. */
  steps: boolean;
  hedged: boolean;
  disclaimer: boolean;
  tone: "warm" | "neutral" | "curt";
  /** From the word count: short <= 40 words, medium <= 90, long above. */
  length: "short" | "medium" | "long";
}

export const TONES = ["warm", "neutral", "curt"] as const;
export const LENGTHS = ["short", "medium", "long"] as const;
export type Tone = AnswerTraits["tone"];
export type Length = AnswerTraits["length"];

export const SHORT_MAX_WORDS = 40;
export const MEDIUM_MAX_WORDS = 90;

export function wordCount(text: string): number {
  let n = 0;
  for (const w of text.split(/\s+/)) if (w !== "") n++;
  return n;
}

export function lengthOf(text: string): Length {
  const n = wordCount(text);
  return n <= SHORT_MAX_WORDS ? "short" : n <= MEDIUM_MAX_WORDS ? "medium" : "long";
}

/** 0, 1, 2 for short, medium, long: the scale length biases are applied on. */
export function lengthIndex(length: Length): number {
  return LENGTHS.indexOf(length);
}

export function sameTraits(a: AnswerTraits, b: AnswerTraits): boolean {
  return (
    a.policy === b.policy &&
    a.citesPolicy === b.citesPolicy &&
    a.clarifyingQuestion === b.clarifyingQuestion &&
    a.refusal === b.refusal &&
    a.steps === b.steps &&
    a.hedged === b.hedged &&
    a.disclaimer === b.disclaimer &&
    a.tone === b.tone &&
    a.length === b.length
  );
}
