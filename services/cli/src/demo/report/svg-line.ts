// Line charts: several series over a numeric x axis, points marked (hollow or filled), gaps where a
// value is missing, and numbered vertical markers (promotions, events) explained beside the chart.

import { escapeHtml } from "@rlhf-loop/canary";
import { c, fixedAxis, integerTicks, valueAxis, type Axis } from "./axis.js";
import { legend, legendHeight, svgChart, xValueAxis, yValueAxis, type LegendItem, type PlotBox } from "./svg-parts.js";

export interface LinePoint {
  readonly x: number;
  readonly y: number;
  /** Drawn as an open circle (for example: answered by the production bot). */
  readonly hollow?: boolean;
  /** Hover text. */
  readonly note?: string;
}

export interface LineSeries {
  readonly name: string;
  readonly color: string;
  readonly dash?: string;
  readonly points: readonly LinePoint[];
}

export interface VerticalMarker {
  readonly x: number;
  /** Short tag drawn at the top of the line, e.g. "1". */
  readonly tag: string;
  readonly kind: "promotion" | "event";
  /** Hover text: what happened. */
  readonly text: string;
}

export interface LineChartSpec {
  readonly kind: string;
  readonly aria: string;
  readonly width: number;
  readonly height: number;
  readonly xTitle: string;
  readonly yTitle: string;
  readonly xLabel: (v: number) => string;
  readonly yLabel: (v: number) => string;
  /** "days": one tick per whole number, half a unit of room at each end. */
  readonly xScale: "days" | "values";
  readonly series: readonly LineSeries[];
  readonly markers?: readonly VerticalMarker[];
  /** Legend entries after the series' own (markers, point styles). */
  readonly extraLegend?: readonly LegendItem[];
  readonly yZero?: boolean;
  /** Draw a dot per point (default true); long curves read better as lines alone. */
  readonly dots?: boolean;
}

export const MARKER_COLORS = { promotion: "#1a7f37", event: "#6e7781" } as const;
export const MARKER_DASH = { promotion: "6 3", event: "2 3" } as const;

export function lineChart(spec: LineChartSpec): string {
  const items: LegendItem[] = [
    ...spec.series.map((s): LegendItem => ({ label: s.name, color: s.color, mark: "line", ...(s.dash ? { dash: s.dash } : {}) })),
    ...(spec.extraLegend ?? []),
  ];
  const left = 72;
  const right = spec.width - 20;
  const legendTop = 6;
  const lh = legendHeight(items, right - left);
  const markers = spec.markers ?? [];
  // A band between legend and plot holds the marker tags.
  const top = legendTop + lh + (markers.length > 0 ? 30 : 12);
  const bottom = spec.height - 48;
  const box: PlotBox = { left, top, right, bottom };

  const xs = spec.series.flatMap((s) => s.points.map((p) => p.x)).concat(markers.map((m) => m.x)).filter((v) => Number.isFinite(v));
  const ys = spec.series.flatMap((s) => s.points.map((p) => p.y));
  let xAxis: Axis;
  if (spec.xScale === "days") {
    const lo = xs.length ? Math.min(...xs) - 0.5 : 0.5;
    const hi = xs.length ? Math.max(...xs) + 0.5 : 1.5;
    xAxis = fixedAxis(lo, hi, left, right, integerTicks(lo, hi, Math.floor((right - left) / 40)));
  } else {
    xAxis = valueAxis(xs, left, right, { zero: true, intervals: Math.min(8, Math.floor((right - left) / 90)) });
  }
  const yAxis = valueAxis(ys, bottom, top, { intervals: Math.max(2, Math.floor((bottom - top) / 45)), ...(spec.yZero ? { zero: true } : {}) });

  const parts: string[] = [legend(items, left, legendTop, right - left)];
  parts.push(yValueAxis(box, yAxis, spec.yTitle, spec.yLabel));
  parts.push(xValueAxis(box, xAxis, spec.xTitle, spec.xLabel, spec.xScale === "values"));
  parts.push(markerLines(markers, xAxis, box));
  for (const s of spec.series) parts.push(seriesPath(s, xAxis, yAxis, spec.dots ?? true));
  return svgChart(`line ${spec.kind}`, spec.width, spec.height, spec.aria, parts.join(""));
}

function seriesPath(s: LineSeries, x: Axis, y: Axis, showDots: boolean): string {
  const color = escapeHtml(s.color);
  const runs: string[] = [];
  let run: string[] = [];
  const dots: string[] = [];
  for (const p of s.points) {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) {
      if (run.length) runs.push(run.join(" "));
      run = [];
      continue;
    }
    const px = c(x.at(p.x));
    const py = c(y.at(p.y));
    run.push(`${run.length ? "L" : "M"}${px} ${py}`);
    const title = p.note ? `<title>${escapeHtml(p.note)}</title>` : "";
    dots.push(`<circle class="point" cx="${px}" cy="${py}" r="3.5" fill="${p.hollow ? "#fff" : color}" stroke="${color}" stroke-width="1.5">${title}</circle>`);
  }
  if (run.length) runs.push(run.join(" "));
  const dash = s.dash ? ` stroke-dasharray="${escapeHtml(s.dash)}"` : "";
  return `<g class="series" data-series="${escapeHtml(s.name)}"><path class="line" d="${runs.join(" ")}" fill="none" stroke="${color}" stroke-width="2.5" stroke-linejoin="round"${dash}><title>${escapeHtml(s.name)}</title></path>${showDots ? dots.join("") : ""}</g>`;
}

function markerLines(markers: readonly VerticalMarker[], x: Axis, box: PlotBox): string {
  // Markers on the same x share one line and one tag ("2,3"), so tags never sit on each other.
  const byX = new Map<number, VerticalMarker[]>();
  for (const m of markers) {
    if (!Number.isFinite(m.x)) continue;
    const list = byX.get(m.x);
    if (list) list.push(m);
    else byX.set(m.x, [m]);
  }
  const parts: string[] = [];
  for (const [mx, list] of [...byX.entries()].sort((a, b) => a[0] - b[0])) {
    const kind = list.some((m) => m.kind === "promotion") ? "promotion" : "event";
    const px = c(x.at(mx));
    const tag = list.map((m) => m.tag).join(",");
    const w = Math.max(18, tag.length * 7 + 8);
    const title = escapeHtml(list.map((m) => `${m.tag}: ${m.text}`).join("\n"));
    parts.push(
      `<g class="marker marker-${kind}"><title>${title}</title>` +
        `<line x1="${px}" x2="${px}" y1="${c(box.top - 6)}" y2="${c(box.bottom)}" stroke="${MARKER_COLORS[kind]}" stroke-width="1.5" stroke-dasharray="${MARKER_DASH[kind]}"/>` +
        `<rect x="${c(x.at(mx) - w / 2)}" y="${c(box.top - 24)}" width="${c(w)}" height="18" rx="9" fill="${MARKER_COLORS[kind]}"/>` +
        `<text class="marker-tag" x="${px}" y="${c(box.top - 15)}" dy="0.35em" text-anchor="middle">${escapeHtml(tag)}</text></g>`,
    );
  }
  return parts.join("");
}
