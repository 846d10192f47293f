import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { CanaryReportDoc, Interval, MetricRow } from "../domain/types.js";
import { escapeHtml } from "./escape.js";
import { fmtNum, fmtP, fmtPct, fmtPp, fmtSigned } from "./format.js";
import { binLengths } from "./histogram.js";
import { renderReportHtml } from "./html.js";
import { niceTicks } from "./scale.js";

const iv = (estimate: number, low: number, high: number): Interval => ({ estimate, low, high });

function row(name: string, intent: string, production: Interval, candidate: Interval, delta: Interval, test = "bootstrap", pValue = 0.5): MetricRow {
  return { name, intent, production, candidate, delta, pValue, test, nCandidate: 40, nProduction: 40 };
}

const BASE_METRICS: readonly MetricRow[] = [
  row("length_words", "", iv(48, 46, 50), iv(33, 31, 35), iv(-15, -17.5, -12.5), "ks", 1e-9),
  row("hard_check_pass", "", iv(0.9, 0.85, 0.94), iv(0.91, 0.86, 0.95), iv(0.01, -0.04, 0.06), "two_proportion_z", 0.7),
  row("refusal_rate", "", iv(0.05, 0.03, 0.08), iv(0.12, 0.09, 0.15), iv(0.07, 0.03, 0.11), "two_proportion_z", 0.001),
  row("hedge_rate", "", iv(0.2, 0.15, 0.25), iv(0.18, 0.13, 0.23), iv(-0.02, -0.08, 0.04), "two_proportion_z"),
  row("disclaimer_rate", "", iv(0.1, 0.07, 0.13), iv(0.1, 0.07, 0.13), iv(0, -0.04, 0.04), "two_proportion_z", 1),
  row("clarifying_rate", "", iv(0.3, 0.25, 0.35), iv(0.2, 0.15, 0.25), iv(-0.1, -0.16, -0.04), "two_proportion_z", 0.002),
  row("reward", "", iv(0.1, 0.05, 0.15), iv(0.4, 0.35, 0.45), iv(0.3, 0.24, 0.36)),
  row("reward_win_rate", "", iv(0.5, 0.5, 0.5), iv(0.71, 0.66, 0.76), iv(0.21, 0.16, 0.26)),
  row("length_words", "refund_in_window", iv(60, 56, 64), iv(40, 37, 43), iv(-20, -24, -16), "ks", 1e-6),
  row("length_words", "password_reset", iv(30, 28, 32), iv(29, 27, 31), iv(-1, -3.5, 1.5), "ks", 0.4),
  row("refusal_rate", "refund_in_window", iv(0.02, 0, 0.05), iv(0.02, 0, 0.05), iv(0, -0.03, 0.03), "two_proportion_z", 1),
  row("reward_win_rate", "refund_in_window", iv(0.5, 0.5, 0.5), iv(0.8, 0.7, 0.9), iv(0.3, 0.2, 0.4)),
];

const SIM_METRICS: readonly MetricRow[] = [
  row("gold", "", iv(0.2, 0.1, 0.3), iv(0.1, 0, 0.2), iv(-0.1, -0.2, -0.01)),
  row("escalation_rate", "", iv(0.1, 0.08, 0.12), iv(0.13, 0.1, 0.16), iv(0.03, 0, 0.06)),
  row("reopen_rate", "", iv(0.05, 0.04, 0.06), iv(0.05, 0.04, 0.06), iv(0, -0.01, 0.01)),
  row("refund_rate", "", iv(0.2, 0.18, 0.22), iv(0.19, 0.17, 0.21), iv(-0.01, -0.03, 0.01)),
  row("rubric:followed_refund_policy", "", iv(0.7, 0.65, 0.75), iv(0.6, 0.55, 0.65), iv(-0.1, -0.17, -0.03)),
  row("gold", "refund_in_window", iv(0.3, 0.2, 0.4), iv(0.1, 0, 0.2), iv(-0.2, -0.3, -0.1)),
];

function doc(over: Partial<CanaryReportDoc> = {}): CanaryReportDoc {
  return {
    reportId: "rep-1",
    tenantId: "acme",
    candidateVersion: "policy-7",
    productionVersion: "",
    canarySetId: "set-3",
    canarySetVersion: 2,
    rewardModelId: "rm-4",
    runId: "run-9",
    decision: "hold",
    reasons: [{ code: "shorter_everywhere", message: "Answers are shorter in every intent.", metrics: ["length_words"] }],
    metrics: BASE_METRICS,
    tasks: 10,
    samplesPerTask: 4,
    createdAt: "2025-03-03T10:00:00.000Z",
    lengths: { candidate: [30, 31, 35, 40, 22, 18, 33, 34], production: [45, 50, 52, 61, 40, 44, 48, 49] },
    intents: ["refund_in_window", "password_reset"],
    examples: [{ intent: "refund_in_window", prompt: "Can I get my money back?", candidate: "Yes, refund started.", production: "Yes: you are inside the 30-day window, so I started the refund." }],
    ...over,
  };
}

const count = (html: string, needle: string | RegExp): number => (typeof needle === "string" ? html.split(needle).length - 1 : [...html.matchAll(new RegExp(needle, "g"))].length);

test("escapeHtml escapes the five HTML metacharacters", () => {
  assert.equal(escapeHtml(`<a href="x" title='y'>&</a>`), "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
  assert.equal(escapeHtml("plain text"), "plain text");
});

test("every text from the document is escaped: no markup from answers, prompts, names or reasons survives", () => {
  const evil = `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">`;
  const html = renderReportHtml(
    doc({
      tenantId: `<b>acme</b>`,
      candidateVersion: `p"7`,
      canarySetId: evil,
      reasons: [{ code: "<i>code</i>", message: evil, metrics: [evil] }],
      intents: ["refund_in_window", evil],
      metrics: [...BASE_METRICS, row("length_words", evil, iv(1, 0, 2), iv(1, 0, 2), iv(0, -1, 1), "ks"), row(`rubric:${evil}`, "", iv(0.5, 0.4, 0.6), iv(0.5, 0.4, 0.6), iv(0, -0.1, 0.1))],
      examples: [{ intent: evil, prompt: evil, candidate: `${evil} & "quoted"`, production: evil }],
    }),
  );
  // The page has no script and no image elements at all, so none can come from the document.
  assert.equal(count(html, /<script/i), 0);
  assert.equal(count(html, /<img/i), 0);
  assert.equal(count(html, "<b>acme"), 0);
  assert.equal(count(html, "<i>code"), 0);
  assert.ok(html.includes("&lt;script&gt;window.__pwned=1&lt;/script&gt;&lt;img src=x onerror=&quot;window.__pwned=2&quot;&gt; &amp; &quot;quoted&quot;"));
  assert.ok(html.includes("&lt;b&gt;acme&lt;/b&gt;"));
  assert.ok(html.includes("p&quot;7"));
  // A Content-Security-Policy that forbids scripts and loads, as a second line of defence.
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'/);
});

test("every metric present in the document appears on the page, and the header shows the run", () => {
  const d = doc({ metrics: [...BASE_METRICS, ...SIM_METRICS] });
  const html = renderReportHtml(d);
  for (const r of d.metrics) {
    assert.ok(html.includes(`<code>${escapeHtml(r.name)}</code>`), `${r.name} in the all-metrics table`);
    if (r.intent === "" && r.name !== "length_words") assert.equal(count(html, `data-metric="${r.name}"`), 1, `${r.name} has one chart panel`);
  }
  assert.match(html, /id="ks-p">p &lt; 0.001</);
  assert.match(html, /class="decision decision-hold"[^>]*>\s*<span class="decision-label">Decision<\/span><span class="decision-value">Hold<\/span>/);
  assert.match(html, /<code class="reason-code">shorter_everywhere<\/code> <span class="reason-message">Answers are shorter in every intent.<\/span>/);
  assert.ok(html.includes("production (logged answers)"));
  for (const s of ["acme", "policy-7", "set-3", "v2", "rm-4", "run-9", "2025-03-03T10:00:00.000Z", "10 \u00d7 4 = 40 answers per side"]) assert.ok(html.includes(s), s);
  // Gold is present, so the per-intent table has a gold column.
  assert.ok(html.includes("Gold change"));
  for (const g of ["checks", "shape", "outcomes", "scores", "rubric"]) assert.ok(html.includes(`id="group-${g}"`), g);
  // A named production version replaces the logged-answers label.
  assert.ok(!renderReportHtml(doc({ productionVersion: "policy-6" })).includes("production (logged answers)"));
});

test("metrics the report lacks (the simulated product's gold, outcomes, rubric) produce no charts, columns or groups", () => {
  const html = renderReportHtml(doc());
  for (const m of ["gold", "escalation_rate", "reopen_rate", "refund_rate", "rubric:"]) assert.ok(!html.includes(`data-metric="${m}`), m);
  assert.ok(!html.includes("Gold change"));
  assert.ok(!html.includes('id="group-outcomes"'));
  assert.ok(!html.includes('id="group-rubric"'));
  const overallPanels = BASE_METRICS.filter((r) => r.intent === "" && r.name !== "length_words").length;
  // One histogram plus one chart per metric panel; nothing else draws an SVG.
  assert.equal(count(html, "<svg"), 1 + overallPanels);
  assert.equal(count(html, 'class="panel"'), overallPanels);
  // No lengths and no metrics: no empty charts, a sentence instead.
  const empty = renderReportHtml(doc({ metrics: [], lengths: { candidate: [], production: [] }, examples: [] }));
  assert.equal(count(empty, "<svg"), 0);
  assert.ok(empty.includes("No answer lengths in this report."));
  assert.ok(empty.includes("No example answers in this report."));
});

test("binLengths matches hand counts on shared bins", () => {
  // min 0, max 10, 2.2 words per bin wanted -> nice width 5: [0,5) [5,10) [10,15).
  const a = binLengths([0, 1, 2, 3, 10], [5, 5, 5], 5);
  assert.deepEqual(a, { edges: [0, 5, 10, 15], overflow: false, width: 5, candidate: [4, 0, 1], production: [0, 3, 0] });
  // min 3, max 8, width 2 starting at the multiple of 2 below the minimum: [2,4) [4,6) [6,8) [8,10).
  const b = binLengths([3, 4, 5, 6, 7, 8], [], 3);
  assert.deepEqual(b, { edges: [2, 4, 6, 8, 10], overflow: false, width: 2, candidate: [1, 2, 2, 1], production: [0, 0, 0, 0] });
  // One answer of 1000 words among answers of about 10: it goes to an overflow bin ">= 13", not to the axis.
  const c = binLengths([12, 9], [...Array<number>(100).fill(10), 1000]);
  assert.deepEqual(c, { edges: [9, 10, 11, 12, 13, Number.POSITIVE_INFINITY], overflow: true, width: 1, candidate: [1, 0, 0, 1, 0], production: [0, 100, 0, 0, 1] });
  assert.deepEqual(binLengths([], []), { edges: [], overflow: false, width: 1, candidate: [], production: [] });
  assert.throws(() => binLengths([3, -1], []), /lengths.candidate\[1\] must be a finite non-negative number/);
  assert.throws(() => binLengths([], [Number.NaN]), /lengths.production\[0\]/);
});

test("binLengths: every length lands in the bin whose edges hold it, and counts sum to the sample sizes", () => {
  const lengths = fc.array(fc.oneof(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 20000 })), { maxLength: 300 });
  fc.assert(
    fc.property(lengths, lengths, fc.integer({ min: 1, max: 60 }), (cand, prod, target) => {
      const bins = binLengths(cand, prod, target);
      const nBins = bins.edges.length - 1;
      assert.equal(bins.candidate.length, Math.max(0, nBins));
      assert.equal(bins.candidate.reduce((s, x) => s + x, 0), cand.length);
      assert.equal(bins.production.reduce((s, x) => s + x, 0), prod.length);
      // Recount by brute force against the edges.
      for (const [xs, counts] of [[cand, bins.candidate], [prod, bins.production]] as const) {
        const recount = new Array<number>(Math.max(0, nBins)).fill(0);
        for (const x of xs) {
          const i = bins.edges.findIndex((e, k) => k < nBins && x >= e && x < (bins.edges[k + 1] as number));
          assert.ok(i >= 0, `${x} has a bin`);
          recount[i]! += 1;
        }
        assert.deepEqual(counts, recount);
      }
      if (cand.length + prod.length > 0) assert.ok(nBins <= 2 * target + 2, `${nBins} bins for target ${target}`);
    }),
  );
});

test("the histogram drawn on the page holds every answer of both sides", () => {
  const lengths = { candidate: [3, 8, 8, 9, 15, 22, 22, 22, 40, 41], production: [10, 12, 19, 25, 25, 30, 31, 44, 52, 60, 61, 75] };
  const html = renderReportHtml(doc({ lengths }));
  const sum = (side: string): number => [...html.matchAll(new RegExp(`<title>${side}, [^:]+ words: (\\d+) answers`, "g"))].reduce((s, m) => s + Number(m[1]), 0);
  assert.equal(sum("candidate"), 10);
  assert.equal(sum("production"), 12);
  assert.match(html, /answer length \(words\)/);
  assert.match(html, /share of answers \(%\)/);
  assert.match(html, /production \u00b7 n = 12/);
  assert.match(html, /candidate \u00b7 n = 10/);
});

test("per-intent table: significant changes are highlighted with their direction, others are not", () => {
  const html = renderReportHtml(doc());
  const table = html.slice(html.indexOf('class="intent-table"'), html.indexOf("</table>", html.indexOf('class="intent-table"')));
  const rowOf = (label: string): string => {
    const start = table.indexOf(`<th scope="row">${label}`);
    assert.ok(start >= 0, label);
    return table.slice(start, table.indexOf("</tr>", start));
  };
  const refund = rowOf("refund_in_window");
  // Length -20 words [-24, -16]: a significant shift down; refusal 0 [-3, 3] pp: not significant; win rate 80% [70, 90].
  assert.match(refund, /<td class="sig sig-shift"[^>]*><span class="main">\u25bc \u221220 <span class="rel">\(\u221233.3%\)<\/span><\/span><span class="sub">\[\u221224, \u221216\]/);
  assert.match(refund, /<td title="Refusal rate[^"]*"><span class="main">\u25cf 0 pp<\/span>/);
  assert.match(refund, /<td class="sig sig-good"[^>]*><span class="main">\u25b2 80%<\/span><span class="sub">\[70%, 90%\]<\/span>/);
  const reset = rowOf("password_reset");
  assert.match(reset, /<td title="Answer length[^"]*"><span class="main">\u25bc \u22121 /);
  // Columns this intent lacks show a dash.
  assert.match(reset, /<td class="missing">\u2014<\/td>/);
  assert.ok(rowOf("<strong>All tasks</strong>").includes("sig-shift"));
  // Columns: no gold without gold metrics.
  assert.ok(table.includes("Length change") && table.includes("Refusal change") && table.includes("Hard-check pass change") && table.includes("Reward win rate"));
});

test("output is deterministic and independent of the order of metric rows", () => {
  const d = doc({ metrics: [...BASE_METRICS, ...SIM_METRICS] });
  const a = renderReportHtml(d);
  assert.equal(renderReportHtml(d), a);
  assert.equal(renderReportHtml({ ...d, metrics: [...d.metrics].reverse() }), a);
  assert.equal(renderReportHtml(structuredClone(d)), a);
});

test("a metric without finite values draws no NaN coordinates", () => {
  const nan = iv(Number.NaN, Number.NaN, Number.NaN);
  const html = renderReportHtml(doc({ metrics: [row("hedge_rate", "", nan, iv(0.2, 0.1, 0.3), nan), row("gold", "", nan, nan, nan)] }));
  assert.ok(!/="[^"]*NaN/.test(html), "no NaN attribute");
  assert.ok(!html.includes("Infinity"));
  assert.equal(count(html, 'class="panel"'), 2);
  assert.ok(html.includes(">n/a<"));
});

test("an unknown decision is refused with a clear error", () => {
  assert.throws(() => renderReportHtml(doc({ decision: "ship" as never })), /decision must be one of promote, hold, reject, got "ship"/);
  for (const decision of ["promote", "hold", "reject"] as const) assert.ok(renderReportHtml(doc({ decision })).includes(`class="decision decision-${decision}"`));
});

test("numbers: three significant digits, percentages for rates, percentage points for their changes", () => {
  assert.equal(fmtNum(0.123456), "0.123");
  assert.equal(fmtNum(12.345), "12.3");
  assert.equal(fmtNum(-12.0), "\u221212");
  assert.equal(fmtNum(123456.7), "123,457");
  assert.equal(fmtNum(0), "0");
  assert.equal(fmtNum(-0.00001234), "\u22121.23e-5");
  assert.equal(fmtSigned(0.5), "+0.5");
  assert.equal(fmtPct(0.1234), "12.3%");
  assert.equal(fmtPct(1), "100%");
  assert.equal(fmtPct(0.5), "50%");
  assert.equal(fmtPp(0.0123), "+1.23 pp");
  assert.equal(fmtPp(-0.07), "\u22127 pp");
  assert.equal(fmtP(0.0004), "< 0.001");
  assert.equal(fmtP(0.04567), "0.0457");
  const t = niceTicks(0.07, 0.31, 4);
  assert.deepEqual(t.values, [0, 0.1, 0.2, 0.3, 0.4]);
});
