// Gold utility and thumbs-up rate per day per arm, with numbered markers at promotions and events
// (drift, rubric change) listed under the charts.

import { escapeHtml } from "@rlhf-loop/canary";
import type { ArmColors } from "./colors.js";
import { count, dec, pct } from "./format.js";
import { lineChart, MARKER_COLORS, MARKER_DASH, type LineSeries, type VerticalMarker } from "./svg-line.js";
import type { LegendItem } from "./svg-parts.js";
import type { DayPoint, DemoReportData } from "./types.js";

export const FULL_WIDTH = 1136;

/** Promotions first, then events, each in day order: the numbers the charts' tags show. */
export function timelineMarkers(data: DemoReportData): VerticalMarker[] {
  const items = [
    ...data.promotions.map((p) => ({ day: p.day, kind: "promotion" as const, text: `${p.arm}: ${p.policyVersion} promoted, answers traffic from this day` })),
    ...data.events.map((e) => ({ day: e.day, kind: "event" as const, text: e.text })),
  ];
  // Stable sort by day keeps promotions ahead of same-day events.
  items.sort((a, b) => a.day - b.day);
  return items.map((m, i) => ({ x: m.day, tag: String(i + 1), kind: m.kind, text: m.text }));
}

export function daysSection(data: DemoReportData, arms: readonly string[], colors: ArmColors): string {
  const markers = timelineMarkers(data);
  if (data.days.length === 0) {
    return markers.length ? `<section class="section" id="timeline"><h2>Timeline</h2>${markerList(markers)}</section>` : "";
  }
  const byArm = arms.map((arm) => ({ arm, points: data.days.filter((d) => d.arm === arm).slice().sort((a, b) => a.day - b.day) })).filter((a) => a.points.length > 0);
  const hollowSeen = data.days.some(isProductionBot);
  const extra: LegendItem[] = [
    ...(hollowSeen ? [{ label: "production bot answered", color: "#57606a", mark: "point" as const, hollow: true }, { label: "promoted policy answered", color: "#57606a", mark: "point" as const, hollow: false }] : []),
    ...(markers.some((m) => m.kind === "promotion") ? [{ label: "promotion", color: MARKER_COLORS.promotion, mark: "rule" as const, dash: MARKER_DASH.promotion }] : []),
    ...(markers.some((m) => m.kind === "event") ? [{ label: "event", color: MARKER_COLORS.event, mark: "rule" as const, dash: MARKER_DASH.event }] : []),
  ];
  const series = (value: (d: DayPoint) => number, show: (x: number) => string, what: string): LineSeries[] =>
    byArm.map(({ arm, points }) => ({
      name: arm,
      color: colors(arm),
      points: points.map((d) => ({
        x: d.day,
        y: value(d),
        hollow: isProductionBot(d),
        note: `${arm}, day ${d.day}: ${what} ${show(value(d))}; ${count(d.interactions)} interactions; answered by ${d.answeredBy}`,
      })),
    }));
  const gold = lineChart({
    kind: "days-gold", aria: "Gold utility per day per arm", width: FULL_WIDTH, height: 330,
    xTitle: "day", yTitle: "gold utility (daily mean)", xLabel: (v) => String(v), yLabel: (v) => v.toFixed(2),
    xScale: "days", series: series((d) => d.gold, (x) => dec(x), "gold"), markers, extraLegend: extra,
  });
  const thumbs = lineChart({
    kind: "days-thumbs", aria: "Thumbs-up rate per day per arm", width: FULL_WIDTH, height: 310,
    xTitle: "day", yTitle: "thumbs-up rate", xLabel: (v) => String(v), yLabel: (v) => `${Math.round(v * 1000) / 10}%`,
    xScale: "days", series: series((d) => d.thumbsUpRate, (x) => pct(x), "thumbs-up"), markers, extraLegend: extra,
  });
  return `<section class="section" id="days">
<h2>Gold utility and thumbs-up rate per day</h2>
<p class="note">One point per simulated day and arm. Gold utility is the hidden truth of the simulated product; the thumbs-up rate is what end users clicked (up / (up + down)). Filled points: a promoted policy answered that day.</p>
<p class="chart-title">Gold utility</p>
<figure class="figure">${gold}</figure>
<p class="chart-title">Thumbs-up rate</p>
<figure class="figure">${thumbs}</figure>
${markerList(markers)}
</section>`;
}

function isProductionBot(d: DayPoint): boolean {
  return /production/i.test(d.answeredBy);
}

function markerList(markers: readonly VerticalMarker[]): string {
  if (markers.length === 0) return "";
  return `<ol class="markers">${markers
    .map((m) => `<li><span class="tag tag-${m.kind}">${escapeHtml(m.tag)}</span><span><strong>day ${escapeHtml(String(m.x))}</strong> \u00b7 ${escapeHtml(m.text)}</span></li>`)
    .join("")}</ol>`;
}
