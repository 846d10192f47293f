// The answer-length section: both histograms on shared bins, and the length metric with its KS p-value.

import type { CanaryReportDoc, MetricRow } from "../domain/types.js";
import { escapeHtml } from "./escape.js";
import { fmtCount, fmtNum, fmtSigned, pEquals } from "./format.js";
import { binLengths } from "./histogram.js";
import { significant } from "./metrics.js";
import { lengthHistogram } from "./svg-histogram.js";

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN;
}

export function lengthsSection(doc: CanaryReportDoc, overall: MetricRow | undefined): string {
  const { candidate, production } = doc.lengths;
  const head = `<section class="section" id="lengths"><h2>Answer length</h2>`;
  if (candidate.length === 0 && production.length === 0) {
    return `${head}<p class="muted">No answer lengths in this report.</p>${summary(overall)}</section>`;
  }
  const bins = binLengths(candidate, production);
  const prodSide = { label: "production", n: production.length, median: median(production) };
  const candSide = { label: "candidate", n: candidate.length, median: median(candidate) };
  const stats = `<table class="length-stats"><thead><tr><th></th><th>answers</th><th>mean words</th><th>median words</th></tr></thead><tbody>
<tr><th><span class="swatch production"></span>production</th><td>${fmtCount(production.length)}</td><td>${fmtNum(mean(production))}</td><td>${fmtNum(prodSide.median)}</td></tr>
<tr><th><span class="swatch candidate"></span>candidate</th><td>${fmtCount(candidate.length)}</td><td>${fmtNum(mean(candidate))}</td><td>${fmtNum(candSide.median)}</td></tr>
</tbody></table>`;
  return `${head}<div class="figure">${lengthHistogram(bins, prodSide, candSide)}</div><div class="length-footer">${stats}${summary(overall)}</div></section>`;
}

function summary(row: MetricRow | undefined): string {
  if (!row) return `<p class="length-summary muted">No <code>length_words</code> metric in this report, so no KS test to show.</p>`;
  const rel = row.production.estimate !== 0 ? ` (${fmtSigned((100 * row.delta.estimate) / row.production.estimate)}%)` : "";
  const sig = significant(row) ? " sig-shift" : "";
  return `<p class="length-summary" id="length-summary">Mean change <strong class="delta${sig}">${fmtSigned(row.delta.estimate)} words${rel}</strong>, 95% interval [${fmtSigned(row.delta.low)}, ${fmtSigned(row.delta.high)}]. <span class="ks">${row.test === "ks" ? "Two-sample KS test on the length distributions" : `Test <code>${escapeHtml(row.test)}</code>`}: <strong id="ks-p">${escapeHtml(pEquals(row.pValue))}</strong></span></p>`;
}
