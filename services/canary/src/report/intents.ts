// The per-intent table: the key changes in every intent, so a shift that shows up everywhere is visible.

import type { MetricRow } from "../domain/types.js";
import { escapeHtml } from "./escape.js";
import { fmtCount, fmtNum, fmtPct, fmtSigned, pEquals } from "./format.js";
import { metricInfo, verdict, type MetricInfo } from "./metrics.js";
import { arrow, fmtDelta } from "./rates.js";

interface Column {
  readonly metric: string;
  readonly title: string;
  /** "change": the delta; "level": the candidate's own value (win rates are already a comparison). */
  readonly show: "change" | "level";
}

const COLUMNS: readonly Column[] = [
  { metric: "length_words", title: "Length change (words)", show: "change" },
  { metric: "refusal_rate", title: "Refusal change", show: "change" },
  { metric: "gold", title: "Gold change", show: "change" },
  { metric: "hard_check_pass", title: "Hard-check pass change", show: "change" },
  { metric: "reward_win_rate", title: "Reward win rate", show: "level" },
];

/** Rows: all tasks, then doc.intents in order, then any other intent the metrics mention. */
export function intentsSection(metrics: readonly MetricRow[], intents: readonly string[], byName: ReadonlyMap<string, readonly MetricRow[]>): string {
  const cell = new Map<string, MetricRow>();
  for (const r of metrics) cell.set(`${r.name}\u0000${r.intent}`, r);
  const columns = COLUMNS.filter((c) => byName.has(c.metric));
  const extra = [...new Set(metrics.map((r) => r.intent))].filter((i) => i !== "" && !intents.includes(i)).sort();
  const rows = ["", ...new Set(intents), ...extra].filter((i) => i === "" || columns.some((c) => cell.has(`${c.metric}\u0000${i}`)));
  const head = `<section class="section" id="intents"><h2>Per intent</h2>`;
  if (columns.length === 0) return `${head}<p class="muted">None of the per-intent metrics (length, refusal, gold, hard checks, win rate) are in this report.</p></section>`;
  const sizeMetric = columns[0]?.metric ?? "";
  const thead = `<thead><tr><th scope="col">Intent</th><th scope="col" class="num">answers<br><span class="muted">prod / cand</span></th>${columns.map((c) => `<th scope="col">${escapeHtml(c.title)}<code class="metric-name">${escapeHtml(c.metric)}</code></th>`).join("")}</tr></thead>`;
  const tbody = rows
    .map((intent) => {
      const size = cell.get(`${sizeMetric}\u0000${intent}`);
      const cells = columns.map((c) => {
        const r = cell.get(`${c.metric}\u0000${intent}`);
        return r ? metricCell(r, c, metricInfo(c.metric, byName.get(c.metric))) : `<td class="missing">\u2014</td>`;
      });
      const name = intent === "" ? "<strong>All tasks</strong>" : escapeHtml(intent);
      return `<tr${intent === "" ? ' class="all-row"' : ""}><th scope="row">${name}</th><td class="num">${size ? `${fmtCount(size.nProduction)} / ${fmtCount(size.nCandidate)}` : "\u2014"}</td>${cells.join("")}</tr>`;
    })
    .join("");
  return `${head}<p class="section-note">Change = candidate \u2212 production, with its 95% interval. Hover a cell for both sides and the p-value. Highlighted cells: the interval excludes zero, <span class="sig-good">better</span>, <span class="sig-bad">worse</span>, or <span class="sig-shift">a shift</span> (shape metrics have no better direction). \u25b2 up, \u25bc down.</p><table class="intent-table">${thead}<tbody>${tbody}</tbody></table></section>`;
}

function metricCell(r: MetricRow, c: Column, info: MetricInfo): string {
  const v = verdict(r, info);
  const cls = v ? ` class="sig sig-${v}"` : "";
  const title = `${info.label}: production ${level(r.production.estimate, info)}, candidate ${level(r.candidate.estimate, info)}; change ${fmtDelta(r.delta.estimate, info)} [${fmtDelta(r.delta.low, info)}, ${fmtDelta(r.delta.high, info)}], ${pEquals(r.pValue)}`;
  if (c.show === "level") {
    return `<td${cls} title="${escapeHtml(title)}"><span class="main">${arrow(r.delta.estimate)} ${level(r.candidate.estimate, info)}</span><span class="sub">[${level(r.candidate.low, info)}, ${level(r.candidate.high, info)}]</span></td>`;
  }
  const rel = c.metric === "length_words" && r.production.estimate !== 0 ? ` <span class="rel">(${fmtSigned((100 * r.delta.estimate) / r.production.estimate)}%)</span>` : "";
  return `<td${cls} title="${escapeHtml(title)}"><span class="main">${arrow(r.delta.estimate)} ${fmtDelta(r.delta.estimate, info)}${rel}</span><span class="sub">[${fmtDelta(r.delta.low, info)}, ${fmtDelta(r.delta.high, info)}]</span></td>`;
}

function level(v: number, info: MetricInfo): string {
  return info.rate ? fmtPct(v) : fmtNum(v);
}
