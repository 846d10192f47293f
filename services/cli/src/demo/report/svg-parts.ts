// Pieces every demo chart is built from: the <svg> element, value axes with grid lines, and a
// legend that wraps onto as many rows as its items need.

import { escapeHtml } from "@rlhf-loop/canary";
import { c, type Axis } from "./axis.js";

/** The plot area inside the chart, in SVG units. */
export interface PlotBox {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

export interface LegendItem {
  readonly label: string;
  readonly color: string;
  /** line: a stroke (dash optional, hollow point optional); box: a filled square; rule: a vertical marker; point: a dot. */
  readonly mark: "line" | "box" | "rule" | "point";
  readonly dash?: string;
  readonly hollow?: boolean;
}

const LEGEND_ROW = 20;

/** Rough width of a label in the charts' sans-serif font, enough to lay out legends and margins. */
export function textWidth(s: string, size = 12): number {
  return Math.ceil(s.length * size * 0.56);
}

/** Shortens a label to `max` characters with an ellipsis. */
export function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(1, max - 1))}\u2026`;
}

/** How tall a legend of these items is when it wraps at `width`. */
export function legendHeight(items: readonly LegendItem[], width: number): number {
  return layoutLegend(items, 0, 0, width).rows * LEGEND_ROW;
}

/** The legend's SVG, its first row's baseline band starting at (x, y). */
export function legend(items: readonly LegendItem[], x: number, y: number, width: number): string {
  return layoutLegend(items, x, y, width).svg;
}

function layoutLegend(items: readonly LegendItem[], x: number, y: number, width: number): { svg: string; rows: number } {
  if (items.length === 0) return { svg: "", rows: 0 };
  const parts: string[] = [];
  let cx = x;
  let row = 0;
  for (const it of items) {
    const label = clip(it.label, 60);
    const w = 26 + textWidth(label, 12) + 18;
    if (cx > x && cx + w > x + width) {
      row += 1;
      cx = x;
    }
    const my = y + row * LEGEND_ROW + 10;
    parts.push(`<g class="legend-item">${mark(it, cx, my)}<text class="legend" x="${c(cx + 26)}" y="${c(my)}" dy="0.35em">${escapeHtml(label)}</text>${label === it.label ? "" : `<title>${escapeHtml(it.label)}</title>`}</g>`);
    cx += w;
  }
  return { svg: parts.join(""), rows: row + 1 };
}

function mark(it: LegendItem, x: number, y: number): string {
  const color = escapeHtml(it.color);
  if (it.mark === "box") return `<rect x="${c(x + 4)}" y="${c(y - 6)}" width="12" height="12" rx="2" fill="${color}"/>`;
  if (it.mark === "rule") return `<line x1="${c(x + 10)}" x2="${c(x + 10)}" y1="${c(y - 8)}" y2="${c(y + 8)}" stroke="${color}" stroke-width="2"${it.dash ? ` stroke-dasharray="${escapeHtml(it.dash)}"` : ""}/>`;
  if (it.mark === "point") return `<circle cx="${c(x + 10)}" cy="${c(y)}" r="4" fill="${it.hollow ? "#fff" : color}" stroke="${color}" stroke-width="1.5"/>`;
  const dash = it.dash ? ` stroke-dasharray="${escapeHtml(it.dash)}"` : "";
  const dot = it.hollow === undefined ? "" : `<circle cx="${c(x + 10)}" cy="${c(y)}" r="3.5" fill="${it.hollow ? "#fff" : color}" stroke="${color}" stroke-width="1.5"/>`;
  return `<line x1="${c(x)}" x2="${c(x + 20)}" y1="${c(y)}" y2="${c(y)}" stroke="${color}" stroke-width="2.5"${dash}/>${dot}`;
}

/** Horizontal grid lines, tick labels on the left and the rotated axis title. */
export function yValueAxis(box: PlotBox, axis: Axis, title: string, label: (v: number) => string): string {
  const parts: string[] = [];
  for (const t of axis.ticks) {
    const y = c(axis.at(t));
    parts.push(`<line class="grid" x1="${c(box.left)}" x2="${c(box.right)}" y1="${y}" y2="${y}"/>`);
    parts.push(`<line class="tick" x1="${c(box.left - 5)}" x2="${c(box.left)}" y1="${y}" y2="${y}"/>`);
    parts.push(`<text class="tick-label" x="${c(box.left - 8)}" y="${y}" dy="0.35em" text-anchor="end">${escapeHtml(label(t))}</text>`);
  }
  parts.push(`<line class="axis" x1="${c(box.left)}" x2="${c(box.left)}" y1="${c(box.top)}" y2="${c(box.bottom)}"/>`);
  parts.push(`<text class="axis-title" transform="translate(14 ${c((box.top + box.bottom) / 2)}) rotate(-90)" text-anchor="middle">${escapeHtml(title)}</text>`);
  return parts.join("");
}

/** Vertical grid lines (optional), tick labels below the plot and the axis title under them. */
export function xValueAxis(box: PlotBox, axis: Axis, title: string, label: (v: number) => string, grid = true): string {
  const parts: string[] = [];
  for (const t of axis.ticks) {
    const x = c(axis.at(t));
    if (grid) parts.push(`<line class="grid" x1="${x}" x2="${x}" y1="${c(box.top)}" y2="${c(box.bottom)}"/>`);
    parts.push(`<line class="tick" x1="${x}" x2="${x}" y1="${c(box.bottom)}" y2="${c(box.bottom + 5)}"/>`);
    parts.push(`<text class="tick-label" x="${x}" y="${c(box.bottom + 18)}" text-anchor="middle">${escapeHtml(label(t))}</text>`);
  }
  parts.push(`<line class="axis" x1="${c(box.left)}" x2="${c(box.right)}" y1="${c(box.bottom)}" y2="${c(box.bottom)}"/>`);
  parts.push(`<text class="axis-title" x="${c((box.left + box.right) / 2)}" y="${c(box.bottom + 38)}" text-anchor="middle">${escapeHtml(title)}</text>`);
  return parts.join("");
}

/** The chart element: scales to its column's width, keeps its aspect ratio, has an accessible name. */
export function svgChart(kind: string, width: number, height: number, aria: string, body: string): string {
  return `<svg class="chart ${escapeHtml(kind)}" viewBox="0 0 ${c(width)} ${c(height)}" width="${c(width)}" height="${c(height)}" role="img" aria-label="${escapeHtml(aria)}" xmlns="http://www.w3.org/2000/svg">${body}</svg>`;
}
