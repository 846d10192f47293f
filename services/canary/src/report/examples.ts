// Example answers side by side. Answers and prompts are user content: everything is escaped.

import type { CanaryReportDoc } from "../domain/types.js";
import { escapeHtml } from "./escape.js";
import { fmtCount } from "./format.js";

function words(text: string): number {
  const t = text.trim();
  return t === "" ? 0 : t.split(/\s+/).length;
}

export function examplesSection(doc: CanaryReportDoc, productionName: string): string {
  const head = `<section class="section" id="examples"><h2>Example answers</h2>`;
  if (doc.examples.length === 0) return `${head}<p class="muted">No example answers in this report.</p></section>`;
  const items = doc.examples
    .map(
      (x, i) => `<article class="example">
<p class="example-head"><span class="intent-tag">${escapeHtml(x.intent)}</span> <span class="muted">example ${i + 1}</span></p>
<div class="prompt"><span class="answer-label">Customer</span><p class="text">${escapeHtml(x.prompt)}</p></div>
<div class="answers">
<div class="answer production"><span class="answer-label">${escapeHtml(productionName)} \u00b7 ${fmtCount(words(x.production))} words</span><p class="text">${escapeHtml(x.production)}</p></div>
<div class="answer candidate"><span class="answer-label">candidate \u00b7 ${fmtCount(words(x.candidate))} words</span><p class="text">${escapeHtml(x.candidate)}</p></div>
</div>
</article>`,
    )
    .join("");
  return `${head}<div class="examples">${items}</div></section>`;
}
