// A realistic hand-built demo result for tests (this folder's and the demo command's): two arms
// ("main" and "biased-clickers") over 14 days, main promoted on day 6 and again on day 12 after the
// day-9 drift, the biased arm held for shorter_everywhere. Seeded, so every call returns the same data.

import type { DayPoint, DemoReportData, RlCurve, ShapeSample } from "./types.js";

/** xorshift32: small, seedable, the same sequence on every platform; uniform in [0, 1). */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    return x / 4294967296;
  };
}

const round = (x: number, d = 4): number => Math.round(x * 10 ** d) / 10 ** d;

export const FIXTURE_ARMS = ["main", "biased-clickers"] as const;
export const FIXTURE_DAYS = 14;
export const FIXTURE_PROMOTION_DAY = 6;
export const FIXTURE_DRIFT_DAY = 9;

function days(rand: () => number): DayPoint[] {
  const out: DayPoint[] = [];
  for (const arm of FIXTURE_ARMS) {
    for (let day = 1; day <= FIXTURE_DAYS; day++) {
      const noise = (rand() - 0.5) * 0.02;
      const drift = day >= FIXTURE_DRIFT_DAY ? -0.05 : 0;
      let gold = 0.42 + drift + noise;
      let thumbs = 0.61 + drift * 0.6 + (rand() - 0.5) * 0.02;
      let answeredBy = "production bot";
      if (arm === "main" && day >= FIXTURE_PROMOTION_DAY) {
        // Cycle 1 lifts gold by about 0.13; the drift costs some of it until cycle 2 (day 12) adapts.
        gold += day >= 12 ? 0.15 : 0.13;
        thumbs += day >= 12 ? 0.08 : 0.07;
        answeredBy = day >= 12 ? "policy-main-c2" : "policy-main-c1";
      }
      out.push({ day, arm, gold: round(gold), thumbsUpRate: round(thumbs), interactions: 1150 + Math.round(rand() * 200), answeredBy });
    }
  }
  return out;
}

function curve(rand: () => number, arm: string, cycle: number, runId: string, klEnd: number, rewardEnd: number, gold: (s: number) => number, outcome: string): RlCurve {
  const points = Array.from({ length: 20 }, (_, i) => {
    const s = (i + 1) / 20;
    const kl = klEnd * s * s + 0.002 * rand();
    return { step: i + 1, kl: round(kl), reward: round(rewardEnd * Math.sqrt(s) + (rand() - 0.5) * 0.04), gold: round(gold(s) + (rand() - 0.5) * 0.008) };
  });
  return { arm, cycle, runId, points, outcome };
}

function lengths(rand: () => number, n: number, median: number, spread: number): number[] {
  return Array.from({ length: n }, () => {
    const z = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    return Math.max(3, Math.round(median * Math.exp(spread * z)));
  });
}

/** The fixture: same data on every call. */
export function demoReportFixture(): DemoReportData {
  const rand = prng(20250307);
  const logged = lengths(rand, 400, 56, 0.35);
  const shapes: ShapeSample[] = [
    { arm: "main", label: "production (logged)", lengths: logged, refusalRate: 0.041 },
    { arm: "main", label: "candidate cycle 1", lengths: lengths(rand, 400, 60, 0.3), refusalRate: 0.033 },
    { arm: "main", label: "candidate cycle 2", lengths: lengths(rand, 400, 58, 0.3), refusalRate: 0.03 },
    { arm: "biased-clickers", label: "production (logged)", lengths: logged, refusalRate: 0.041 },
    { arm: "biased-clickers", label: "candidate cycle 1", lengths: lengths(rand, 400, 31, 0.4), refusalRate: 0.064 },
  ];
  return {
    title: "rlhf demo: support bot, two arms, 14 days",
    mode: "embedded",
    seed: 7,
    startedAt: "2025-03-07T09:00:00.000Z",
    seconds: 412.6,
    days: days(rand),
    promotions: [
      { arm: "main", day: FIXTURE_PROMOTION_DAY, policyVersion: "policy-main-c1" },
      { arm: "main", day: 12, policyVersion: "policy-main-c2" },
    ],
    rlCurves: [
      curve(rand, "main", 1, "run-main-c1", 0.62, 1.1, (s) => 0.42 + 0.14 * s - 0.02 * s * s, "completed"),
      curve(rand, "biased-clickers", 1, "run-biased-c1", 1.45, 2.2, (s) => 0.42 + 0.03 * s - 0.09 * s * s, "completed"),
      curve(rand, "main", 2, "run-main-c2", 0.55, 0.95, (s) => 0.37 + 0.22 * s - 0.03 * s * s, "completed"),
    ],
    shapes,
    datasets: [
      {
        arm: "main",
        datasetId: "ds-main-c1",
        pairs: 3840,
        heavyShareBefore: 0.46,
        heavyShareAfter: 0.18,
        raters: [
          ["clicker-017", 0.14, 0.025], ["clicker-003", 0.11, 0.025], ["clicker-042", 0.08, 0.025], ["clicker-008", 0.06, 0.025],
          ["clicker-029", 0.04, 0.025], ["expert-02", 0.035, 0.06], ["expert-01", 0.03, 0.055], ["user-1187", 0.012, 0.018],
          ["user-0466", 0.011, 0.017], ["user-2031", 0.01, 0.016],
        ].map(([key, before, after]) => ({ key: String(key), before: Number(before), after: Number(after) })),
        segments: [
          { key: "consumer", before: 0.58, after: 0.45 },
          { key: "small_business", before: 0.22, after: 0.25 },
          { key: "enterprise", before: 0.12, after: 0.2 },
          { key: "mobile_app", before: 0.08, after: 0.1 },
        ],
      },
      {
        arm: "biased-clickers",
        datasetId: "ds-biased-c1",
        pairs: 1210,
        heavyShareBefore: 0.92,
        heavyShareAfter: 0.92,
        raters: [
          ["clicker-017", 0.31, 0.31], ["clicker-003", 0.24, 0.24], ["clicker-042", 0.17, 0.17], ["clicker-008", 0.12, 0.12], ["clicker-029", 0.08, 0.08],
        ].map(([key, before, after]) => ({ key: String(key), before: Number(before), after: Number(after) })),
        segments: [
          { key: "consumer", before: 0.81, after: 0.81 },
          { key: "small_business", before: 0.11, after: 0.11 },
          { key: "enterprise", before: 0.05, after: 0.05 },
          { key: "mobile_app", before: 0.03, after: 0.03 },
        ],
      },
    ],
    rewardModels: [
      {
        arm: "main",
        modelId: "rm-main-c1",
        heldOutAccuracy: 0.712,
        status: "ready",
        checks: [
          { name: "held_out_accuracy", value: 0.712, flagged: false, detail: "held-out pairwise accuracy below the minimum" },
          { name: "length_rule_accuracy", value: 0.54, flagged: false, detail: "a length-only rule already predicts the labels: raters may reward length" },
          { name: "spearman_length", value: 0.12, flagged: false, detail: "reward tracks length (|rho| above the limit)" },
          { name: "length_margin", value: 0.08, flagged: false, detail: "reward moves with length alone (truncated or padded twins), in score standard deviations" },
          { name: "calibration_error", value: 0.041, flagged: false, detail: "predicted preference probabilities are off" },
        ],
      },
      {
        arm: "biased-clickers",
        modelId: "rm-biased-c1",
        heldOutAccuracy: 0.648,
        status: "flagged",
        checks: [
          { name: "held_out_accuracy", value: 0.648, flagged: false, detail: "held-out pairwise accuracy below the minimum" },
          { name: "length_rule_accuracy", value: 0.81, flagged: true, detail: "a length-only rule already predicts the labels: raters may reward length" },
          { name: "spearman_length", value: -0.62, flagged: true, detail: "reward tracks length (|rho| above the limit)" },
          { name: "length_margin", value: 0.91, flagged: true, detail: "reward moves with length alone (truncated or padded twins), in score standard deviations" },
          { name: "calibration_error", value: 0.058, flagged: false, detail: "predicted preference probabilities are off" },
        ],
      },
    ],
    canary: [
      {
        arm: "main",
        cycle: 1,
        candidate: "policy-main-c1",
        decision: "promote",
        reasons: [{ code: "improved", message: "better than production: reward win rate 67.0% (95% CI 63.1%-70.9%); gold +0.131" }],
        reportId: "canary-main-c1",
        goldBefore: 0.421,
        goldAfter: 0.552,
        winRate: 0.67,
      },
      {
        arm: "biased-clickers",
        cycle: 1,
        candidate: "policy-biased-c1",
        decision: "hold",
        reasons: [
          { code: "shorter_everywhere", message: "answers are shorter in 8 of 8 intents (KS p < 0.001), with no independent gain to confirm it: a reward-model preference leaking into every answer" },
          { code: "gold_regression", message: "gold utility fell 0.421 -> 0.366 (95% CI of the change [-0.071, -0.039])" },
        ],
        reportId: "canary-biased-c1",
        goldBefore: 0.421,
        goldAfter: 0.366,
        winRate: 0.74,
      },
      {
        arm: "main",
        cycle: 2,
        candidate: "policy-main-c2",
        decision: "promote",
        reasons: [{ code: "improved", message: "better than production: reward win rate 63.5% (95% CI 59.4%-67.4%); gold +0.040" }],
        reportId: "canary-main-c2",
        goldBefore: 0.503,
        goldAfter: 0.543,
        winRate: 0.635,
      },
    ],
    drift: [
      { week: "week 1 (days 1-7)", psi: 0.021, alerts: [], retrain: "no" },
      { week: "week 2 (days 8-14)", psi: 0.284, alerts: ["intent_mix_shift", "rubric_version_changed"], retrain: "cycle 2 started on day 10" },
    ],
    stages: [
      { name: "start embedded postgres", seconds: 3.4, status: "ok", detail: "postgres 18 on 127.0.0.1:54329" },
      { name: "start services", seconds: 1.9, status: "ok", detail: "ingestion, labeling, reward, rl-trainer, canary" },
      { name: "week 1 traffic", seconds: 48.2, status: "ok", detail: "8,433 interactions, 3,120 thumbs, 240 expert ratings" },
      { name: "labeling snapshot", seconds: 6.1, status: "ok", detail: "ds-main-c1 3,840 pairs; ds-biased-c1 1,210 pairs" },
      { name: "reward models", seconds: 27.8, status: "ok", detail: "rm-main-c1 ready; rm-biased-c1 flagged" },
      { name: "rl cycle 1", seconds: 109.5, status: "ok", detail: "run-main-c1, run-biased-c1" },
      { name: "canary cycle 1", seconds: 21.7, status: "ok", detail: "main promote; biased-clickers hold" },
      { name: "week 2 traffic", seconds: 46.3, status: "ok", detail: "drift on day 9, rubric v2" },
      { name: "cycle 2", seconds: 146.9, status: "ok", detail: "rm-main-c2, run-main-c2, canary promote" },
      { name: "cluster check", seconds: 0, status: "skipped", detail: "embedded mode" },
      { name: "report", seconds: 0.8, status: "ok", detail: "demo-report.html" },
    ],
    events: [
      { day: FIXTURE_DRIFT_DAY, text: "product change: intent mix drifts toward shipping_delay" },
      { day: FIXTURE_DRIFT_DAY, text: "rubric v2 published; collection paused" },
      { day: 10, text: "collection resumed under rubric v2; drift alert fired, cycle 2 retrains" },
    ],
  };
}
