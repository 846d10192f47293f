// The page header: what was compared, on what, and the gate's decision with its reasons.

import type { CanaryReportDoc, Decision } from "../domain/types.js";
import { escapeHtml } from "./escape.js";
import { fmtCount } from "./format.js";

export const DECISION_TEXT: Readonly<Record<Decision, string>> = {
  promote: "Promote",
  hold: "Hold",
  reject: "Reject",
};

const DECISION_HINT: Readonly<Record<Decision, string>> = {
  promote: "The candidate passed the gate and may serve traffic.",
  hold: "The candidate is not shipped until someone looks at the reasons below.",
  reject: "The candidate failed the gate and must not ship.",
};

/** "production (logged answers)" for the logged baseline, else the production policy version. */
export function productionLabel(doc: CanaryReportDoc): string {
  return doc.productionVersion === "" ? "production (logged answers)" : doc.productionVersion;
}

export function headerSection(doc: CanaryReportDoc): string {
  const e = escapeHtml;
  const facts: [string, string][] = [
    ["Tenant", e(doc.tenantId)],
    ["Canary set", `${e(doc.canarySetId)} <span class="muted">v${e(String(doc.canarySetVersion))}</span>`],
    ["Reward model", e(doc.rewardModelId) || '<span class="muted">none</span>'],
    ["Run", e(doc.runId)],
    ["Report", e(doc.reportId)],
    ["Created", e(doc.createdAt)],
    ["Tasks \u00d7 samples", `${fmtCount(doc.tasks)} \u00d7 ${fmtCount(doc.samplesPerTask)} = ${fmtCount(doc.tasks * doc.samplesPerTask)} answers per side`],
  ];
  const reasons = doc.reasons.length
    ? `<ol class="reasons">${doc.reasons
        .map(
          (r) =>
            `<li><code class="reason-code">${e(r.code)}</code> <span class="reason-message">${e(r.message)}</span>` +
            (r.metrics.length ? ` <span class="reason-metrics">${r.metrics.map((m) => `<code>${e(m)}</code>`).join(" ")}</span>` : "") +
            `</li>`,
        )
        .join("")}</ol>`
    : `<p class="reasons none">No reasons recorded.</p>`;
  return `<header class="report-header">
<div class="title-row">
<div class="titles">
<p class="kicker">Canary report</p>
<h1><span class="side-tag candidate">candidate</span> ${e(doc.candidateVersion)} <span class="vs">vs</span> <span class="side-tag production">production</span> ${e(productionLabel(doc))}</h1>
</div>
<div class="decision decision-${doc.decision}" id="decision" role="status" aria-label="Decision: ${DECISION_TEXT[doc.decision]}">
<span class="decision-label">Decision</span><span class="decision-value">${DECISION_TEXT[doc.decision]}</span>
</div>
</div>
<dl class="facts">${facts.map(([k, v]) => `<div><dt>${k}</dt><dd>${v}</dd></div>`).join("")}</dl>
<div class="decision-detail decision-${doc.decision}">
<p class="decision-hint">${DECISION_HINT[doc.decision]}</p>
<h2 class="reasons-title">Reasons</h2>
${reasons}
</div>
</header>`;
}
