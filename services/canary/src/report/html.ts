// renderReportHtml: the canary report as one self-contained HTML page (inline CSS and SVG, no
// scripts, nothing fetched), for a release owner deciding whether the candidate ships.

import type { CanaryReportDoc, Decision, MetricRow } from "../domain/types.js";
import { allMetricsSection } from "./all-metrics.js";
import { escapeHtml } from "./escape.js";
import { examplesSection } from "./examples.js";
import { DECISION_TEXT, headerSection, productionLabel } from "./header.js";
import { intentsSection } from "./intents.js";
import { lengthsSection } from "./lengths.js";
import { ratesSection } from "./rates.js";
import { STYLES } from "./styles.js";

const DECISIONS: readonly Decision[] = ["promote", "hold", "reject"];

// No script may run and nothing may load, even if some text escaped our escaping.
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/** Renders the report. Pure: the same document always gives the same string. */
export function renderReportHtml(doc: CanaryReportDoc): string {
  if (!DECISIONS.includes(doc.decision)) throw new TypeError(`decision must be one of ${DECISIONS.join(", ")}, got ${JSON.stringify(doc.decision)}`);
  const byName = new Map<string, MetricRow[]>();
  for (const r of doc.metrics) {
    const list = byName.get(r.name);
    if (list) list.push(r);
    else byName.set(r.name, [r]);
  }
  const overall = doc.metrics.filter((r) => r.intent === "");
  const lengthRow = overall.find((r) => r.name === "length_words");
  const title = `Canary report: ${doc.candidateVersion} vs ${productionLabel(doc)} \u00b7 ${DECISION_TEXT[doc.decision]} \u00b7 ${doc.tenantId}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLES}</style>
</head>
<body>
<main class="page">
${headerSection(doc)}
${lengthsSection(doc, lengthRow)}
${ratesSection(overall, byName)}
${intentsSection(doc.metrics, doc.intents, byName)}
${examplesSection(doc, productionLabel(doc))}
${allMetricsSection(doc.metrics, doc.intents, byName)}
<footer class="report-footer">Report ${escapeHtml(doc.reportId)} \u00b7 run ${escapeHtml(doc.runId)} \u00b7 created ${escapeHtml(doc.createdAt)} \u00b7 intervals are 95%; changes are candidate \u2212 production.</footer>
</main>
</body>
</html>
`;
}
