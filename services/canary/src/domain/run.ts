// One canary run: both sides answer every task, everything is measured, the gate decides.
import { evaluateAnswers } from "./evaluate.js";
import { decide, type GateConfig, type TrainerVerdict } from "./gate.js";
import type { CanaryJudge } from "./judge.js";
import { computeMetrics } from "./metrics.js";
import type { CanaryReportDoc, CanarySet, SampleEval, Side } from "./types.js";

/** The I/O a run needs: the policy's GenerateBatch and the reward model's ScoreBatch in production. */
export interface CanaryPorts {
  /** samples answers for each prompt, prompt-major: result[i] holds prompt i's samples. */
  generate(policyVersion: string, prompts: readonly string[], samples: number, seed: number): Promise<string[][]>;
  score(rewardModelId: string, rows: readonly { prompt: string; answer: string }[]): Promise<number[]>;
  readonly judge: CanaryJudge;
  progress?(stage: string, done: number, total: number): void;
}

export interface CanaryRunInput {
  readonly reportId: string;
  readonly tenantId: string;
  readonly set: CanarySet;
  readonly candidateVersion: string;
  /** "" = the answers logged with the tasks (production before any promotion). */
  readonly productionVersion: string;
  readonly rewardModelId: string;
  readonly runId: string;
  readonly samplesPerTask: number;
  readonly seed: number;
  readonly gate: GateConfig;
  readonly now: Date;
  readonly bootstrapResamples?: number;
  /** How the run that produced the candidate ended, when its trainer said. */
  readonly trainer?: TrainerVerdict;
}

export interface CanaryRunResult {
  readonly doc: CanaryReportDoc;
  readonly evals: readonly SampleEval[];
}

const EXAMPLES = 6;

export async function runCanary(input: CanaryRunInput, ports: CanaryPorts): Promise<CanaryRunResult> {
  const tasks = input.set.tasks;
  if (tasks.length === 0) throw new Error(`canary set ${input.set.setId} has no tasks`);
  const prompts = tasks.map((t) => t.prompt);
  const progress = ports.progress ?? (() => undefined);

  progress("candidate answers", 0, tasks.length);
  const candidate = await ports.generate(input.candidateVersion, prompts, input.samplesPerTask, input.seed);
  progress("candidate answers", tasks.length, tasks.length);
  let production: string[][];
  if (input.productionVersion) {
    progress("production answers", 0, tasks.length);
    production = await ports.generate(input.productionVersion, prompts, input.samplesPerTask, input.seed);
    progress("production answers", tasks.length, tasks.length);
  } else {
    production = tasks.map((t) => (t.loggedAnswer !== undefined ? [t.loggedAnswer] : []));
  }
  if (candidate.length !== tasks.length || production.length !== tasks.length) throw new Error("generate returned a different number of prompts than asked");

  const rows: { taskIndex: number; side: Side; sample: number; answer: string }[] = [];
  tasks.forEach((_, t) => {
    candidate[t]!.forEach((answer, s) => rows.push({ taskIndex: t, side: "candidate", sample: s, answer }));
    production[t]!.forEach((answer, s) => rows.push({ taskIndex: t, side: "production", sample: s, answer }));
  });

  progress("reward scores", 0, rows.length);
  const rewards = await ports.score(input.rewardModelId, rows.map((r) => ({ prompt: prompts[r.taskIndex]!, answer: r.answer })));
  if (rewards.length !== rows.length) throw new Error(`score returned ${rewards.length} scores for ${rows.length} answers`);
  progress("reward scores", rows.length, rows.length);

  // Held-out expert comparisons: does the scoring reward model agree with the experts?
  const comparisons = tasks.flatMap((t, i) => t.expertComparisons.map((c) => ({ task: i, prompt: t.prompt, c })));
  let expertAgreement: (number | undefined)[] | undefined;
  if (comparisons.length) {
    const scores = await ports.score(input.rewardModelId, comparisons.flatMap((x) => [{ prompt: x.prompt, answer: x.c.preferred }, { prompt: x.prompt, answer: x.c.other }]));
    const agree: number[][] = tasks.map(() => []);
    comparisons.forEach((x, k) => {
      const a = scores[2 * k]!, b = scores[2 * k + 1]!;
      agree[x.task]!.push(a > b ? 1 : a === b ? 0.5 : 0);
    });
    expertAgreement = agree.map((xs) => (xs.length ? xs.reduce((s, v) => s + v, 0) / xs.length : undefined));
  }

  const evals = evaluateAnswers(tasks, rows, rewards, ports.judge);

  const counts = new Map<string, number>();
  for (const t of tasks) counts.set(t.intent, (counts.get(t.intent) ?? 0) + 1);
  const intents = [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)! || (a < b ? -1 : 1));
  progress("statistics", 0, 1);
  const metrics = computeMetrics({ tasks, evals, intents, ...(expertAgreement ? { expertAgreement } : {}), bootstrap: { resamples: input.bootstrapResamples ?? 2000, seed: input.seed } });
  const gate = decide(metrics, input.gate, input.trainer);
  progress("statistics", 1, 1);

  const examples = intents.slice(0, EXAMPLES).flatMap((intent) => {
    const t = tasks.findIndex((x) => x.intent === intent);
    const c = candidate[t]?.[0], p = production[t]?.[0];
    return c !== undefined && p !== undefined ? [{ intent, prompt: prompts[t]!, candidate: c, production: p }] : [];
  });
  const doc: CanaryReportDoc = {
    reportId: input.reportId,
    tenantId: input.tenantId,
    candidateVersion: input.candidateVersion,
    productionVersion: input.productionVersion,
    canarySetId: input.set.setId,
    canarySetVersion: input.set.version,
    rewardModelId: input.rewardModelId,
    runId: input.runId,
    decision: gate.decision,
    reasons: gate.reasons,
    metrics,
    tasks: tasks.length,
    samplesPerTask: input.samplesPerTask,
    createdAt: input.now.toISOString(),
    lengths: {
      candidate: evals.filter((e) => e.side === "candidate").map((e) => e.shape.words),
      production: evals.filter((e) => e.side === "production").map((e) => e.shape.words),
    },
    intents,
    examples,
  };
  return { doc, evals };
}
