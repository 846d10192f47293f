// Answer-length histograms of both sides on one set of bins: bars side by side in each bin,
// heights as the share of that side's answers so sides with different sample counts compare.

import { escapeHtml } from "./escape.js";
import { fmtCount, fmtNum } from "./format.js";
import type { LengthBins } from "./histogram.js";
import { linear, niceTicks, px } from "./scale.js";
import { COLORS } from "./svg-interval.js";

const W = 1120;
const H = 360;
const M = { left: 70, right: 20, top: 58, bottom: 56 };

export interface HistogramSide {
  readonly label: string;
  readonly n: number;
  readonly median: number;
}

export function lengthHistogram(bins: LengthBins, production: HistogramSide, candidate: HistogramSide): string {
  const nBins = bins.production.length;
  const share = (counts: readonly number[], n: number): number[] => counts.map((c) => (n > 0 ? (100 * c) / n : 0));
  const prod = share(bins.production, production.n);
  const cand = share(bins.candidate, candidate.n);
  const yTicks = niceTicks(0, Math.max(1, ...prod, ...cand), 5);
  const plotRight = W - M.right;
  const axisY = H - M.bottom;
  const y = linear(0, yTicks.hi, axisY, M.top);
  const slot = (plotRight - M.left) / nBins;
  const parts: string[] = [];

  for (const t of yTicks.values) {
    const ty = px(y(t));
    parts.push(`<line class="grid" x1="${M.left}" x2="${plotRight}" y1="${ty}" y2="${ty}"/>`);
    parts.push(`<text class="tick-label" x="${M.left - 8}" y="${ty}" dy="0.35em" text-anchor="end">${fmtNum(t)}%</text>`);
  }
  // Bars: production on the left half of each bin, candidate on the right half.
  const gap = Math.min(2, slot * 0.08);
  const barW = slot / 2 - gap;
  for (let i = 0; i < nBins; i++) {
    const x0 = M.left + i * slot + gap;
    const range = binRange(bins, i);
    for (const [k, side, counts, shares, color] of [
      [0, production, bins.production, prod, COLORS.production],
      [1, candidate, bins.candidate, cand, COLORS.candidate],
    ] as const) {
      const v = shares[i] ?? 0;
      if (v <= 0) continue;
      const top = y(v);
      const title = `${side.label}, ${range} words: ${fmtCount(counts[i] ?? 0)} answers (${fmtNum(v)}%)`;
      parts.push(`<rect class="bar" x="${px(x0 + k * barW)}" y="${px(top)}" width="${px(barW)}" height="${px(axisY - top)}" fill="${color}"><title>${escapeHtml(title)}</title></rect>`);
    }
  }
  // X axis: ticks on bin edges, at most about 14 labels; an overflow bin is labelled ">= edge".
  parts.push(`<line class="axis" x1="${M.left}" x2="${plotRight}" y1="${axisY}" y2="${axisY}"/>`);
  parts.push(`<line class="axis" x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${axisY}"/>`);
  const regularEdges = bins.overflow ? nBins : nBins + 1;
  const every = Math.max(1, Math.ceil(regularEdges / 14));
  for (let j = 0; j < regularEdges; j += every) {
    const tx = px(M.left + j * slot);
    parts.push(`<line class="tick" x1="${tx}" x2="${tx}" y1="${axisY}" y2="${axisY + 5}"/>`);
    parts.push(`<text class="tick-label" x="${tx}" y="${axisY + 18}" text-anchor="middle">${fmtNum(bins.edges[j] ?? 0)}</text>`);
  }
  if (bins.overflow) {
    const tx = px(M.left + (nBins - 0.5) * slot);
    parts.push(`<text class="tick-label" x="${tx}" y="${axisY + 18}" text-anchor="middle">\u2265${fmtNum(bins.edges[nBins - 1] ?? 0)}</text>`);
  }
  parts.push(`<text class="axis-title" x="${px((M.left + plotRight) / 2)}" y="${H - 12}" text-anchor="middle">answer length (words)</text>`);
  parts.push(`<text class="axis-title" transform="translate(18 ${px((M.top + axisY) / 2)}) rotate(-90)" text-anchor="middle">share of answers (%)</text>`);

  // Medians as dashed lines, labelled on two rows so close medians do not overlap.
  const firstEdge = bins.edges[0] ?? 0;
  const medianX = (m: number): number => {
    const lastRegular = bins.edges[regularEdges - 1] ?? firstEdge;
    const clamped = Math.min(m, lastRegular);
    return M.left + ((clamped - firstEdge) / bins.width) * slot;
  };
  [production, candidate].forEach((side, k) => {
    if (side.n === 0) return;
    const color = k === 0 ? COLORS.production : COLORS.candidate;
    const mx = px(medianX(side.median));
    const ly = M.top - 4 - (1 - k) * 14;
    parts.push(`<line class="median" x1="${mx}" x2="${mx}" y1="${px(ly + 3)}" y2="${axisY}" stroke="${color}"/>`);
    parts.push(`<text class="median-label" x="${mx}" y="${px(ly)}" text-anchor="middle" fill="${color}">median ${fmtNum(side.median)}</text>`);
  });

  // Legend, top left.
  [production, candidate].forEach((side, k) => {
    const lx = M.left + k * 420;
    const color = k === 0 ? COLORS.production : COLORS.candidate;
    parts.push(`<rect x="${lx}" y="6" width="14" height="14" fill="${color}"/>`);
    parts.push(`<text class="legend" x="${lx + 20}" y="13" dy="0.35em">${escapeHtml(side.label)} \u00b7 n = ${fmtCount(side.n)}</text>`);
  });

  const aria = `Answer length histogram: ${production.label} median ${fmtNum(production.median)} words, ${candidate.label} median ${fmtNum(candidate.median)} words`;
  return `<svg class="chart histogram" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(aria)}" xmlns="http://www.w3.org/2000/svg">${parts.join("")}</svg>`;
}

function binRange(bins: LengthBins, i: number): string {
  const lo = bins.edges[i] ?? 0;
  const hi = bins.edges[i + 1] ?? Number.POSITIVE_INFINITY;
  if (!Number.isFinite(hi)) return `\u2265${fmtNum(lo)}`;
  return hi - lo === 1 ? fmtNum(lo) : `${fmtNum(lo)}\u2013${fmtNum(hi - 1)}`;
}
