// The demo's report: the HTML page and the printed summary, both from DemoReportData.
export { renderDemoReport } from "./page.js";
export { summaryTable } from "./summary-table.js";
export { headlineSentences } from "./headline.js";
export { armOutcomes, type ArmOutcome } from "./measures.js";
export type * from "./types.js";
