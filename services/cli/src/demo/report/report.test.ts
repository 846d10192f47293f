// The demo report: escaping, sections only with data, numbers that match the data (checked by an
// independent computation here), shared histogram bins, and byte-identical output for equal input.
import assert from "node:assert/strict";
import { test } from "node:test";
import { valueAxis } from "./axis.js";
import { demoReportFixture, FIXTURE_PROMOTION_DAY } from "./fixture.js";
import { headlineSentences, renderDemoReport, summaryTable } from "./index.js";
import { sharedBins } from "./shapes.js";
import type { DemoReportData } from "./types.js";

const SECTIONS = ["summary", "days", "rl", "shapes", "weights", "reward-models", "canary", "drift", "stages"] as const;

const avg = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const sectionIds = (html: string): string[] => [...html.matchAll(/<(?:section|header) class="[^"]*" id="([^"]+)"/g)].map((m) => m[1] as string);
const svgs = (html: string): string[] => [...html.matchAll(/<svg class="chart[\s\S]*?<\/svg>/g)].map((m) => m[0]);

test("the fixture is deterministic and renders to identical bytes", () => {
  assert.deepEqual(demoReportFixture(), demoReportFixture());
  const a = renderDemoReport(demoReportFixture());
  const b = renderDemoReport(structuredClone(demoReportFixture()) as DemoReportData);
  assert.equal(a, b);
  assert.equal(summaryTable(demoReportFixture()), summaryTable(demoReportFixture()));
});

test("the fixture is the scenario the brief describes", () => {
  const f = demoReportFixture();
  assert.deepEqual([...new Set(f.days.map((d) => d.arm))], ["main", "biased-clickers"]);
  assert.equal(f.days.length, 28);
  assert.equal(Math.max(...f.days.map((d) => d.day)), 14);
  assert.equal(f.promotions[0]?.day, 6);
  assert.ok(f.events.some((e) => e.day === 9 && /drift/.test(e.text)));
  assert.ok(f.rlCurves.every((r) => r.points.length === 20));
  assert.deepEqual(f.canary.filter((c) => c.cycle === 1).map((c) => [c.arm, c.decision, c.reasons[0]?.code]), [["main", "promote", "improved"], ["biased-clickers", "hold", "shorter_everywhere"]]);
});

test("the page is self-contained: CSP blocks scripts and loads, no script, no external URL", () => {
  const html = renderDemoReport(demoReportFixture());
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'none';[^"]*">/);
  assert.doesNotMatch(html, /<script|<link|<img|<iframe|@import|url\(/i);
  const urls = [...html.matchAll(/https?:\/\/[^\s"'<>]+/g)].map((m) => m[0]);
  assert.deepEqual([...new Set(urls)], ["http://www.w3.org/2000/svg"]);
});

test("every string from the data is escaped, in text and in attributes", () => {
  const evil = `<script>alert(1)</script>"'><img src=x onerror=alert(2)>&`;
  const f = demoReportFixture();
  const data: DemoReportData = {
    ...f,
    title: evil,
    startedAt: evil,
    days: f.days.map((d) => (d.arm === "main" ? { ...d, arm: `main${evil}`, answeredBy: evil } : d)),
    promotions: f.promotions.map((p) => ({ ...p, arm: `main${evil}`, policyVersion: evil })),
    rlCurves: f.rlCurves.map((r) => ({ ...r, arm: evil, runId: evil, outcome: evil })),
    shapes: f.shapes.map((s) => ({ ...s, arm: evil, label: evil })),
    datasets: f.datasets.map((d) => ({ ...d, arm: evil, datasetId: evil, raters: d.raters.map((r) => ({ ...r, key: evil })), segments: d.segments.map((s) => ({ ...s, key: evil })) })),
    rewardModels: f.rewardModels.map((m) => ({ ...m, arm: evil, modelId: evil, status: evil, checks: m.checks.map((c) => ({ ...c, name: evil, detail: evil })) })),
    canary: f.canary.map((c) => ({ ...c, arm: evil, candidate: evil, reportId: evil, decision: evil as "hold", reasons: c.reasons.map(() => ({ code: evil, message: evil })) })),
    drift: f.drift.map((d) => ({ ...d, week: evil, alerts: [evil], retrain: evil })),
    stages: f.stages.map((s) => ({ ...s, name: evil, detail: evil, status: evil as "ok" })),
    events: f.events.map((e) => ({ ...e, text: evil })),
  };
  const html = renderDemoReport(data);
  assert.doesNotMatch(html, /<script|<img|"'>/);
  // Only the page's own tags remain: every "<" starts a known element.
  const tags = new Set([...html.matchAll(/<\/?([a-zA-Z!][a-zA-Z0-9-]*)/g)].map((m) => (m[1] as string).toLowerCase()));
  const allowed = ["!doctype", "html", "head", "meta", "title", "style", "body", "main", "header", "footer", "section", "div", "p", "h1", "h2", "h3", "span", "strong", "code", "dl", "dt", "dd", "ol", "ul", "li", "figure", "table", "thead", "tbody", "tr", "th", "td", "svg", "g", "line", "path", "rect", "circle", "text"];
  assert.deepEqual([...tags].filter((t) => !allowed.includes(t)), []);
  assert.ok((html.match(/&lt;script&gt;alert\(1\)&lt;\/script&gt;&quot;&#39;&gt;&lt;img src=x onerror=alert\(2\)&gt;&amp;/g) ?? []).length > 40, "the text is shown, escaped, many times");
  // The printed summary is plain text: it keeps the text but never breaks its one-line rows.
  assert.ok(summaryTable(data).split("\n").every((l) => !l.includes("\r")));
});

test("each section appears exactly when it has data", () => {
  const f = demoReportFixture();
  assert.deepEqual(sectionIds(renderDemoReport(f)), [...SECTIONS]);
  const emptied: Record<Exclude<(typeof SECTIONS)[number], "summary">, Partial<DemoReportData>> = {
    days: { days: [] },
    rl: { rlCurves: f.rlCurves.map((r) => ({ ...r, points: [] })) },
    shapes: { shapes: [] },
    weights: { datasets: [] },
    "reward-models": { rewardModels: [] },
    canary: { canary: [] },
    drift: { drift: [] },
    stages: { stages: [] },
  };
  for (const [id, patch] of Object.entries(emptied)) {
    const ids = sectionIds(renderDemoReport({ ...f, ...patch }));
    const want = SECTIONS.filter((s) => s !== id) as string[];
    // Without days the promotions and events still show, as a timeline.
    if (id === "days") want.splice(1, 0, "timeline");
    assert.deepEqual(ids, want, `without ${id}`);
  }
  const bare: DemoReportData = { ...f, days: [], promotions: [], rlCurves: [], shapes: [], datasets: [], rewardModels: [], canary: [], drift: [], stages: [], events: [] };
  const html = renderDemoReport(bare);
  assert.deepEqual(sectionIds(html), ["summary"]);
  assert.equal(svgs(html).length, 0);
  assert.doesNotMatch(html, /class="headline"|class="arm-cards"/);
  assert.equal(summaryTable(bare), "\n");
  // Without gold during RL the gold chart gives way to a note; the reward chart stays.
  const noGold = renderDemoReport({ ...f, rlCurves: f.rlCurves.map((r) => ({ ...r, points: r.points.map(({ step, kl, reward }) => ({ step, kl, reward })) })) });
  assert.match(noGold, /class="chart line rl-reward"/);
  assert.doesNotMatch(noGold, /rl-gold/);
  assert.match(noGold, /No gold utility was measured during RL/);
});

test("every chart has axis titles, ticks and a legend; the day charts mark promotions and events", () => {
  const html = renderDemoReport(demoReportFixture());
  const charts = svgs(html);
  assert.equal(charts.length, 12);
  for (const svg of charts) {
    const kind = /class="chart ([^"]+)"/.exec(svg)?.[1];
    assert.ok((svg.match(/class="axis-title"/g) ?? []).length >= 2, `${kind}: axis titles`);
    assert.ok((svg.match(/class="tick-label"/g) ?? []).length >= 3, `${kind}: ticks`);
    assert.ok((svg.match(/class="legend"/g) ?? []).length >= 1, `${kind}: legend`);
    assert.match(svg, /role="img" aria-label="[^"]+"/);
  }
  const gold = charts.find((s) => s.includes("days-gold")) as string;
  // Promotions on days 6 and 12; events on 9 (two, one shared tag "2,3") and 10.
  assert.equal((gold.match(/class="marker marker-promotion"/g) ?? []).length, 2);
  assert.equal((gold.match(/class="marker marker-event"/g) ?? []).length, 2);
  assert.match(gold, />2,3<\/text>/);
  assert.match(html, /<li><span class="tag tag-promotion">1<\/span><span><strong>day 6<\/strong> \u00b7 main: policy-main-c1 promoted/);
});

test("the gold chart draws the data: point heights are a linear map of the daily gold values", () => {
  const f = demoReportFixture();
  const gold = svgs(renderDemoReport(f)).find((s) => s.includes("days-gold")) as string;
  const main = /<g class="series" data-series="main">([\s\S]*?)<\/g>/.exec(gold)?.[1] ?? "";
  const cy = [...main.matchAll(/<circle class="point" cx="[^"]+" cy="([^"]+)" r="3.5" fill="([^"]+)"/g)].map((m) => ({ y: Number(m[1]), fill: m[2] }));
  const values = f.days.filter((d) => d.arm === "main").map((d) => d.gold);
  assert.equal(cy.length, values.length);
  // Slope between any two points is the same (pixels per unit gold), and negative (up is more).
  const slope = ((cy[13]?.y ?? 0) - (cy[0]?.y ?? 0)) / ((values[13] ?? 0) - (values[0] ?? 0));
  assert.ok(slope < 0);
  cy.forEach((p, i) => assert.ok(Math.abs(p.y - ((cy[0]?.y ?? 0) + slope * ((values[i] ?? 0) - (values[0] ?? 0)))) < 0.2, `point ${i}`));
  // Open points before the promotion (production bot), filled from day 6 on.
  cy.forEach((p, i) => assert.equal(p.fill === "#fff", i + 1 < FIXTURE_PROMOTION_DAY, `day ${i + 1}`));
});

test("headline and summary quote gold and thumbs-up before and after promotion, computed from the days", () => {
  const f = demoReportFixture();
  const days = (arm: string, keep: (day: number) => boolean): typeof f.days => f.days.filter((d) => d.arm === arm && keep(d.day));
  const before = days("main", (d) => d < 6);
  const after = days("main", (d) => d >= 6);
  const goldBefore = avg(before.map((d) => d.gold)).toFixed(3);
  const goldAfter = avg(after.map((d) => d.gold)).toFixed(3);
  const thumbsBefore = `${(avg(before.map((d) => d.thumbsUpRate)) * 100).toFixed(1)}%`;
  const thumbsAfter = `${(avg(after.map((d) => d.thumbsUpRate)) * 100).toFixed(1)}%`;
  const biasedGold = avg(days("biased-clickers", () => true).map((d) => d.gold)).toFixed(3);
  const biasedThumbs = `${(avg(days("biased-clickers", () => true).map((d) => d.thumbsUpRate)) * 100).toFixed(1)}%`;

  const headline = headlineSentences(f).join(" ");
  assert.ok(headline.includes(`gold utility rose from ${goldBefore} to ${goldAfter} after policy-main-c1 was promoted on day 6`), headline);
  assert.ok(headline.includes(`thumbs-up rate rose from ${thumbsBefore} to ${thumbsAfter}`), headline);
  assert.match(headline, /biased-clickers arm's cycle 1 candidate policy-biased-c1 was held by the canary for shorter_everywhere and gold_regression/);
  assert.match(headline, /rm-biased-c1 \(biased-clickers\) was flagged by length_rule_accuracy, spearman_length and length_margin/);
  assert.match(headline, /Drift in week 2 \(days 8-14\): intent_mix_shift and rubric_version_changed \(PSI 0\.284\)/);
  const html = renderDemoReport(f);
  assert.ok(html.includes(`${goldBefore} \u2192 ${goldAfter}`));

  const text = summaryTable(f);
  const lines = text.split("\n");
  const cells = (prefix: string): string[] => (lines.find((l) => l.startsWith(prefix)) ?? "").split(/ {2,}/);
  assert.deepEqual(cells("main "), ["main", "day 6, 12", goldBefore, goldAfter, thumbsBefore, thumbsAfter, "c1 promote (improved); c2 promote (improved)"]);
  assert.deepEqual(cells("biased-clickers "), ["biased-clickers", "never", biasedGold, "-", biasedThumbs, "-", "c1 hold (shorter_everywhere, gold_regression)"]);
  for (const s of f.stages) assert.deepEqual(cells(`${s.name} `).slice(0, 3), [s.name, s.seconds.toFixed(1), s.status]);
  const total = f.stages.reduce((a, s) => a + s.seconds, 0);
  assert.deepEqual(cells("total ").slice(0, 3), ["total", total.toFixed(1), "ok"]);
});

test("the summary's columns are fixed width: every cell of a column starts at the header's column", () => {
  const text = summaryTable(demoReportFixture());
  for (const block of text.trim().split("\n\n")) {
    const [, header, rule, ...rows] = block.split("\n");
    assert.ok(header && rule && rows.length > 0);
    // Column starts from the dashed rule; numeric columns end flush at the rule's end.
    const spans = [...rule.matchAll(/-+/g)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
    assert.equal(spans.length, header.trim().split(/ {2,}/).length);
    for (const row of [header, ...rows]) {
      for (const [i, s] of spans.entries()) {
        if (i === 0) continue;
        assert.equal(row[s.start - 1], " ", `a gap before column ${i} in ${JSON.stringify(row)}`);
        assert.equal(row[s.start - 2], " ", `two spaces before column ${i} in ${JSON.stringify(row)}`);
      }
    }
  }
  const stageRows = text.split("\n").filter((l) => / (ok|skipped|failed) {2}/.test(l));
  // Seconds are right-aligned: they all end in the same column.
  const ends = new Set(stageRows.map((l) => /\d+\.\d(?= {2}(ok|skipped|failed))/.exec(l)).map((m) => (m ? m.index + m[0].length : -1)));
  assert.equal(ends.size, 1);
});

test("a failed stage shows in the headline and the summary's total", () => {
  const f = demoReportFixture();
  const data: DemoReportData = { ...f, stages: f.stages.map((s, i) => (i === 5 ? { ...s, status: "failed", detail: "trainer ran out of memory" } : s)) };
  assert.ok(headlineSentences(data).includes(`Stage "rl cycle 1" failed: trainer ran out of memory.`));
  assert.match(summaryTable(data), /^total +\d+\.\d +failed/m);
  assert.match(renderDemoReport(data), /<span class="badge badge-failed">failed<\/span>/);
});

test("decisions carry their colours' classes and flagged checks are highlighted", () => {
  const html = renderDemoReport(demoReportFixture());
  assert.equal((html.match(/<span class="badge badge-promote">promote<\/span>/g) ?? []).length, 2);
  assert.equal((html.match(/<span class="badge badge-hold">hold<\/span>/g) ?? []).length, 1);
  assert.match(html, /--promote: #1a7f37; --hold: #f0a202; --reject: #cf222e;/);
  assert.match(html, /\.badge-promote \{ background: var\(--promote\); \}\n\.badge-hold \{ background: var\(--hold\);[^}]*\}\n\.badge-reject \{ background: var\(--reject\); \}/);
  assert.equal((html.match(/<tr class="flagged">/g) ?? []).length, 3);
  assert.match(html, /<tr class="alert"><td>week 2 \(days 8-14\)<\/td><td class="num">0\.284<\/td>/);
});

test("length histograms share one set of bins, and each sample's counts match a direct count", () => {
  const f = demoReportFixture();
  const { edges, overflow, counts } = sharedBins(f.shapes);
  assert.equal(counts.length, f.shapes.length);
  for (const [i, s] of f.shapes.entries()) {
    const c = counts[i] ?? [];
    assert.equal(c.length, edges.length - 1);
    assert.equal(c.reduce((a, b) => a + b, 0), s.lengths.length);
    const direct = c.map((_, b) => s.lengths.filter((x) => x >= (edges[b] ?? 0) && x < (edges[b + 1] ?? Infinity)).length);
    assert.deepEqual(c, direct, `sample ${i}`);
  }
  assert.ok(Math.min(...f.shapes.flatMap((s) => s.lengths)) >= (edges[0] ?? Infinity));
  assert.ok(overflow || Math.max(...f.shapes.flatMap((s) => s.lengths)) < (edges[edges.length - 1] ?? 0));
  assert.throws(() => sharedBins([{ arm: "a", label: "x", lengths: [3, -1], refusalRate: 0 }]), /shapes\[0\]\.lengths\[1\]/);
});

test("value axes cover the data with round steps", () => {
  for (const [values, zero] of [[[0.361, 0.561], false], [[0.02, 0.31], true], [[-0.62, 2.18], false], [[5, 5], false], [[], false]] as const) {
    const a = valueAxis(values, 300, 0, { zero });
    assert.ok(values.every((v) => v >= a.lo - 1e-12 && v <= a.hi + 1e-12), `${values.join(",")} in [${a.lo}, ${a.hi}]`);
    assert.equal(a.ticks[0], Number(a.lo.toFixed(a.decimals)));
    assert.ok(a.ticks.length >= 3 && a.ticks.length <= 9, `${a.ticks.length} ticks`);
    const step = Math.round(((a.ticks[1] ?? 0) - (a.ticks[0] ?? 0)) * 1e9) / 1e9;
    const mantissa = step / 10 ** Math.floor(Math.log10(step));
    assert.ok([1, 2, 2.5, 5].some((m) => Math.abs(m - mantissa) < 1e-6), `step ${step}`);
    if (zero) assert.equal(a.lo, 0);
    assert.equal(a.at(a.lo), 300);
    assert.equal(a.at(a.hi), 0);
  }
});
