// What the canary reads off an answer: its shape always, and on the simulated product the hidden truth.
import { answerShape } from "@rlhf-loop/ml";
import type { AnswerShape } from "./types.js";

export interface OracleReading {
  readonly gold: number;
  readonly outcomes: { readonly escalation: number; readonly reopen: number; readonly refund: number };
  /** Expert-rubric criteria scores. */
  readonly rubric: Readonly<Record<string, number>>;
}

export interface CanaryJudge {
  shape(answer: string): AnswerShape;
  /** Ground truth where one exists (the simulated product); absent in production. */
  oracle?(prompt: string, answer: string): OracleReading;
}

export function shapeOf(answer: string): AnswerShape {
  const s = answerShape(answer);
  return { words: s.words, refusal: s.refusal, hedged: s.hedged, disclaimer: s.disclaimer, clarifying: s.clarifying };
}

/** The judge for products without a simulator: keyword shape only. */
export const keywordJudge: CanaryJudge = { shape: shapeOf };
