// Week-over-week drift of production: the intent mix (population stability index), outcome rates,
// end users' thumbs-up rate by segment and the repeat-question rate (two-proportion z-tests), and
// whether that calls for retraining.

import { populationStabilityIndex, twoProportionZ } from "@rlhf-loop/ml";
import { OUTCOME_NAMES, type WeekAggregate } from "./week.js";

export interface DriftThresholds {
  /** Intent-mix PSI above this alerts. */
  readonly psiAlert: number;
  /** PSI above this (and up to psiAlert) is worth watching. */
  readonly psiWatch: number;
  /** A rate change alerts when its two-sided p-value is below this and the change is at least its minimum. */
  readonly pValue: number;
  /** A rate change past its minimum with a p-value below this (not an alert) is worth watching. */
  readonly watchPValue: number;
  /** Minimum absolute changes (as proportions: 0.01 = one percentage point). */
  readonly minOutcomeChange: number;
  readonly minThumbsChange: number;
  readonly minRepeatChange: number;
  /** Fewer questions than this on either side: the mix and the per-question rates are not compared. */
  readonly minQuestions: number;
  /** Fewer thumbs than this in a segment on either side: its thumbs rate is not compared. */
  readonly minVotes: number;
  /** Share given to an intent absent on one side (see populationStabilityIndex). */
  readonly psiEpsilon: number;
}

export const DEFAULT_DRIFT_THRESHOLDS: DriftThresholds = Object.freeze({
  psiAlert: 0.2,
  psiWatch: 0.1,
  pValue: 0.01,
  watchPValue: 0.05,
  minOutcomeChange: 0.01,
  minThumbsChange: 0.05,
  minRepeatChange: 0.02,
  minQuestions: 200,
  minVotes: 50,
  psiEpsilon: 1e-4,
});

export type DriftKind = "intent_mix" | "outcome_rate" | "thumbs_rate" | "repeat_question_rate";

export interface DriftAlert {
  kind: DriftKind;
  /** The outcome, the segment, or (intent_mix) the intent whose share moved most. */
  key?: string;
  /** This week's figure: PSI, or a rate. */
  value: number;
  /** The baseline's figure: 0 for PSI (a week against itself), or the baseline rate. */
  baseline: number;
  /** The PSI threshold passed, or the minimum absolute change. */
  threshold: number;
  pValue?: number;
  message: string;
}

export type RetrainAdvice = "yes" | "no" | "watch";

export interface DriftReport {
  weekStart: string;
  baselineWeekStart: string;
  /** Intent-mix PSI; null when a side had too few questions. */
  psi: number | null;
  alerts: DriftAlert[];
  /** Movements below the alert thresholds that are worth a look. */
  watch: DriftAlert[];
  /** Comparisons left out for lack of data, in words. */
  skipped: string[];
  retrain: RetrainAdvice;
  /** One sentence saying why. */
  reason: string;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const fmtP = (p: number) => (p < 1e-4 ? p.toExponential(1) : p.toPrecision(2));

function checkThresholds(t: DriftThresholds): void {
  for (const [k, v] of Object.entries(t)) {
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new RangeError(`detectDrift: thresholds.${k} must be a finite number >= 0, got ${String(v)}`);
  }
  if (t.psiWatch > t.psiAlert) throw new RangeError(`detectDrift: thresholds.psiWatch (${t.psiWatch}) must be at most psiAlert (${t.psiAlert})`);
  if (!(t.pValue > 0 && t.pValue <= t.watchPValue && t.watchPValue < 1)) throw new RangeError("detectDrift: thresholds need 0 < pValue <= watchPValue < 1");
}

/** Compares one week with a baseline week (usually the week before, or a quiet reference week). */
export function detectDrift(baseline: WeekAggregate, current: WeekAggregate, thresholds: Partial<DriftThresholds> = {}): DriftReport {
  const t: DriftThresholds = { ...DEFAULT_DRIFT_THRESHOLDS, ...thresholds };
  checkThresholds(t);
  if (baseline.tenantId !== current.tenantId) throw new RangeError(`detectDrift: tenants differ (${baseline.tenantId} vs ${current.tenantId})`);
  const alerts: DriftAlert[] = [];
  const watch: DriftAlert[] = [];
  const skipped: string[] = [];
  /** Alerts that say the policy now serves traffic worse, or traffic it was not trained on. */
  const worse = new Set<DriftAlert>();
  const enough = baseline.questions >= t.minQuestions && current.questions >= t.minQuestions;

  let psi: number | null = null;
  if (!enough) {
    skipped.push(`intent mix and outcome rates: fewer than ${t.minQuestions} questions (baseline ${baseline.questions}, this week ${current.questions})`);
  } else {
    psi = populationStabilityIndex(baseline.intents, current.intents, { epsilon: t.psiEpsilon });
    const movers = topMovers(baseline, current);
    const top = movers[0];
    const moved = movers
      .slice(0, 3)
      .map((m) => `${m.intent} ${pct(m.before)} -> ${pct(m.after)}`)
      .join(", ");
    const base = { kind: "intent_mix" as const, value: psi, baseline: 0, ...(top ? { key: top.intent } : {}) };
    if (psi > t.psiAlert) {
      const a = { ...base, threshold: t.psiAlert, message: `intent mix moved: PSI ${psi.toFixed(3)} > ${t.psiAlert} (${moved})` };
      alerts.push(a);
      worse.add(a);
    } else if (psi > t.psiWatch) {
      watch.push({ ...base, threshold: t.psiWatch, message: `intent mix shifting: PSI ${psi.toFixed(3)} > ${t.psiWatch} (${moved})` });
    }

    for (const k of OUTCOME_NAMES) {
      rateChange(
        { kind: "outcome_rate", key: k, label: `${k.replace("_", " ")} rate`, worseWhen: "up" },
        baseline.outcomes[k],
        baseline.questions,
        current.outcomes[k],
        current.questions,
        t.minOutcomeChange,
      );
    }
  }

  const segments = [...new Set([...Object.keys(baseline.segments), ...Object.keys(current.segments)])].sort();
  for (const s of segments) {
    const b = baseline.segments[s];
    const c = current.segments[s];
    const nb = b ? b.thumbsUp + b.thumbsDown : 0;
    const nc = c ? c.thumbsUp + c.thumbsDown : 0;
    if (nb < t.minVotes || nc < t.minVotes) {
      skipped.push(`thumbs rate of segment ${s}: fewer than ${t.minVotes} thumbs (baseline ${nb}, this week ${nc})`);
      continue;
    }
    rateChange({ kind: "thumbs_rate", key: s, label: `thumbs-up rate of ${s}`, worseWhen: "down" }, b!.thumbsUp, nb, c!.thumbsUp, nc, t.minThumbsChange);
  }

  if (baseline.repeat.questions < t.minQuestions || current.repeat.questions < t.minQuestions) {
    skipped.push(`repeat-question rate: fewer than ${t.minQuestions} questions with a user (baseline ${baseline.repeat.questions}, this week ${current.repeat.questions})`);
  } else {
    rateChange(
      { kind: "repeat_question_rate", label: "repeat-question rate", worseWhen: "up" },
      baseline.repeat.repeats,
      baseline.repeat.questions,
      current.repeat.repeats,
      current.repeat.questions,
      t.minRepeatChange,
    );
  }

  const { retrain, reason } = advise(alerts, watch, worse, psi);
  return { weekStart: current.weekStart, baselineWeekStart: baseline.weekStart, psi, alerts, watch, skipped, retrain, reason };

  function rateChange(
    what: { kind: DriftKind; key?: string; label: string; worseWhen: "up" | "down" },
    x1: number,
    n1: number,
    x2: number,
    n2: number,
    minChange: number,
  ): void {
    // twoProportionZ's diff is x1/n1 - x2/n2; the change reported is this week minus the baseline.
    const { pValue } = twoProportionZ(x1, n1, x2, n2);
    const before = x1 / n1;
    const after = x2 / n2;
    const change = after - before;
    if (!(Math.abs(change) >= minChange) || !(pValue < t.watchPValue)) return;
    const dir = change > 0 ? "rose" : "fell";
    const a: DriftAlert = {
      kind: what.kind,
      ...(what.key !== undefined ? { key: what.key } : {}),
      value: after,
      baseline: before,
      threshold: minChange,
      pValue,
      message: `${what.label} ${dir} from ${pct(before)} to ${pct(after)} (p = ${fmtP(pValue)}, minimum change ${pct(minChange)})`,
    };
    if (pValue < t.pValue) {
      alerts.push(a);
      if ((change > 0) === (what.worseWhen === "up")) worse.add(a);
    } else {
      watch.push(a);
    }
  }
}

/** Intents by how much their share moved, largest first. */
function topMovers(baseline: WeekAggregate, current: WeekAggregate): { intent: string; before: number; after: number }[] {
  const share = (w: WeekAggregate, k: string) => (Object.hasOwn(w.intents, k) ? (w.intents[k] as number) : 0) / Math.max(1, w.questions);
  const keys = [...new Set([...Object.keys(baseline.intents), ...Object.keys(current.intents)])];
  return keys
    .map((intent) => ({ intent, before: share(baseline, intent), after: share(current, intent) }))
    .sort((a, b) => Math.abs(b.after - b.before) - Math.abs(a.after - a.before) || (a.intent < b.intent ? -1 : 1));
}

function advise(alerts: DriftAlert[], watch: DriftAlert[], worse: Set<DriftAlert>, psi: number | null): { retrain: RetrainAdvice; reason: string } {
  const list = (xs: DriftAlert[]) => xs.map((a) => a.message).join("; ");
  const bad = alerts.filter((a) => worse.has(a));
  if (bad.length > 0) {
    return { retrain: "yes", reason: `Retrain: ${list(bad)}.` };
  }
  if (alerts.length > 0 || watch.length > 0) {
    const better = alerts.length > 0 ? `changed for the better (${list(alerts)})` : "";
    const soft = watch.length > 0 ? `moving below the alert thresholds (${list(watch)})` : "";
    return { retrain: "watch", reason: `Watch, no retrain yet: ${[better, soft].filter((s) => s !== "").join("; and ")}.` };
  }
  const mix = psi === null ? "intent mix not compared" : `intent mix stable (PSI ${psi.toFixed(3)})`;
  return { retrain: "no", reason: `No retrain: ${mix}, and no outcome, thumbs or repeat-question rate moved past its threshold.` };
}
