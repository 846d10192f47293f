// The top of the page: what happened, in a few sentences built from the measured data, and one
// card per arm with gold and thumbs-up before and after promotion and the canary's decisions.

import { escapeHtml } from "@rlhf-loop/canary";
import type { ArmColors } from "./colors.js";
import { count, dec, movement, pct, seconds } from "./format.js";
import { armOutcomes, type ArmOutcome } from "./measures.js";
import type { CanaryDecisionFacts, DemoReportData } from "./types.js";

const VERB: Readonly<Record<CanaryDecisionFacts["decision"], string>> = { promote: "promoted", hold: "held", reject: "rejected" };

export function headerSection(data: DemoReportData, colors: ArmColors): string {
  const outcomes = armOutcomes(data);
  const sentences = headlineSentences(data, outcomes);
  const failed = data.stages.filter((s) => s.status === "failed").length;
  const stageLine = data.stages.length === 0 ? "" : ` \u00b7 ${data.stages.length} stages, ${failed === 0 ? "none failed" : `${failed} failed`}`;
  return `<header class="report-header" id="summary">
<p class="kicker">rlhf demo \u00b7 ${escapeHtml(data.mode)} mode \u00b7 seed ${escapeHtml(String(data.seed))}</p>
<h1>${escapeHtml(data.title)}</h1>
<p class="meta">Started ${escapeHtml(data.startedAt)} \u00b7 ran ${escapeHtml(seconds(data.seconds))}${escapeHtml(stageLine)}</p>
${sentences.length ? `<div class="headline">${sentences.map((s) => `<p>${escapeHtml(s)}</p>`).join("")}</div>` : ""}
${outcomes.length ? `<div class="arm-cards">${outcomes.map((o) => armCard(o, colors(o.arm))).join("")}</div>` : ""}
</header>`;
}

/** The headline as plain sentences (escape before writing into HTML). */
export function headlineSentences(data: DemoReportData, outcomes: readonly ArmOutcome[] = armOutcomes(data)): string[] {
  const out: string[] = [];
  for (const o of outcomes) {
    const first = o.promotions[0];
    if (first && o.goldBefore !== null && o.goldAfter !== null) {
      let s = `On the ${o.arm} arm, gold utility ${movement(o.goldBefore, o.goldAfter, (x) => dec(x))} after ${first.policyVersion} was promoted on day ${first.day}`;
      if (o.thumbsBefore !== null && o.thumbsAfter !== null) s += `; the thumbs-up rate ${movement(o.thumbsBefore, o.thumbsAfter, (x) => pct(x))}`;
      s += ` (means of ${o.daysBefore} daily values before and ${o.daysAfter} from day ${first.day} on).`;
      const later = o.promotions.slice(1);
      if (later.length) s += ` ${later.map((p) => `${p.policyVersion} followed on day ${p.day}`).join(", ")}.`;
      out.push(s);
    } else if (first) {
      out.push(`On the ${o.arm} arm, ${first.policyVersion} was promoted on day ${first.day}.`);
    }
    for (const d of o.decisions) {
      if (d.decision === "promote" && o.promotions.length > 0) continue;
      const codes = d.reasons.map((r) => r.code);
      let s = `The ${o.arm} arm's cycle ${d.cycle} candidate ${d.candidate} was ${VERB[d.decision]} by the canary`;
      if (codes.length) s += ` for ${joinWords(codes)}`;
      if (d.decision !== "promote" && o.promotions.length === 0 && o.goldBefore !== null) s += `; the arm was never promoted (gold ${dec(o.goldBefore)}, mean of ${o.daysBefore} days)`;
      out.push(`${s}.`);
    }
  }
  for (const rm of data.rewardModels) {
    const flagged = rm.checks.filter((c) => c.flagged).map((c) => c.name);
    if (flagged.length) out.push(`Reward model ${rm.modelId} (${rm.arm}) was flagged by ${joinWords(flagged)}.`);
  }
  for (const d of data.drift) {
    if (d.alerts.length) out.push(`Drift in ${d.week}: ${joinWords(d.alerts)}${d.psi === null ? "" : ` (PSI ${dec(d.psi)})`}; retrain: ${d.retrain}.`);
  }
  for (const s of data.stages) {
    if (s.status === "failed") out.push(`Stage "${s.name}" failed${s.detail ? `: ${s.detail}` : ""}.`);
  }
  return out;
}

function joinWords(xs: readonly string[]): string {
  if (xs.length <= 1) return xs.join("");
  return `${xs.slice(0, -1).join(", ")} and ${xs[xs.length - 1] ?? ""}`;
}

function armCard(o: ArmOutcome, color: string): string {
  const first = o.promotions[0];
  const pair = (before: number | null, after: number | null, show: (x: number | null) => string): string =>
    first ? `${show(before)} \u2192 ${show(after)}` : `${show(before)} <span class="sub">(never promoted)</span>`;
  const when = first ? `before day ${first.day} \u2192 from day ${first.day}` : `all ${count(o.daysBefore)} days`;
  const decisions = o.decisions.length
    ? `<div class="decisions">${o.decisions.map((d) => `<span class="badge badge-${escapeHtml(d.decision)}" title="${escapeHtml(d.reasons.map((r) => `${r.code}: ${r.message}`).join("\n"))}">cycle ${d.cycle}: ${escapeHtml(d.decision)}</span> ${d.reasons.length ? `<code>${escapeHtml(d.reasons.map((r) => r.code).join(", "))}</code>` : ""}`).join("")}</div>`
    : "";
  return `<section class="arm-card" data-arm="${escapeHtml(o.arm)}" style="--arm: ${escapeHtml(color)}">
<h3><span class="swatch"></span>${escapeHtml(o.arm)}</h3>
<dl>
<dt>promoted</dt><dd>${first ? escapeHtml(o.promotions.map((p) => `day ${p.day} (${p.policyVersion})`).join(", ")) : "never"}</dd>
<dt>gold utility</dt><dd class="gold">${pair(o.goldBefore, o.goldAfter, (x) => escapeHtml(dec(x)))} <span class="sub">${escapeHtml(when)}</span></dd>
<dt>thumbs-up rate</dt><dd class="thumbs">${pair(o.thumbsBefore, o.thumbsAfter, (x) => escapeHtml(pct(x)))}</dd>
</dl>
${decisions}
</section>`;
}
