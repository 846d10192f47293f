// Answer shapes per arm: length histograms on one set of bins shared by every answer set (so arms
// compare bin for bin and on one height scale), refusal rates, and a table of length statistics.

import { binLengths, escapeHtml } from "@rlhf-loop/canary";
import { NEUTRAL, shade, type ArmColors } from "./colors.js";
import { FULL_WIDTH } from "./days.js";
import { count, pct, pctTick } from "./format.js";
import { columnChart, type ColumnSeries } from "./svg-columns.js";
import { barChart } from "./svg-hbars.js";
import type { LegendItem } from "./svg-parts.js";
import type { DemoReportData, ShapeSample } from "./types.js";

type Bins = ReturnType<typeof binLengths>;

/** Counts of every sample on one grid: binning each sample against all the others gives every sample the same edges. */
export function sharedBins(samples: readonly ShapeSample[]): { edges: readonly number[]; overflow: boolean; counts: number[][] } {
  samples.forEach((s, i) =>
    s.lengths.forEach((x, j) => {
      if (!Number.isFinite(x) || x < 0) throw new RangeError(`shapes[${i}].lengths[${j}] must be a finite non-negative number of words, got ${x}`);
    }),
  );
  let grid: Bins | undefined;
  const counts = samples.map((s, i) => {
    const others = samples.flatMap((o, k) => (k === i ? [] : o.lengths));
    const b = binLengths(s.lengths, others);
    grid ??= b;
    return [...b.candidate];
  });
  return { edges: grid?.edges ?? [], overflow: grid?.overflow ?? false, counts };
}

function binLabel(edges: readonly number[], i: number): string {
  const lo = edges[i] ?? 0;
  const hi = edges[i + 1] ?? Number.POSITIVE_INFINITY;
  if (!Number.isFinite(hi)) return `\u2265${lo}`;
  return hi - lo === 1 ? String(lo) : `${lo}\u2013${hi - 1}`;
}

/** Production-like sets in grey, candidates in the arm's colour, later ones darker. */
function sampleColors(samples: readonly ShapeSample[], colors: ArmColors): string[] {
  const seen = new Map<string, number>();
  return samples.map((s) => {
    if (/production|logged/i.test(s.label)) return NEUTRAL;
    const k = seen.get(s.arm) ?? 0;
    seen.set(s.arm, k + 1);
    return shade(colors(s.arm), k === 0 ? 0 : Math.min(0.6, 0.25 * k) * (k % 2 === 1 ? -1 : 1));
  });
}

/** One legend entry per colour used: "production (logged)", "main candidates", ... */
function colorKey(samples: readonly ShapeSample[], palette: readonly string[]): LegendItem[] {
  const out: LegendItem[] = [];
  const seen = new Set<string>();
  samples.forEach((s, i) => {
    const color = palette[i] ?? NEUTRAL;
    if (seen.has(color)) return;
    seen.add(color);
    out.push({ label: color === NEUTRAL ? s.label : `${s.arm} \u00b7 ${s.label}`, color, mark: "box" });
  });
  return out;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function p90(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[Math.max(0, Math.ceil(0.9 * s.length) - 1)] as number);
}

const words = (x: number): string => (Number.isFinite(x) ? String(x) : "n/a");

export function shapesSection(data: DemoReportData, arms: readonly string[], colors: ArmColors): string {
  if (data.shapes.length === 0) return "";
  const samples = data.shapes;
  const { edges, overflow, counts } = sharedBins(samples);
  const nBins = counts[0]?.length ?? 0;
  const shares = counts.map((cs, i) => {
    const n = samples[i]?.lengths.length ?? 0;
    return cs.map((c) => (n > 0 ? c / n : 0));
  });
  const palette = sampleColors(samples, colors);
  const categories = Array.from({ length: nBins }, (_, i) => binLabel(edges, i));
  const yMax = Math.max(0.01, ...shares.flat());
  const histograms = arms
    .map((arm) => {
      const idx = samples.flatMap((s, i) => (s.arm === arm ? [i] : []));
      if (idx.length === 0 || nBins === 0) return "";
      const series: ColumnSeries[] = idx.map((i) => {
        const s = samples[i] as ShapeSample;
        const sh = shares[i] ?? [];
        return {
          name: `${s.label} (n = ${count(s.lengths.length)}, median ${words(median(s.lengths))})`,
          color: palette[i] ?? NEUTRAL,
          values: sh,
          notes: sh.map((v, b) => `${s.label}, ${categories[b] ?? ""} words: ${count(counts[i]?.[b] ?? 0)} answers (${pct(v)})`),
        };
      });
      const chart = columnChart({ kind: "lengths", aria: `Answer length histogram for ${arm}`, width: FULL_WIDTH, height: 300, categories, series, xTitle: `answer length (words)${overflow ? `, last bin: longer answers` : ""}`, yTitle: "share of answers", yLabel: pctTick, yMax });
      return `<h3><span class="swatch" style="--arm: ${escapeHtml(colors(arm))}"></span>${escapeHtml(arm)}</h3><figure class="figure">${chart}</figure>`;
    })
    .join("\n");
  const rows = samples.map((s) => `${s.arm} \u00b7 ${s.label}`);
  const refusals = barChart({
    kind: "refusals", aria: "Refusal rate per answer set", width: FULL_WIDTH, rows,
    series: [{ name: "refusal rate", color: NEUTRAL, values: samples.map((s) => s.refusalRate), rowColors: palette }],
    xTitle: "refusal rate", yTitle: "answer set", valueLabel: (v) => pct(v), tickLabel: pctTick, legendItems: colorKey(samples, palette),
  });
  const table = `<table class="data shape-stats"><thead><tr><th>Arm</th><th>Answers</th><th class="num">n</th><th class="num">Median words</th><th class="num">p90 words</th><th class="num">Refusals</th></tr></thead><tbody>
${samples.map((s) => `<tr><td class="arm">${escapeHtml(s.arm)}</td><td>${escapeHtml(s.label)}</td><td class="num">${count(s.lengths.length)}</td><td class="num">${escapeHtml(words(median(s.lengths)))}</td><td class="num">${escapeHtml(words(p90(s.lengths)))}</td><td class="num">${escapeHtml(pct(s.refusalRate))}</td></tr>`).join("\n")}
</tbody></table>`;
  return `<section class="section" id="shapes">
<h2>Answer lengths and refusals per arm</h2>
<p class="note">Every histogram uses the same bins and the same height scale; bar height is the share of that answer set's answers. Grey: production (logged) answers; colour: the arm's candidates.</p>
${histograms}
<h3>Refusal rate and length statistics</h3>
<figure class="figure">${refusals}</figure>
<div class="table-wrap">${table}</div>
</section>`;
}
