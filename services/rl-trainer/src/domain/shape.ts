// Answer shape: length and the refusal / hedge / disclaimer rates the guardrail watches.
import { answerShape } from "@rlhf-loop/ml";

export interface ShapeTraits {
  readonly refusal: boolean;
  readonly hedged: boolean;
  readonly disclaimer: boolean;
}

/** Reads an answer's shape traits, and (on the simulated product) its gold utility. */
export interface AnswerJudge {
  traits(prompt: string, answer: string): ShapeTraits;
  /** Ground-truth utility, where one exists (the simulated product); absent in production. */
  gold?(prompt: string, answer: string): number;
}

export interface ShapeStats {
  /** Mean words per answer. */
  readonly length: number;
  readonly refusalRate: number;
  readonly hedgeRate: number;
  readonly disclaimerRate: number;
}

export function wordLength(answer: string): number {
  const m = answer.match(/\S+/g);
  return m ? m.length : 0;
}

export function shapeStats(rows: readonly { prompt: string; answer: string }[], judge: AnswerJudge): ShapeStats {
  let len = 0, ref = 0, hed = 0, dis = 0;
  for (const r of rows) {
    const t = judge.traits(r.prompt, r.answer);
    len += wordLength(r.answer);
    if (t.refusal) ref++;
    if (t.hedged) hed++;
    if (t.disclaimer) dis++;
  }
  const n = Math.max(1, rows.length);
  return { length: len / n, refusalRate: ref / n, hedgeRate: hed / n, disclaimerRate: dis / n };
}

/** Keyword judge for products without a simulator: ml's answer-shape detector (phrases that mark a
 * refusal, a hedge, a disclaimer), the same one the reward diagnostics and the canary read. */
export const keywordJudge: AnswerJudge = {
  traits(_prompt, answer) {
    const s = answerShape(answer);
    return { refusal: s.refusal, hedged: s.hedged, disclaimer: s.disclaimer };
  },
};
