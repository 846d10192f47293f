// Appendix: every metric row as numbers, so nothing in the report is only a picture.

import type { MetricRow } from "../domain/types.js";
import { escapeHtml } from "./escape.js";
import { fmtCount, fmtNum, fmtP, fmtPct } from "./format.js";
import { GROUPS, metricInfo, verdict } from "./metrics.js";
import { fmtDelta } from "./rates.js";
import { isFiftyPoint } from "./svg-interval.js";

const TESTS: Readonly<Record<string, string>> = { ks: "KS", two_proportion_z: "z", bootstrap: "boot", none: "\u2014" };

export function allMetricsSection(metrics: readonly MetricRow[], intentOrder: readonly string[], byName: ReadonlyMap<string, readonly MetricRow[]>): string {
  const head = `<section class="section" id="all-metrics"><h2>All metrics</h2>`;
  if (metrics.length === 0) return `${head}<p class="muted">This report has no metrics.</p></section>`;
  const rank = (intent: string): number => (intent === "" ? -1 : intentOrder.includes(intent) ? intentOrder.indexOf(intent) : intentOrder.length);
  // Within an intent, metrics in the order the page shows them: length, then the groups of charts.
  const groupRank = (name: string): [number, number] => {
    const info = metricInfo(name, byName.get(name));
    return [info.group === "length" ? -1 : GROUPS.findIndex((g) => g.id === info.group), info.order];
  };
  const sorted = [...metrics].sort((a, b) => {
    const [ga, oa] = groupRank(a.name);
    const [gb, ob] = groupRank(b.name);
    return rank(a.intent) - rank(b.intent) || cmp(a.intent, b.intent) || ga - gb || oa - ob || cmp(a.name, b.name);
  });
  const rows = sorted
    .map((r, i) => {
      const info = metricInfo(r.name, byName.get(r.name));
      const f = (v: number): string => (info.rate ? fmtPct(v) : fmtNum(v));
      const v = verdict(r, info);
      const start = i > 0 && sorted[i - 1]?.intent !== r.intent ? ' class="intent-start"' : "";
      const production = isFiftyPoint(r, info) ? `<span class="muted">50% (reference)</span>` : `${f(r.production.estimate)} <span class="muted">[${f(r.production.low)}, ${f(r.production.high)}]</span>`;
      return `<tr${start}><td>${r.intent === "" ? "<em>all</em>" : escapeHtml(r.intent)}</td><td><code>${escapeHtml(r.name)}</code></td><td class="num">${production}</td><td class="num">${f(r.candidate.estimate)} <span class="muted">[${f(r.candidate.low)}, ${f(r.candidate.high)}]</span></td><td class="num${v ? ` sig sig-${v}` : ""}">${fmtDelta(r.delta.estimate, info)} <span class="muted">[${fmtDelta(r.delta.low, info)}, ${fmtDelta(r.delta.high, info)}]</span></td><td class="num">${escapeHtml(fmtP(r.pValue))} <span class="muted" title="${escapeHtml(r.test)}">${escapeHtml(TESTS[r.test] ?? r.test)}</span></td><td class="num">${fmtCount(r.nProduction)} / ${fmtCount(r.nCandidate)}</td></tr>`;
    })
    .join("");
  return `${head}<table class="all-metrics"><thead><tr><th>Intent</th><th>Metric</th><th>Production [95%]</th><th>Candidate [95%]</th><th>Change [95%]</th><th>p (test)</th><th>n prod / cand</th></tr></thead><tbody>${rows}</tbody></table><p class="section-note">Tests: KS, two-sample Kolmogorov\u2013Smirnov on the distributions; z, two-proportion z test; boot, from the bootstrap distribution of the change. Rates in %, their changes in percentage points (pp).</p></section>`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
