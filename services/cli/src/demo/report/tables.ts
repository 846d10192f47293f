// The table sections: reward-model diagnostics (flagged checks highlighted), canary decisions with
// their reasons, weekly drift, and stage timings.

import { escapeHtml } from "@rlhf-loop/canary";
import { count, dec, pct, seconds } from "./format.js";
import type { DemoReportData, RewardModelFacts } from "./types.js";

export function rewardModelsSection(data: DemoReportData): string {
  if (data.rewardModels.length === 0) return "";
  return `<section class="section" id="reward-models">
<h2>Reward-model diagnostics</h2>
<p class="note">Checks run on held-out pairs after training. A flagged check means the model learned a proxy (length, hedging, refusals) rather than what raters meant.</p>
<div class="table-wrap"><table class="data diagnostics"><thead><tr><th>Arm</th><th>Model</th><th class="num">Held-out accuracy</th><th>Status</th><th>Check</th><th class="num">Value</th><th>Result</th><th>What a flag means</th></tr></thead><tbody>
${data.rewardModels.map(modelRows).join("\n")}
</tbody></table></div>
</section>`;
}

function modelRows(rm: RewardModelFacts): string {
  const span = Math.max(1, rm.checks.length);
  const head = `<td class="model arm" rowspan="${span}">${escapeHtml(rm.arm)}</td><td class="model" rowspan="${span}"><code>${escapeHtml(rm.modelId)}</code></td><td class="model num" rowspan="${span}">${escapeHtml(pct(rm.heldOutAccuracy))}</td><td class="model" rowspan="${span}">${escapeHtml(rm.status)}</td>`;
  if (rm.checks.length === 0) return `<tr>${head}<td colspan="4" class="note">no diagnostic checks recorded</td></tr>`;
  return rm.checks
    .map((ck, i) => {
      const result = ck.flagged ? `<span class="badge badge-flagged">flagged</span>` : `<span class="badge badge-ok">ok</span>`;
      return `<tr class="${ck.flagged ? "flagged" : "passed"}">${i === 0 ? head : ""}<td class="check-name"><code>${escapeHtml(ck.name)}</code></td><td class="num">${escapeHtml(dec(ck.value))}</td><td>${result}</td><td>${escapeHtml(ck.detail)}</td></tr>`;
    })
    .join("");
}

export function canarySection(data: DemoReportData): string {
  if (data.canary.length === 0) return "";
  const rows = data.canary.map((d) => {
    const reasons = d.reasons.length ? `<ul class="reasons">${d.reasons.map((r) => `<li><span class="reason-code">${escapeHtml(r.code)}</span>: ${escapeHtml(r.message)}</li>`).join("")}</ul>` : `<span class="note">no reasons given</span>`;
    const gold = d.goldBefore === undefined && d.goldAfter === undefined ? "" : `${dec(d.goldBefore)} \u2192 ${dec(d.goldAfter)}`;
    return `<tr class="decision-${escapeHtml(d.decision)}"><td class="arm">${escapeHtml(d.arm)}</td><td class="num">${escapeHtml(String(d.cycle))}</td><td><code>${escapeHtml(d.candidate)}</code></td><td><span class="badge badge-${escapeHtml(d.decision)}">${escapeHtml(d.decision)}</span></td><td>${reasons}</td><td class="num">${escapeHtml(gold)}</td><td class="num">${d.winRate === undefined ? "" : escapeHtml(pct(d.winRate))}</td><td><code>${escapeHtml(d.reportId)}</code></td></tr>`;
  });
  return `<section class="section" id="canary">
<h2>Canary decisions</h2>
<p class="note">Each candidate answered the canary set next to production. Gold is production \u2192 candidate; win rate is how often the reward model prefers the candidate's answer.</p>
<div class="table-wrap"><table class="data canary-table"><thead><tr><th>Arm</th><th class="num">Cycle</th><th>Candidate</th><th>Decision</th><th>Reasons</th><th class="num">Gold</th><th class="num">Win rate</th><th>Report</th></tr></thead><tbody>
${rows.join("\n")}
</tbody></table></div>
</section>`;
}

export function driftSection(data: DemoReportData): string {
  if (data.drift.length === 0) return "";
  const rows = data.drift.map(
    (d) => `<tr class="${d.alerts.length ? "alert" : "quiet"}"><td>${escapeHtml(d.week)}</td><td class="num">${escapeHtml(d.psi === null ? "n/a" : dec(d.psi))}</td><td>${d.alerts.length ? d.alerts.map((a) => `<code>${escapeHtml(a)}</code>`).join(" ") : `<span class="note">none</span>`}</td><td>${escapeHtml(d.retrain)}</td></tr>`,
  );
  return `<section class="section" id="drift">
<h2>Weekly drift</h2>
<p class="note">Population stability index of the week's traffic against the training window (0.1 is a moderate shift, 0.25 a large one), the alerts that fired and what was retrained.</p>
<div class="table-wrap"><table class="data drift-table"><thead><tr><th>Week</th><th class="num">PSI</th><th>Alerts</th><th>Retrain</th></tr></thead><tbody>
${rows.join("\n")}
</tbody></table></div>
</section>`;
}

export function stagesSection(data: DemoReportData): string {
  if (data.stages.length === 0) return "";
  const secs = (s: { readonly seconds: number }): number => (Number.isFinite(s.seconds) ? Math.max(0, s.seconds) : 0);
  const total = data.stages.reduce((a, s) => a + secs(s), 0);
  const longest = Math.max(0, ...data.stages.map(secs));
  const rows = data.stages.map((s) => {
    const share = total > 0 ? secs(s) / total : 0;
    // Bars relative to the longest stage, labelled with the share of all stage time.
    const width = longest > 0 ? (100 * secs(s)) / longest : 0;
    return `<tr class="stage-${escapeHtml(s.status)}"><td>${escapeHtml(s.name)}</td><td class="num">${escapeHtml(seconds(s.seconds))}</td><td class="share-cell"><span class="share-track"><span class="share-bar" style="width: ${width.toFixed(1)}%"></span></span><span class="share-text">${escapeHtml(pct(share))}</span></td><td><span class="badge badge-${escapeHtml(s.status)}">${escapeHtml(s.status)}</span></td><td>${escapeHtml(s.detail)}</td></tr>`;
  });
  return `<section class="section" id="stages">
<h2>Stages</h2>
<div class="table-wrap"><table class="data stages-table"><thead><tr><th>Stage</th><th class="num">Time</th><th>Share of stage time</th><th>Status</th><th>Detail</th></tr></thead><tbody>
${rows.join("\n")}
<tr class="total"><td>total (${count(data.stages.length)} stages)</td><td class="num">${escapeHtml(seconds(total))}</td><td></td><td></td><td>whole run ${escapeHtml(seconds(data.seconds))}</td></tr>
</tbody></table></div>
</section>`;
}
