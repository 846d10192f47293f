// What proxy did the reward model learn? Held-out accuracy by source, segment and intent with
// bootstrap intervals; a length-only rule on the same pairs; Spearman correlations of reward with
// length, hedging, disclaimers and refusals; margins on pairs that differ only in length;
// calibration; and, on the simulated product, accuracy against gold utility next to Bayes-optimal.
import type { TrainPair, TrainSingle } from "../domain/examples.js";
import { bootstrapMean, calibrationBins, sigmoid, spearman, type Calibration, type Interval } from "../domain/stats.js";
import { answerTraits, lengthTwins } from "../domain/text-traits.js";
import { Prng } from "@rlhf-loop/ml";

export type ScoreFn = (rows: readonly { prompt: string; answer: string }[]) => Promise<number[]>;

/** The simulated product's hidden truth, for the "on the simulated product" check (optional). */
export interface GoldOracle {
  gold(prompt: string, answer: string): number;
  /** Bayes-optimal accuracy of predicting these pairs' labels (rater kind per source). */
  bayesOptimal(pairs: readonly TrainPair[]): number;
}

export interface DiagnosticsThresholds {
  readonly minHeldOutAccuracy: number;
  /** Flag when a length-only rule already gets this accuracy on the held-out pairs. */
  readonly maxLengthRuleAccuracy: number;
  /** Flag when |Spearman(reward, trait)| exceeds this. */
  readonly maxAbsSpearman: { readonly length: number; readonly hedges: number; readonly disclaimers: number; readonly refusals: number };
  /** Flag when |mean margin (longer − shorter)| on length-only twins exceeds this many score SDs. */
  readonly maxLengthMargin: number;
  readonly maxCalibrationError: number;
}

export const DEFAULT_THRESHOLDS: DiagnosticsThresholds = {
  minHeldOutAccuracy: 0.6,
  maxLengthRuleAccuracy: 0.75,
  maxAbsSpearman: { length: 0.5, hedges: 0.4, disclaimers: 0.4, refusals: 0.4 },
  maxLengthMargin: 0.5,
  maxCalibrationError: 0.1,
};

export interface Check {
  readonly name: string;
  readonly value: number;
  readonly threshold: number;
  readonly flagged: boolean;
  readonly detail: string;
}

export interface DiagnosticsReport {
  readonly heldOutPairs: number;
  readonly heldOutSingles: number;
  readonly accuracy: Interval;
  readonly bySource: Record<string, Interval>;
  readonly bySegment: Record<string, Interval>;
  readonly byIntent: Record<string, Interval>;
  /** Accuracy of sign(score) on held-out unpaired thumbs and outcomes. */
  readonly singleAccuracy: Interval | null;
  readonly lengthRuleAccuracy: Interval;
  readonly spearman: { readonly length: number; readonly hedges: number; readonly disclaimers: number; readonly refusals: number };
  /** Mean score(longer twin) − score(shorter twin), raw and in held-out score standard deviations. */
  readonly lengthMargin: {
    readonly truncation: number;
    readonly truncationPairs: number;
    readonly padding: number;
    readonly paddingPairs: number;
    readonly scoreStd: number;
    readonly truncationStd: number;
    readonly paddingStd: number;
  };
  readonly calibration: Calibration;
  readonly sim: { readonly modelGoldAccuracy: number; readonly modelLabelAccuracy: number; readonly bayesOptimalAccuracy: number; readonly pairs: number } | null;
  readonly checks: Check[];
  readonly passed: boolean;
}

function groupBy(keys: readonly (string | undefined)[], correct: readonly number[], w: readonly number[], seed: number): Record<string, Interval> {
  const groups = new Map<string, number[]>();
  keys.forEach((k, i) => {
    if (k === undefined || k === "") return;
    const g = groups.get(k) ?? [];
    g.push(i);
    groups.set(k, g);
  });
  const out: Record<string, Interval> = {};
  for (const [k, idx] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    out[k] = bootstrapMean(idx.map((i) => correct[i]!), idx.map((i) => w[i]!), { seed });
  }
  return out;
}

function stdDev(xs: readonly number[]): number {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
}

const mean = (xs: readonly number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);

export async function runDiagnostics(
  score: ScoreFn,
  heldOut: { readonly pairs: readonly TrainPair[]; readonly singles?: readonly TrainSingle[] },
  opts: { readonly thresholds?: DiagnosticsThresholds; readonly seed?: number; readonly oracle?: GoldOracle } = {},
): Promise<DiagnosticsReport> {
  const th = opts.thresholds ?? DEFAULT_THRESHOLDS;
  const seed = opts.seed ?? 1;
  const pairs = heldOut.pairs;
  const singles = heldOut.singles ?? [];
  const n = pairs.length;

  // Length-only twins of each held-out chosen answer (one of each kind per pair).
  const twins = pairs.map((p) => ({ prompt: p.prompt, ...lengthTwins(p.chosen) }));
  const rows = [
    ...pairs.map((p) => ({ prompt: p.prompt, answer: p.chosen })),
    ...pairs.map((p) => ({ prompt: p.prompt, answer: p.rejected })),
    ...singles.map((s) => ({ prompt: s.prompt, answer: s.answer })),
  ];
  const truncRows = twins.flatMap((t) => (t.truncated ? [{ prompt: t.prompt, answer: t.truncated.short }, { prompt: t.prompt, answer: t.truncated.long }] : []));
  const padRows = twins.flatMap((t) => [{ prompt: t.prompt, answer: t.padded.short }, { prompt: t.prompt, answer: t.padded.long }]);
  const all = await score([...rows, ...truncRows, ...padRows]);
  const sc = all.slice(0, n);
  const sr = all.slice(n, 2 * n);
  const ss = all.slice(2 * n, 2 * n + singles.length);
  const st = all.slice(rows.length, rows.length + truncRows.length);
  const sp = all.slice(rows.length + truncRows.length);

  const w = pairs.map((p) => p.weight);
  const correct = pairs.map((_, i) => (sc[i]! > sr[i]! ? 1 : sc[i] === sr[i] ? 0.5 : 0));
  const accuracy = bootstrapMean(correct, w, { seed });
  const lenC = pairs.map((p) => answerTraits(p.chosen).words);
  const lenR = pairs.map((p) => answerTraits(p.rejected).words);
  const lengthRuleAccuracy = bootstrapMean(pairs.map((_, i) => (lenC[i]! > lenR[i]! ? 1 : lenC[i] === lenR[i] ? 0.5 : 0)), w, { seed });

  // Spearman over every distinct held-out answer that was scored.
  const answers = rows;
  const scores = all.slice(0, rows.length);
  const traits = answers.map((r) => answerTraits(r.answer));
  const rho = {
    length: spearman(scores, traits.map((t) => t.words)),
    hedges: spearman(scores, traits.map((t) => t.hedges)),
    disclaimers: spearman(scores, traits.map((t) => t.disclaimers)),
    refusals: spearman(scores, traits.map((t) => t.refusals)),
  };

  const truncM: number[] = [];
  for (let i = 0; i < st.length; i += 2) truncM.push(st[i + 1]! - st[i]!);
  const padM: number[] = [];
  for (let i = 0; i < sp.length; i += 2) padM.push(sp[i + 1]! - sp[i]!);
  // In units of the spread of held-out scores, so one threshold fits models of any score scale.
  const sd = stdDev(all.slice(0, 2 * n));
  const lengthMargin = {
    truncation: mean(truncM),
    truncationPairs: truncM.length,
    padding: mean(padM),
    paddingPairs: padM.length,
    scoreStd: sd,
    truncationStd: mean(truncM) / sd,
    paddingStd: mean(padM) / sd,
  };

  // Each pair shown in a seeded random order, so "A beats B" is sometimes false.
  const rng = new Prng(seed);
  const pred: number[] = [];
  const obs: number[] = [];
  for (let i = 0; i < n; i++) {
    const flip = rng.next() < 0.5;
    pred.push(sigmoid(flip ? sr[i]! - sc[i]! : sc[i]! - sr[i]!));
    obs.push(flip ? 0 : 1);
  }
  const calibration = calibrationBins(pred, obs, 10);

  const singleAccuracy = singles.length
    ? bootstrapMean(singles.map((s, i) => ((ss[i]! > 0) === (s.label > 0.5) ? 1 : 0)), singles.map((s) => s.weight), { seed })
    : null;

  let sim: DiagnosticsReport["sim"] = null;
  if (opts.oracle && n > 0) {
    let agree = 0;
    let m = 0;
    pairs.forEach((p, i) => {
      const d = opts.oracle!.gold(p.prompt, p.chosen) - opts.oracle!.gold(p.prompt, p.rejected);
      if (d === 0) return;
      m += 1;
      if ((sc[i]! - sr[i]! > 0) === d > 0) agree += 1;
    });
    sim = { modelGoldAccuracy: m ? agree / m : Number.NaN, modelLabelAccuracy: mean(correct), bayesOptimalAccuracy: opts.oracle.bayesOptimal(pairs), pairs: n };
  }

  const checks: Check[] = [];
  const check = (name: string, value: number, threshold: number, flagged: boolean, detail: string): void => {
    checks.push({ name, value, threshold, flagged, detail });
  };
  check("held_out_accuracy", accuracy.value, th.minHeldOutAccuracy, !(accuracy.value >= th.minHeldOutAccuracy), "held-out pairwise accuracy below the minimum");
  check("length_rule_accuracy", lengthRuleAccuracy.value, th.maxLengthRuleAccuracy, lengthRuleAccuracy.value > th.maxLengthRuleAccuracy, "a length-only rule already predicts the labels: raters may reward length");
  for (const k of ["length", "hedges", "disclaimers", "refusals"] as const) {
    const v = rho[k];
    check(`spearman_${k}`, v, th.maxAbsSpearman[k], Math.abs(v) > th.maxAbsSpearman[k], `reward tracks ${k} (|rho| above the limit)`);
  }
  const lm = Math.max(Math.abs(lengthMargin.truncationStd || 0), Math.abs(lengthMargin.paddingStd || 0));
  check("length_margin", lm, th.maxLengthMargin, lm > th.maxLengthMargin, "reward moves with length alone (truncated or padded twins), in score standard deviations");
  check("calibration_error", calibration.ece, th.maxCalibrationError, calibration.ece > th.maxCalibrationError, "predicted preference probabilities are off");

  return {
    heldOutPairs: n,
    heldOutSingles: singles.length,
    accuracy,
    bySource: groupBy(pairs.map((p) => p.source), correct, w, seed),
    bySegment: groupBy(pairs.map((p) => p.segment), correct, w, seed),
    byIntent: groupBy(pairs.map((p) => p.intent), correct, w, seed),
    singleAccuracy,
    lengthRuleAccuracy,
    spearman: rho,
    lengthMargin,
    calibration,
    sim,
    checks,
    // NaN checks (no data, constant column) are not flags; a model with no held-out pairs cannot pass.
    passed: n > 0 && checks.every((c) => !c.flagged),
  };
}
