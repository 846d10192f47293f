// Everything measured on one answer: hard checks, shape, reward, and the simulator's truth if any.
import { compileChecks } from "./checks.js";
import type { CanaryJudge } from "./judge.js";
import type { CanaryTask, SampleEval, Side } from "./types.js";

export interface AnswerRow {
  readonly taskIndex: number;
  readonly side: Side;
  readonly sample: number;
  readonly answer: string;
}

/** `rewards[k]` scores `rows[k]`; absent when no reward model scored them. */
export function evaluateAnswers(tasks: readonly CanaryTask[], rows: readonly AnswerRow[], rewards: readonly number[] | undefined, judge: CanaryJudge): SampleEval[] {
  const compiled = tasks.map((t) => compileChecks(t.checks));
  return rows.map((r, k) => {
    const check = compiled[r.taskIndex]!(r.answer);
    const truth = judge.oracle?.(tasks[r.taskIndex]!.prompt, r.answer);
    return {
      ...r,
      shape: judge.shape(r.answer),
      checksPassed: check.passed,
      checkFailures: check.failures,
      ...(rewards ? { reward: rewards[k]! } : {}),
      ...(truth ? { gold: truth.gold, outcomes: truth.outcomes, rubric: truth.rubric } : {}),
    };
  });
}
