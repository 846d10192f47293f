// Rates and scores over all tasks: one dot-and-whisker panel per metric present, grouped.

import type { MetricRow } from "../domain/types.js";
import { escapeHtml } from "./escape.js";
import { fmtCount, fmtPp, fmtSigned, pEquals } from "./format.js";
import { GROUPS, metricInfo, verdict, type MetricInfo } from "./metrics.js";
import { intervalChart, isFiftyPoint } from "./svg-interval.js";

/** Formats a change: percentage points for rates, plain signed numbers otherwise. */
export function fmtDelta(v: number, info: MetricInfo): string {
  return info.rate ? fmtPp(v) : fmtSigned(v);
}

export function arrow(estimate: number): string {
  return estimate > 0 ? "\u25b2" : estimate < 0 ? "\u25bc" : "\u25cf";
}

export function ratesSection(overall: readonly MetricRow[], byName: ReadonlyMap<string, readonly MetricRow[]>): string {
  const withInfo = overall.map((r) => ({ row: r, info: metricInfo(r.name, byName.get(r.name)) })).filter((x) => x.info.group !== "length");
  const groups = GROUPS.map((g) => ({
    g,
    items: withInfo.filter((x) => x.info.group === g.id).sort((a, b) => a.info.order - b.info.order || (a.row.name < b.row.name ? -1 : a.row.name > b.row.name ? 1 : 0)),
  })).filter((x) => x.items.length > 0);
  const body = groups.length
    ? groups
        .map(
          ({ g, items }) =>
            `<div class="metric-group" id="group-${g.id}"><h3>${escapeHtml(g.title)}</h3>${g.note ? `<p class="group-note">${escapeHtml(g.note)}</p>` : ""}<div class="panels">${items.map(({ row, info }) => panel(row, info)).join("")}</div></div>`,
        )
        .join("")
    : `<p class="muted">No rate or score metrics over all tasks in this report.</p>`;
  return `<section class="section" id="rates"><h2>Rates and scores, all tasks</h2><p class="section-note">Dots are estimates, whiskers 95% intervals. A change whose interval excludes zero is highlighted: <span class="sig-good">better</span>, <span class="sig-bad">worse</span>, <span class="sig-shift">a shift</span>.</p>${body}</section>`;
}

function panel(row: MetricRow, info: MetricInfo): string {
  const v = verdict(row, info);
  const d = row.delta;
  return `<figure class="panel" data-metric="${escapeHtml(row.name)}">
<figcaption><span class="metric-label">${escapeHtml(info.label)}</span><code class="metric-name">${escapeHtml(row.name)}</code></figcaption>
${intervalChart(row, info)}
<p class="delta-line">${isFiftyPoint(row, info) ? '<span class="muted">vs 50%</span> ' : ""}<span class="delta${v ? ` sig-${v}` : ""}">${arrow(d.estimate)} ${fmtDelta(d.estimate, info)}</span> <span class="interval">[${fmtDelta(d.low, info)}, ${fmtDelta(d.high, info)}]</span></p>
<p class="test-line">${escapeHtml(pEquals(row.pValue))} \u00b7 ${escapeHtml(row.test)} \u00b7 n ${isFiftyPoint(row, info) ? fmtCount(row.nCandidate) : `${fmtCount(row.nProduction)} / ${fmtCount(row.nCandidate)}`}</p>
</figure>`;
}


