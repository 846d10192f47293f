// Who the training data listens to: the heaviest raters' and the segments' share of pair weight,
// before and after labeling's caps and segment targets, per arm's dataset.

import { escapeHtml } from "@rlhf-loop/canary";
import { NEUTRAL, type ArmColors } from "./colors.js";
import { count, pct, pctTick } from "./format.js";
import { barChart } from "./svg-hbars.js";
import type { DatasetWeights, DemoReportData } from "./types.js";

const HALF_WIDTH = 556;
/** "After caps" across arms: not an arm colour, so the legend stays true for every row. */
const AFTER = "#424a53";

export function weightsSection(data: DemoReportData, colors: ArmColors): string {
  if (data.datasets.length === 0) return "";
  // One scale per kind across arms, so main's raters and the biased arm's compare by eye.
  const top = (pick: (d: DatasetWeights) => DatasetWeights["raters"]): number => Math.max(0, ...data.datasets.flatMap((d) => pick(d).flatMap((r) => [r.before, r.after]).filter((v) => Number.isFinite(v))));
  const shared = { raters: top((d) => d.raters), segments: top((d) => d.segments) };
  const heavy = barChart({
    kind: "heavy-share", aria: "Heavy raters' share of training weight before and after caps, per dataset", width: HALF_WIDTH,
    // Arm names alone unless an arm has several datasets.
    rows: data.datasets.map((d) => (data.datasets.filter((o) => o.arm === d.arm).length > 1 ? `${d.arm} \u00b7 ${d.datasetId}` : d.arm)),
    series: [
      { name: "before caps", color: NEUTRAL, values: data.datasets.map((d) => d.heavyShareBefore) },
      { name: "after caps", color: AFTER, values: data.datasets.map((d) => d.heavyShareAfter) },
    ],
    xTitle: "heavy raters' share of pair weight", yTitle: "arm", valueLabel: (v) => pct(v), tickLabel: pctTick, max: 1,
  });
  const summary = `<table class="data heavy-table"><thead><tr><th>Arm</th><th>Dataset</th><th class="num">Pairs</th><th class="num">Heavy raters, before</th><th class="num">after</th></tr></thead><tbody>
${data.datasets.map((d) => `<tr><td class="arm">${escapeHtml(d.arm)}</td><td><code>${escapeHtml(d.datasetId)}</code></td><td class="num">${count(d.pairs)}</td><td class="num">${escapeHtml(pct(d.heavyShareBefore))}</td><td class="num">${escapeHtml(pct(d.heavyShareAfter))}</td></tr>`).join("\n")}
</tbody></table>`;
  return `<section class="section" id="weights">
<h2>Rater and segment weight shares</h2>
<p class="note">Share of the training pairs' weight held by each rater (the ten heaviest) and each customer segment, before and after labeling's per-rater caps and segment targets. Without caps a few heavy clickers decide what the reward model learns.</p>
<div class="pair"><figure class="figure"><p class="chart-title">Heavy raters' share</p>${heavy}</figure><div class="table-wrap">${summary}</div></div>
${data.datasets.map((d) => datasetBlock(d, colors(d.arm), shared)).join("\n")}
</section>`;
}

function datasetBlock(d: DatasetWeights, color: string, max: { readonly raters: number; readonly segments: number }): string {
  const chart = (kind: "raters" | "segments", what: string, rows: DatasetWeights["raters"]): string =>
    rows.length === 0
      ? `<p class="note">No ${escapeHtml(what)} shares recorded.</p>`
      : barChart({
          kind, aria: `${what} weight shares before and after for ${d.arm}`, width: HALF_WIDTH, rows: rows.map((r) => r.key),
          series: [
            { name: "before", color: NEUTRAL, values: rows.map((r) => r.before) },
            { name: "after", color, values: rows.map((r) => r.after) },
          ],
          xTitle: "share of pair weight", yTitle: what, valueLabel: (v) => pct(v), tickLabel: pctTick, ...(max[kind] > 0 ? { max: max[kind] } : {}),
        });
  return `<h3><span class="swatch" style="--arm: ${escapeHtml(color)}"></span>${escapeHtml(d.arm)} \u00b7 <code>${escapeHtml(d.datasetId)}</code> \u00b7 ${count(d.pairs)} pairs \u00b7 heavy raters ${escapeHtml(pct(d.heavyShareBefore))} \u2192 ${escapeHtml(pct(d.heavyShareAfter))}</h3>
<div class="pair">
<figure class="figure"><p class="chart-title">Raters (heaviest ${count(d.raters.length)})</p>${chart("raters", "rater", d.raters)}</figure>
<figure class="figure"><p class="chart-title">Segments</p>${chart("segments", "segment", d.segments)}</figure>
</div>`;
}
