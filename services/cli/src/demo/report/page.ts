// renderDemoReport: what the full-loop demo measured, as one self-contained HTML page (inline CSS
// and SVG, no script, nothing fetched). Pure: the same data always gives the same string.

import { escapeHtml } from "@rlhf-loop/canary";
import { armColors } from "./colors.js";
import { daysSection } from "./days.js";
import { headerSection } from "./headline.js";
import { armOrder } from "./measures.js";
import { rlSection } from "./rl.js";
import { shapesSection } from "./shapes.js";
import { DEMO_STYLES } from "./styles.js";
import { canarySection, driftSection, rewardModelsSection, stagesSection } from "./tables.js";
import type { DemoReportData } from "./types.js";
import { weightsSection } from "./weights.js";

// Nothing may run or load, even if some text slipped past the escaping.
const CSP = "default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'";

export function renderDemoReport(data: DemoReportData): string {
  const arms = armOrder(data);
  const colors = armColors(arms);
  const sections = [
    headerSection(data, colors),
    daysSection(data, arms, colors),
    rlSection(data, colors),
    shapesSection(data, arms, colors),
    weightsSection(data, colors),
    rewardModelsSection(data),
    canarySection(data),
    driftSection(data),
    stagesSection(data),
  ].filter((s) => s !== "");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(data.title)}</title>
<style>${DEMO_STYLES}</style>
</head>
<body>
<main class="page">
${sections.join("\n")}
<footer class="report-footer">rlhf demo \u00b7 ${escapeHtml(data.mode)} mode \u00b7 seed ${escapeHtml(String(data.seed))} \u00b7 started ${escapeHtml(data.startedAt)}. Gold utility is the simulated product's hidden truth; the system under test never sees it.</footer>
</main>
</body>
</html>
`;
}
