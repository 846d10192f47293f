// The numbers both the headline and the printed summary quote: per arm, gold utility and thumbs-up
// rate before and after the arm's first promotion (plain means of the daily values).

import type { CanaryDecisionFacts, DemoReportData } from "./types.js";

export interface ArmOutcome {
  readonly arm: string;
  /** Promotions of this arm in day order. */
  readonly promotions: readonly { readonly day: number; readonly policyVersion: string }[];
  /** Mean of the daily values before the first promotion (all days when never promoted); null without days. */
  readonly goldBefore: number | null;
  /** Mean of the daily values from the first promotion's day on; null when never promoted or no days after. */
  readonly goldAfter: number | null;
  readonly thumbsBefore: number | null;
  readonly thumbsAfter: number | null;
  readonly daysBefore: number;
  readonly daysAfter: number;
  readonly decisions: readonly CanaryDecisionFacts[];
}

/** Every arm named anywhere in the data, in order of first appearance (days first). */
export function armOrder(data: DemoReportData): string[] {
  const seen = new Set<string>();
  const sources: readonly (readonly { readonly arm: string }[])[] = [
    data.days, data.promotions, data.canary, data.rlCurves, data.shapes, data.datasets, data.rewardModels,
  ];
  for (const list of sources) for (const item of list) seen.add(item.arm);
  return [...seen];
}

export function armOutcomes(data: DemoReportData): ArmOutcome[] {
  return armOrder(data).map((arm) => {
    const promotions = data.promotions.filter((p) => p.arm === arm).map((p) => ({ day: p.day, policyVersion: p.policyVersion })).sort((a, b) => a.day - b.day);
    const first = promotions[0]?.day;
    const days = data.days.filter((d) => d.arm === arm);
    const before = first === undefined ? days : days.filter((d) => d.day < first);
    const after = first === undefined ? [] : days.filter((d) => d.day >= first);
    return {
      arm,
      promotions,
      goldBefore: mean(before.map((d) => d.gold)),
      goldAfter: mean(after.map((d) => d.gold)),
      thumbsBefore: mean(before.map((d) => d.thumbsUpRate)),
      thumbsAfter: mean(after.map((d) => d.thumbsUpRate)),
      daysBefore: before.length,
      daysAfter: after.length,
      decisions: data.canary.filter((c) => c.arm === arm).slice().sort((a, b) => a.cycle - b.cycle),
    };
  });
}

/** Mean of the finite values; null when there are none. */
export function mean(xs: readonly number[]): number | null {
  const ok = xs.filter((x) => Number.isFinite(x));
  return ok.length === 0 ? null : ok.reduce((a, b) => a + b, 0) / ok.length;
}

/** "promote (improved)", "hold (shorter_everywhere, gold_regression)". */
export function decisionCodes(c: CanaryDecisionFacts): string {
  const codes = c.reasons.map((r) => r.code);
  return codes.length === 0 ? c.decision : `${c.decision} (${codes.join(", ")})`;
}
