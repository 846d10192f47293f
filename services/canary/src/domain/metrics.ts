// The report's figures: every measure for both sides, over all tasks and per intent, with task-level
// (cluster) bootstrap intervals, because the samples of one task are not independent.
import { ksTwoSample, normalCdf, pairedClusterBootstrap, twoProportionZ, type BootstrapOptions } from "@rlhf-loop/ml";
import type { CanaryTask, Interval, MetricRow, SampleEval, Side } from "./types.js";

type Measure = (e: SampleEval) => number | undefined;

const bool = (b: boolean): number => (b ? 1 : 0);

/** Binary measures: tested with the two-proportion z test. */
const RATES: Readonly<Record<string, Measure>> = {
  hard_check_pass: (e) => bool(e.checksPassed),
  refusal_rate: (e) => bool(e.shape.refusal),
  disclaimer_rate: (e) => bool(e.shape.disclaimer),
  hedge_rate: (e) => bool(e.shape.hedged),
  clarifying_rate: (e) => bool(e.shape.clarifying),
};

/** Continuous measures: tested with a normal approximation to the bootstrap distribution of the difference. */
const MEANS: Readonly<Record<string, Measure>> = {
  reward: (e) => e.reward,
  gold: (e) => e.gold,
  escalation_rate: (e) => e.outcomes?.escalation,
  reopen_rate: (e) => e.outcomes?.reopen,
  refund_rate: (e) => e.outcomes?.refund,
};

/** Shape measures the drift check reads, with the direction words its reasons use. */
export const SHAPE_METRICS = ["length_words", "refusal_rate", "disclaimer_rate", "hedge_rate", "clarifying_rate"] as const;

function byTask(evals: readonly SampleEval[], taskCount: number, side: Side, measure: Measure): number[][] {
  const out: number[][] = Array.from({ length: taskCount }, () => []);
  for (const e of evals) {
    if (e.side !== side) continue;
    const v = measure(e);
    if (v !== undefined && Number.isFinite(v)) out[e.taskIndex]!.push(v);
  }
  return out;
}

function pick<T>(xs: readonly T[], idx: readonly number[]): T[] {
  return idx.map((i) => xs[i]!);
}

const count = (groups: readonly (readonly number[])[]): number => groups.reduce((s, g) => s + g.length, 0);
const flat = (groups: readonly (readonly number[])[]): number[] => groups.flat();
const point = (x: number): Interval => ({ estimate: x, low: x, high: x });

/** Two-sided p-value from a bootstrap interval of a difference, by its normal approximation. */
export function bootstrapPValue(delta: Interval): number {
  const se = (delta.high - delta.low) / (2 * 1.959964);
  if (!(se > 0)) return delta.estimate === 0 ? 1 : 0;
  return 2 * (1 - normalCdf(Math.abs(delta.estimate) / se));
}

function row(name: string, intent: string, a: number[][], b: number[][], test: MetricRow["test"], opts: BootstrapOptions): MetricRow | undefined {
  const na = count(a), nb = count(b);
  if (na === 0 || nb === 0) return undefined;
  const boot = pairedClusterBootstrap(a, b, opts);
  let pValue = 1;
  if (test === "ks") pValue = ksTwoSample(flat(a), flat(b)).pValue;
  else if (test === "two_proportion_z") {
    const xa = flat(a).reduce((s, v) => s + v, 0), xb = flat(b).reduce((s, v) => s + v, 0);
    pValue = twoProportionZ(xa, na, xb, nb).pValue;
  } else if (test === "bootstrap") pValue = bootstrapPValue(boot.delta);
  return { name, intent, candidate: boot.a, production: boot.b, delta: boot.delta, pValue, test, nCandidate: na, nProduction: nb };
}

/**
 * Per task, the share of (candidate sample, production sample) pairs the reward model scores higher
 * for the candidate (ties count half).
 */
export function taskWinRates(evals: readonly SampleEval[], taskCount: number): (number | undefined)[] {
  const c = byTask(evals, taskCount, "candidate", (e) => e.reward);
  const p = byTask(evals, taskCount, "production", (e) => e.reward);
  return c.map((cs, t) => {
    const ps = p[t]!;
    if (cs.length === 0 || ps.length === 0) return undefined;
    let w = 0;
    for (const x of cs) for (const y of ps) w += x > y ? 1 : x === y ? 0.5 : 0;
    return w / (cs.length * ps.length);
  });
}

export interface MetricInput {
  readonly tasks: readonly CanaryTask[];
  readonly evals: readonly SampleEval[];
  /** Intents to report separately (all tasks are always reported as intent ""). */
  readonly intents: readonly string[];
  /** Reward-model agreement with held-out expert comparisons, per task (undefined: none on the task). */
  readonly expertAgreement?: readonly (number | undefined)[];
  readonly bootstrap?: BootstrapOptions;
}

export function computeMetrics(input: MetricInput): MetricRow[] {
  const { tasks, evals } = input;
  const n = tasks.length;
  const opts: BootstrapOptions = input.bootstrap ?? { resamples: 2000, seed: 1 };
  const series = new Map<string, { c: number[][]; p: number[][]; test: MetricRow["test"] }>();
  series.set("length_words", { c: byTask(evals, n, "candidate", (e) => e.shape.words), p: byTask(evals, n, "production", (e) => e.shape.words), test: "ks" });
  for (const [name, m] of Object.entries(RATES)) series.set(name, { c: byTask(evals, n, "candidate", m), p: byTask(evals, n, "production", m), test: "two_proportion_z" });
  for (const [name, m] of Object.entries(MEANS)) series.set(name, { c: byTask(evals, n, "candidate", m), p: byTask(evals, n, "production", m), test: "bootstrap" });
  const criteria = new Set<string>();
  for (const e of evals) for (const k of Object.keys(e.rubric ?? {})) criteria.add(k);
  for (const k of [...criteria].sort()) {
    const m: Measure = (e) => e.rubric?.[k];
    series.set(`rubric:${k}`, { c: byTask(evals, n, "candidate", m), p: byTask(evals, n, "production", m), test: "bootstrap" });
  }
  const wins = taskWinRates(evals, n).map((w) => (w === undefined ? [] : [w]));
  const half = wins.map((w) => (w.length ? [0.5] : []));
  const agreement = (input.expertAgreement ?? []).map((a) => (a === undefined ? [] : [a]));

  const scopes: { intent: string; idx: number[] }[] = [{ intent: "", idx: tasks.map((_, i) => i) }];
  for (const intent of input.intents) scopes.push({ intent, idx: tasks.flatMap((t, i) => (t.intent === intent ? [i] : [])) });

  const rows: MetricRow[] = [];
  for (const { intent, idx } of scopes) {
    for (const [name, s] of series) {
      const r = row(name, intent, pick(s.c, idx), pick(s.p, idx), s.test, opts);
      if (r) rows.push(r);
    }
    const w = row("reward_win_rate", intent, pick(wins, idx), pick(half, idx), "bootstrap", opts);
    if (w) rows.push({ ...w, production: point(0.5) });
    if (agreement.length) {
      const a = pick(agreement, idx);
      const r = row("expert_agreement", intent, a, a.map((x) => (x.length ? [0.5] : [])), "bootstrap", opts);
      if (r) rows.push({ ...r, production: point(0.5) });
    }
  }
  return rows;
}
