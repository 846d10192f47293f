// Grouped column charts over categories (histogram bins): one column per series in each category,
// category labels thinned so they never overlap.

import { escapeHtml } from "@rlhf-loop/canary";
import { c, valueAxis } from "./axis.js";
import { legend, legendHeight, svgChart, textWidth, yValueAxis, type LegendItem, type PlotBox } from "./svg-parts.js";

export interface ColumnSeries {
  readonly name: string;
  readonly color: string;
  /** One value per category. */
  readonly values: readonly number[];
  /** Hover text per category. */
  readonly notes?: readonly string[];
}

export interface ColumnChartSpec {
  readonly kind: string;
  readonly aria: string;
  readonly width: number;
  readonly height: number;
  readonly categories: readonly string[];
  readonly series: readonly ColumnSeries[];
  readonly xTitle: string;
  readonly yTitle: string;
  readonly yLabel: (v: number) => string;
  /** Shared top of the value axis, so charts side by side compare. */
  readonly yMax?: number;
}

export function columnChart(spec: ColumnChartSpec): string {
  const items = spec.series.map((s): LegendItem => ({ label: s.name, color: s.color, mark: "box" }));
  const left = 72;
  const right = spec.width - 16;
  const top = 6 + legendHeight(items, right - left) + 12;
  const bottom = spec.height - 48;
  const box: PlotBox = { left, top, right, bottom };
  const values = spec.series.flatMap((s) => s.values);
  const y = valueAxis(values, bottom, top, { zero: true, intervals: Math.max(2, Math.floor((bottom - top) / 45)), ...(spec.yMax !== undefined ? { max: spec.yMax, min: 0 } : {}) });

  const n = Math.max(1, spec.categories.length);
  const slot = (right - left) / n;
  const pad = Math.min(4, slot * 0.12);
  const colW = (slot - 2 * pad) / Math.max(1, spec.series.length);
  const parts: string[] = [legend(items, left, 6, right - left), yValueAxis(box, y, spec.yTitle, spec.yLabel)];

  spec.series.forEach((s, k) => {
    const color = escapeHtml(s.color);
    s.values.forEach((v, i) => {
      if (!(Number.isFinite(v) && v > 0)) return;
      const top = y.at(v);
      const note = s.notes?.[i];
      parts.push(`<rect class="column" x="${c(left + i * slot + pad + k * colW)}" y="${c(top)}" width="${c(Math.max(0.5, colW - 0.5))}" height="${c(bottom - top)}" fill="${color}">${note ? `<title>${escapeHtml(note)}</title>` : ""}</rect>`);
    });
  });

  // Category labels centred under their slot; every k-th when the widest would not fit.
  const widest = Math.max(1, ...spec.categories.map((l) => textWidth(l, 11) + 6));
  const every = Math.max(1, Math.ceil(widest / slot));
  spec.categories.forEach((label, i) => {
    if (i % every !== 0) return;
    const x = c(left + (i + 0.5) * slot);
    parts.push(`<line class="tick" x1="${x}" x2="${x}" y1="${c(bottom)}" y2="${c(bottom + 5)}"/>`);
    parts.push(`<text class="tick-label" x="${x}" y="${c(bottom + 18)}" text-anchor="middle">${escapeHtml(label)}</text>`);
  });
  parts.push(`<line class="axis" x1="${c(left)}" x2="${c(right)}" y1="${c(bottom)}" y2="${c(bottom)}"/>`);
  parts.push(`<text class="axis-title" x="${c((left + right) / 2)}" y="${c(bottom + 38)}" text-anchor="middle">${escapeHtml(spec.xTitle)}</text>`);
  return svgChart(`columns ${spec.kind}`, spec.width, spec.height, spec.aria, parts.join(""));
}
