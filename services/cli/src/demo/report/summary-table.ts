// The plain-text summary the demo command prints when it finishes: stage timings, then per arm gold
// and thumbs-up before and after promotion and the canary's decisions with their reason codes.

import { dec, pct } from "./format.js";
import { armOutcomes, decisionCodes } from "./measures.js";
import type { DemoReportData } from "./types.js";

type Align = "left" | "right";

/** Fixed-width columns: each as wide as its widest cell; the last column is not padded. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[]): string {
  const clean = (s: string): string => s.replace(/[\r\n\t]+/g, " ");
  const all = [header, ...rows].map((r) => header.map((_, i) => clean(r[i] ?? "")));
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]): string =>
    r
      .map((cell, i) => {
        const last = i === r.length - 1;
        if ((align[i] ?? "left") === "right") return cell.padStart(widths[i] ?? 0);
        return last ? cell : cell.padEnd(widths[i] ?? 0);
      })
      .join("  ")
      .trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(all[0] ?? []), rule, ...all.slice(1).map(line)].join("\n");
}

export function summaryTable(data: DemoReportData): string {
  const blocks: string[] = [];
  if (data.stages.length) {
    const total = data.stages.reduce((a, s) => a + (Number.isFinite(s.seconds) ? s.seconds : 0), 0);
    const rows = data.stages.map((s) => [s.name, dec(s.seconds, 1), s.status, s.detail]);
    rows.push(["total", dec(total, 1), data.stages.some((s) => s.status === "failed") ? "failed" : "ok", `whole run ${dec(data.seconds, 1)} s`]);
    blocks.push(`Stages\n${textTable(["stage", "seconds", "status", "detail"], rows, ["left", "right", "left", "left"])}`);
  }
  const outcomes = armOutcomes(data);
  if (outcomes.length) {
    const rows = outcomes.map((o) => {
      const promoted = o.promotions.length > 0;
      return [
        o.arm,
        promoted ? `day ${o.promotions.map((p) => p.day).join(", ")}` : "never",
        dec(o.goldBefore),
        promoted ? dec(o.goldAfter) : "-",
        pct(o.thumbsBefore),
        promoted ? pct(o.thumbsAfter) : "-",
        o.decisions.length ? o.decisions.map((d) => `c${d.cycle} ${decisionCodes(d)}`).join("; ") : "-",
      ];
    });
    blocks.push(
      `Arms (gold and thumbs-up: means of daily values before / from the first promotion)\n${textTable(
        ["arm", "promoted", "gold before", "gold after", "thumbs before", "thumbs after", "canary"],
        rows,
        ["left", "left", "right", "right", "right", "right", "left"],
      )}`,
    );
  }
  return `${blocks.join("\n\n")}\n`;
}
