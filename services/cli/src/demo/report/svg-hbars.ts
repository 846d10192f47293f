// Horizontal grouped bars: one row per key (rater, segment, answer set), one bar per series
// (before / after), the value printed at the end of each bar.

import { escapeHtml } from "@rlhf-loop/canary";
import { c, valueAxis } from "./axis.js";
import { clip, legend, legendHeight, svgChart, textWidth, xValueAxis, type LegendItem, type PlotBox } from "./svg-parts.js";

export interface BarSeries {
  readonly name: string;
  readonly color: string;
  readonly values: readonly number[];
  /** A colour per row, overriding `color` (one series coloured by row). */
  readonly rowColors?: readonly string[];
}

export interface BarChartSpec {
  readonly kind: string;
  readonly aria: string;
  readonly width: number;
  readonly rows: readonly string[];
  readonly series: readonly BarSeries[];
  readonly xTitle: string;
  /** What the rows are ("rater", "segment"), written up the left edge. */
  readonly yTitle: string;
  readonly valueLabel: (v: number) => string;
  /** Axis tick text (default: valueLabel). */
  readonly tickLabel?: (v: number) => string;
  /** Fixed right end of the value axis (e.g. 1 for shares); default from the data. */
  readonly max?: number;
  /** Legend entries instead of one per series (when rows carry their own colours). */
  readonly legendItems?: readonly LegendItem[];
}

const BAR = 13;

export function barChart(spec: BarChartSpec): string {
  const items = spec.legendItems ?? spec.series.map((s): LegendItem => ({ label: s.name, color: s.color, mark: "box" }));
  // Row labels get up to 40% of the width; longer ones are shortened (the full text is the hover title).
  const labels = spec.rows.map((r) => clip(r, Math.max(8, Math.floor((spec.width * 0.4 - 36) / textWidth("x", 12)))));
  const left = Math.min(spec.width * 0.45, 36 + Math.max(40, ...labels.map((l) => textWidth(l, 12))));
  const right = spec.width - 56;
  const top = 6 + legendHeight(items, spec.width - 12) + (items.length ? 10 : 4);
  const group = spec.series.length * BAR + 10;
  const bottom = top + Math.max(1, spec.rows.length) * group;
  const height = bottom + 46;
  const box: PlotBox = { left, top, right, bottom };
  const x = valueAxis(spec.series.flatMap((s) => s.values), left, right, { zero: true, intervals: Math.max(2, Math.floor((right - left) / 80)), ...(spec.max !== undefined ? { min: 0, max: spec.max } : {}) });

  const parts: string[] = [legend(items, 12, 6, spec.width - 12), xValueAxis(box, x, spec.xTitle, spec.tickLabel ?? spec.valueLabel)];
  parts.push(`<line class="axis" x1="${c(left)}" x2="${c(left)}" y1="${c(top)}" y2="${c(bottom)}"/>`);
  parts.push(`<text class="axis-title" transform="translate(14 ${c((top + bottom) / 2)}) rotate(-90)" text-anchor="middle">${escapeHtml(spec.yTitle)}</text>`);
  spec.rows.forEach((row, i) => {
    const gy = top + i * group + 5;
    const label = labels[i] ?? row;
    parts.push(`<text class="row-label" x="${c(left - 8)}" y="${c(gy + (spec.series.length * BAR) / 2)}" dy="0.35em" text-anchor="end">${escapeHtml(label)}${label === row ? "" : `<title>${escapeHtml(row)}</title>`}</text>`);
    spec.series.forEach((s, k) => {
      const v = s.values[i];
      if (v === undefined || !Number.isFinite(v)) return;
      const color = escapeHtml(s.rowColors?.[i] ?? s.color);
      const w = Math.max(0, x.at(v) - left);
      const y = gy + k * BAR;
      const text = `${s.name}, ${row}: ${spec.valueLabel(v)}`;
      parts.push(`<rect class="bar" x="${c(left)}" y="${c(y)}" width="${c(w)}" height="${BAR - 2}" fill="${color}"><title>${escapeHtml(text)}</title></rect>`);
      parts.push(`<text class="bar-value" x="${c(left + w + 4)}" y="${c(y + (BAR - 2) / 2)}" dy="0.35em">${escapeHtml(spec.valueLabel(v))}</text>`);
    });
  });
  return svgChart(`bars ${spec.kind}`, spec.width, height, spec.aria, parts.join(""));
}
