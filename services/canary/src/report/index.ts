// The canary report page: a pure renderer from the stored report document to self-contained HTML.
export { renderReportHtml } from "./html.js";
export { binLengths, type LengthBins } from "./histogram.js";
export { escapeHtml } from "./escape.js";
