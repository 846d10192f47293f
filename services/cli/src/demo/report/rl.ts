// Reward-model score and gold utility against sqrt(KL to the reference) for every RL run: the
// reward-hacking picture (reward keeps rising while gold turns down) when it happens.

import { escapeHtml } from "@rlhf-loop/canary";
import { cycleDash, type ArmColors } from "./colors.js";
import { count, dec } from "./format.js";
import { lineChart, type LineSeries } from "./svg-line.js";
import type { DemoReportData, RlCurve, RlPoint } from "./types.js";

const HALF_WIDTH = 556;

export function rlSection(data: DemoReportData, colors: ArmColors): string {
  const curves = data.rlCurves.filter((r) => r.points.length > 0);
  if (curves.length === 0) return "";
  const name = (r: RlCurve): string => `${r.arm} \u00b7 cycle ${r.cycle}`;
  const series = (value: (p: RlPoint) => number | undefined, what: string): LineSeries[] =>
    curves
      .filter((r) => r.points.some((p) => value(p) !== undefined))
      .map((r) => {
        const dash = cycleDash(r.cycle);
        return {
          name: name(r),
          color: colors(r.arm),
          ...(dash ? { dash } : {}),
          points: r.points.map((p) => {
            const v = value(p) ?? Number.NaN;
            return { x: Math.sqrt(Math.max(0, p.kl)), y: v, note: `${name(r)}, step ${p.step}: KL ${dec(p.kl)} nats, ${what} ${dec(v)}` };
          }),
        };
      });
  const rewardSeries = series((p) => p.reward, "reward");
  const goldSeries = series((p) => p.gold, "gold");
  const chart = (kind: string, aria: string, yTitle: string, s: LineSeries[]): string =>
    lineChart({ kind, aria, width: HALF_WIDTH, height: 360, xTitle: "\u221aKL to the reference (\u221anats)", yTitle, xLabel: (v) => String(v), yLabel: (v) => String(v), xScale: "values", series: s, dots: false });
  const gold = goldSeries.length
    ? `<figure class="figure"><p class="chart-title">Gold utility (simulated product)</p>${chart("rl-gold", "Gold utility versus square root of KL per RL run", "gold utility", goldSeries)}</figure>`
    : `<p class="note">No gold utility was measured during RL (no simulated product).</p>`;
  return `<section class="section" id="rl">
<h2>Reward and gold utility versus \u221aKL</h2>
<p class="note">One line per RL run: colour is the arm, dash is the cycle. x is the square root of the mean sequence KL to the reference policy. A reward that keeps rising while gold utility turns down means the policy is exploiting its reward model.</p>
<div class="pair">
<figure class="figure"><p class="chart-title">Reward-model score</p>${chart("rl-reward", "Reward-model score versus square root of KL per RL run", "reward-model score", rewardSeries)}</figure>
${gold}
</div>
<div class="table-wrap"><table class="data rl-runs"><thead><tr><th>Arm</th><th class="num">Cycle</th><th>Run</th><th class="num">Steps</th><th class="num">Final KL</th><th class="num">\u221aKL</th><th class="num">Reward</th><th class="num">Gold</th><th>Outcome</th></tr></thead><tbody>
${curves.map(runRow).join("\n")}
</tbody></table></div>
</section>`;
}

function runRow(r: RlCurve): string {
  const last = r.points[r.points.length - 1];
  const first = r.points[0];
  const change = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined ? dec(b) : `${dec(a)} \u2192 ${dec(b)}`);
  return `<tr><td class="arm">${escapeHtml(r.arm)}</td><td class="num">${escapeHtml(String(r.cycle))}</td><td><code>${escapeHtml(r.runId)}</code></td><td class="num">${count(r.points.length)}</td><td class="num">${escapeHtml(dec(last?.kl))}</td><td class="num">${escapeHtml(dec(last ? Math.sqrt(Math.max(0, last.kl)) : undefined))}</td><td class="num">${escapeHtml(change(first?.reward, last?.reward))}</td><td class="num">${escapeHtml(change(first?.gold, last?.gold))}</td><td>${escapeHtml(r.outcome)}</td></tr>`;
}
