// Dot-and-whisker chart of one metric: production and candidate estimates with their 95% intervals.

import type { Interval, MetricRow } from "../domain/types.js";
import { escapeHtml } from "./escape.js";
import { fmtCount, fmtNum, fmtPct } from "./format.js";
import type { MetricInfo } from "./metrics.js";
import { linear, niceTicks, px } from "./scale.js";

export const COLORS = { production: "#4c78a8", candidate: "#e8590c" } as const;

const W = 380;
const H = 100;
const M = { left: 82, right: 62, top: 10, bottom: 26 };

/** The SVG for one metric row; rates on a percentage axis, a 50% reference line for win rates. */
export function intervalChart(row: MetricRow, info: MetricInfo): string {
  const fmt = (v: number): string => (info.rate ? fmtPct(v) : fmtNum(v));
  const reference = info.versus50 ? 0.5 : undefined;
  const productionIsReference = isFiftyPoint(row, info);
  const sides = productionIsReference ? [row.candidate] : [row.production, row.candidate];
  const values = sides.flatMap((i) => [i.low, i.high, i.estimate]).filter(Number.isFinite);
  if (reference !== undefined) values.push(reference);
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  const pad = (hi - lo) * 0.08 || Math.abs(hi) * 0.05 || 0.05;
  lo -= pad;
  hi += pad;
  if (info.rate) {
    lo = Math.max(0, lo);
    hi = Math.min(1, hi);
  }
  const ticks = niceTicks(lo, hi, 4);
  const x = linear(ticks.lo, ticks.hi, M.left, W - M.right);
  const axisY = H - M.bottom;
  const parts: string[] = [];
  for (const t of ticks.values) {
    const tx = px(x(t));
    parts.push(`<line class="grid" x1="${tx}" x2="${tx}" y1="${M.top}" y2="${axisY}"/>`);
    parts.push(`<line class="tick" x1="${tx}" x2="${tx}" y1="${axisY}" y2="${axisY + 4}"/>`);
    parts.push(`<text class="tick-label" x="${tx}" y="${axisY + 16}" text-anchor="middle">${escapeHtml(info.rate ? `${fmtNum(t * 100)}%` : fmtNum(t))}</text>`);
  }
  parts.push(`<line class="axis" x1="${M.left}" x2="${W - M.right}" y1="${axisY}" y2="${axisY}"/>`);
  if (reference !== undefined && reference >= ticks.lo && reference <= ticks.hi) {
    const rx = px(x(reference));
    parts.push(`<line class="reference" x1="${rx}" x2="${rx}" y1="${M.top}" y2="${axisY}"><title>50%: no preference between candidate and production</title></line>`);
  }
  const rows: [string, Interval, string, number][] = [
    ["production", row.production, COLORS.production, row.nProduction],
    ["candidate", row.candidate, COLORS.candidate, row.nCandidate],
  ];
  if (productionIsReference) rows.shift();
  const band = (axisY - M.top) / rows.length;
  rows.forEach(([label, iv, color, n], i) => {
    const y = px(M.top + band * (i + 0.5));
    const x0 = px(x(clampTo(iv.low, ticks)));
    const x1 = px(x(clampTo(iv.high, ticks)));
    const xe = px(x(clampTo(iv.estimate, ticks)));
    const title = `${label}: ${fmt(iv.estimate)} [${fmt(iv.low)}, ${fmt(iv.high)}], n = ${fmtCount(n)}`;
    parts.push(`<text class="row-label" x="${M.left - 8}" y="${y}" dy="0.35em" text-anchor="end">${label}</text>`);
    // A side without a finite estimate (no samples) gets "n/a", never NaN coordinates.
    if (![iv.low, iv.high, iv.estimate].every(Number.isFinite)) {
      parts.push(`<text class="value" x="${W - 4}" y="${y}" dy="0.35em" text-anchor="end">n/a</text>`);
      return;
    }
    parts.push(
      `<g class="whisker" stroke="${color}"><title>${escapeHtml(title)}</title>` +
        `<line x1="${x0}" x2="${x1}" y1="${y}" y2="${y}" stroke-width="2"/>` +
        `<line x1="${x0}" x2="${x0}" y1="${px(Number(y) - 6)}" y2="${px(Number(y) + 6)}" stroke-width="2"/>` +
        `<line x1="${x1}" x2="${x1}" y1="${px(Number(y) - 6)}" y2="${px(Number(y) + 6)}" stroke-width="2"/>` +
        `<circle cx="${xe}" cy="${y}" r="5" fill="${color}" stroke="#fff" stroke-width="1.5"/></g>`,
    );
    parts.push(`<text class="value" x="${W - 4}" y="${y}" dy="0.35em" text-anchor="end" fill="${color}">${escapeHtml(fmt(iv.estimate))}</text>`);
  });
  const aria = productionIsReference
    ? `${info.label}: candidate ${fmt(row.candidate.estimate)} against 50%`
    : `${info.label}: production ${fmt(row.production.estimate)}, candidate ${fmt(row.candidate.estimate)}`;
  return `<svg class="chart interval-chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(aria)}" xmlns="http://www.w3.org/2000/svg">${parts.join("")}</svg>`;
}

/** A win-rate-like metric whose production side is the fixed 50% point rather than a measurement. */
export function isFiftyPoint(row: MetricRow, info: MetricInfo): boolean {
  const p = row.production;
  return info.versus50 === true && p.estimate === 0.5 && p.low === 0.5 && p.high === 0.5;
}

function clampTo(v: number, t: { lo: number; hi: number }): number {
  return Math.min(t.hi, Math.max(t.lo, v));
}
