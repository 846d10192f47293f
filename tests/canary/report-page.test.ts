/**
 * Issue 7, the canary report page in headless Chromium (playwright-core): a realistic report
 * (8 intents, 500 tasks x 4 samples, a candidate that is shorter in every intent and is held)
 * renders with its charts and decision badge, runs no script (an answer carrying <script> stays
 * text), loads nothing but itself, logs no console error, and fits 1280 px. The full-page
 * screenshot goes to the test output dir (TEST_OUTPUT_DIR, default .run/test-output/canary).
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { CHROMIUM_PATH, launchChromium } from "@rlhf-loop/client/testing";
import { renderReportHtml, type CanaryReportDoc, type MetricRow } from "@rlhf-loop/canary";

type Interval = MetricRow["delta"];

const skip = !existsSync(CHROMIUM_PATH) && `chromium not found at ${CHROMIUM_PATH} (apt-get install -y chromium)`;
const OUT = process.env["TEST_OUTPUT_DIR"] ?? new URL("../../.run/test-output/canary/", import.meta.url).pathname;

// ---- A realistic report, computed from seeded synthetic samples with textbook statistics. ----

function rng(seed: number): () => number {
  // mulberry32
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = rng(7);
const normal = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
const bern = (p: number): number => (rand() < p ? 1 : 0);

const INTENTS: readonly { name: string; share: number; words: number; clarify: number }[] = [
  { name: "refund_in_window", share: 0.18, words: 62, clarify: 0.1 },
  { name: "password_reset", share: 0.16, words: 38, clarify: 0.15 },
  { name: "shipping_delay", share: 0.15, words: 45, clarify: 0.2 },
  { name: "refund_outside_window", share: 0.12, words: 70, clarify: 0.08 },
  { name: "billing_dispute", share: 0.12, words: 74, clarify: 0.25 },
  { name: "cancellation", share: 0.11, words: 50, clarify: 0.12 },
  { name: "knowledge_question", share: 0.1, words: 55, clarify: 0.05 },
  { name: "ambiguous_request", share: 0.06, words: 28, clarify: 0.6 },
];
const TASKS = 500;
const SAMPLES = 4;

interface Sample {
  words: number;
  refusal: number;
  disclaimer: number;
  hedge: number;
  clarifying: number;
  pass: number;
  reward: number;
  gold: number;
  escalation: number;
  reopen: number;
  refund: number;
  policy: number;
  tone: number;
}

function sample(intent: (typeof INTENTS)[number], candidate: boolean): Sample {
  // The candidate was trained against a length-biased reward model: about a third shorter everywhere,
  // fewer disclaimers and hedges, a reward model that likes it, and gold utility that does not.
  const words = Math.max(3, Math.round(intent.words * (candidate ? 0.66 : 1) * Math.exp(0.35 * normal())));
  const gold = (candidate ? 0.29 : 0.34) + 0.22 * normal();
  const outcome = (base: number): number => Math.min(1, Math.max(0, base - 0.12 * gold + 0.03 * normal()));
  return {
    words,
    refusal: bern(candidate ? 0.05 : 0.04),
    disclaimer: bern(candidate ? 0.07 : 0.13),
    hedge: bern(candidate ? 0.12 : 0.2),
    clarifying: bern(intent.clarify * (candidate ? 0.7 : 1)),
    pass: bern(candidate ? 0.84 : 0.87),
    reward: (candidate ? 0.45 : 0.1) - 0.004 * words + 0.3 * normal(),
    gold,
    escalation: outcome(0.16),
    reopen: outcome(0.09),
    refund: outcome(0.22),
    policy: bern(candidate ? 0.68 : 0.74),
    tone: bern(candidate ? 0.81 : 0.8),
  };
}

interface Task {
  intent: string;
  cand: Sample[];
  prod: Sample[];
}

const tasks: Task[] = [];
for (const intent of INTENTS) {
  const n = intent === INTENTS[INTENTS.length - 1] ? TASKS - tasks.length : Math.round(intent.share * TASKS);
  for (let i = 0; i < n; i++) {
    tasks.push({ intent: intent.name, cand: Array.from({ length: SAMPLES }, () => sample(intent, true)), prod: Array.from({ length: SAMPLES }, () => sample(intent, false)) });
  }
}

// Abramowitz & Stegun 7.1.26.
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}
const twoSided = (z: number): number => Math.min(1, 2 * (1 - normalCdf(Math.abs(z))));
const avg = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: readonly number[]): number => {
  const m = avg(xs);
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1);
};
const around = (m: number, se: number): Interval => ({ estimate: m, low: m - 1.96 * se, high: m + 1.96 * se });

function ks(a: readonly number[], b: readonly number[]): number {
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i] as number, y[j] as number);
    while (i < x.length && (x[i] as number) <= v) i++;
    while (j < y.length && (y[j] as number) <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  const ne = Math.sqrt((x.length * y.length) / (x.length + y.length));
  const lambda = (ne + 0.12 + 0.11 / ne) * d;
  let p = 0;
  for (let k = 1; k <= 100; k++) p += 2 * (-1) ** (k - 1) * Math.exp(-2 * k * k * lambda * lambda);
  return Math.min(1, Math.max(0, p));
}

function metric(name: string, intent: string, c: readonly number[], p: readonly number[], kind: "mean" | "rate" | "ks"): MetricRow {
  const mc = avg(c);
  const mp = avg(p);
  const sc = Math.sqrt(variance(c) / c.length);
  const sp = Math.sqrt(variance(p) / p.length);
  const sd = Math.sqrt(sc * sc + sp * sp);
  let pValue: number;
  let test: string;
  if (kind === "rate") {
    const pooled = (mc * c.length + mp * p.length) / (c.length + p.length);
    const se = Math.sqrt(pooled * (1 - pooled) * (1 / c.length + 1 / p.length));
    pValue = se > 0 ? twoSided((mc - mp) / se) : 1;
    test = "two_proportion_z";
  } else if (kind === "ks") {
    pValue = ks(c, p);
    test = "ks";
  } else {
    pValue = sd > 0 ? twoSided((mc - mp) / sd) : 1;
    test = "bootstrap";
  }
  const clip = (i: Interval): Interval => (kind === "rate" ? { estimate: i.estimate, low: Math.max(0, i.low), high: Math.min(1, i.high) } : i);
  return { name, intent, candidate: clip(around(mc, sc)), production: clip(around(mp, sp)), delta: around(mc - mp, sd), pValue, test, nCandidate: c.length, nProduction: p.length };
}

function metricsFor(intent: string, scope: readonly Task[]): MetricRow[] {
  const c = scope.flatMap((t) => t.cand);
  const p = scope.flatMap((t) => t.prod);
  const col = (xs: readonly Sample[], k: keyof Sample): number[] => xs.map((s) => s[k]);
  const rows: MetricRow[] = [metric("length_words", intent, col(c, "words"), col(p, "words"), "ks")];
  for (const [name, k] of [["hard_check_pass", "pass"], ["refusal_rate", "refusal"], ["disclaimer_rate", "disclaimer"], ["hedge_rate", "hedge"], ["clarifying_rate", "clarifying"]] as const) {
    rows.push(metric(name, intent, col(c, k), col(p, k), "rate"));
  }
  for (const [name, k] of [["reward", "reward"], ["gold", "gold"], ["escalation_rate", "escalation"], ["reopen_rate", "reopen"], ["refund_rate", "refund"], ["rubric:followed_refund_policy", "policy"], ["rubric:approved_tone", "tone"]] as const) {
    rows.push(metric(name, intent, col(c, k), col(p, k), "mean"));
  }
  // Win rate: per task, the share of (candidate, production) sample pairs the reward model prefers the candidate in.
  const wins = scope.map((t) => avg(t.cand.flatMap((x) => t.prod.map((y) => (x.reward > y.reward ? 1 : x.reward === y.reward ? 0.5 : 0)))));
  const se = Math.sqrt(variance(wins) / wins.length);
  const m = avg(wins);
  rows.push({ name: "reward_win_rate", intent, candidate: around(m, se), production: { estimate: 0.5, low: 0.5, high: 0.5 }, delta: around(m - 0.5, se), pValue: twoSided((m - 0.5) / se), test: "bootstrap", nCandidate: wins.length, nProduction: wins.length });
  return rows;
}

function realisticDoc(): CanaryReportDoc {
  const metrics = [...metricsFor("", tasks), ...INTENTS.flatMap((i) => metricsFor(i.name, tasks.filter((t) => t.intent === i.name)))];
  const shorter = metrics.filter((r) => r.name === "length_words" && r.intent !== "" && r.delta.high < 0).length;
  const overall = metrics.find((r) => r.name === "length_words" && r.intent === "") as MetricRow;
  assert.equal(shorter, INTENTS.length, "the fixture is shorter in every intent");
  return {
    reportId: "canary-rep-2025-03-07-0001",
    tenantId: "acme-support",
    candidateVersion: "policy-acme-v12 (rloo, rm-length-biased)",
    productionVersion: "",
    canarySetId: "cs-acme-0003",
    canarySetVersion: 3,
    rewardModelId: "rm-acme-v5",
    runId: "run-2025-03-07T09-12-44",
    decision: "hold",
    reasons: [
      {
        code: "shorter_everywhere",
        message: `Answers are shorter in ${shorter} of ${INTENTS.length} intents (mean ${Math.round((100 * overall.delta.estimate) / overall.production.estimate)}%, KS p < 0.001): a shift that shows up everywhere at once looks like a reward-model length preference leaking into every answer.`,
        metrics: ["length_words"],
      },
      { code: "gold_regression", message: "Gold utility fell although the reward model prefers the candidate: the reward model is being gamed.", metrics: ["gold", "reward_win_rate"] },
    ],
    metrics,
    tasks: TASKS,
    samplesPerTask: SAMPLES,
    createdAt: "2025-03-07T09:14:02.117Z",
    lengths: { candidate: tasks.flatMap((t) => t.cand.map((s) => s.words)), production: tasks.flatMap((t) => t.prod.map((s) => s.words)) },
    intents: INTENTS.map((i) => i.name),
    examples: [
      {
        intent: "refund_in_window",
        prompt: "I bought the kettle 10 days ago and it leaks. Can I get my money back?",
        production: "I'm sorry the kettle leaks. You bought it 10 days ago, which is inside our 30-day refund window, so you are entitled to a full refund. I have started it now; the money reaches your card within 5 business days. You don't need to send the kettle back.",
        candidate: "Refund started. Money back in 5 days.",
      },
      {
        intent: "ambiguous_request",
        prompt: "It is not working again.",
        production: "Sorry about that! Which device and which app version are you using, so I can look at the right fix?",
        candidate: "Please reinstall the app.",
      },
      {
        intent: "billing_dispute",
        prompt: "Why was I charged twice? <b>fix it</b>",
        production: "I can see two charges of $12.99 on March 2. The second one is a pending authorization that drops off within 3 days; it was never collected.\nIf it is still there on Friday, reply here and I will refund it.",
        candidate: `<script>window.__pwned = 1</script><img src="https://example.invalid/x.png" onerror="window.__pwned = 2">The second charge is a hold & disappears in 3 days.`,
      },
    ],
  };
}

let browser: Browser | undefined;

before(async () => {
  if (skip) return;
  mkdirSync(OUT, { recursive: true });
  browser = (await launchChromium()) ?? undefined;
});

after(async () => {
  await browser?.close();
});

test("the canary report renders in headless Chromium: charts, badge, no script, nothing fetched", { skip }, async () => {
  const doc = realisticDoc();
  const file = join(OUT, "canary-report.html");
  writeFileSync(file, renderReportHtml(doc));
  const url = pathToFileURL(file).href;

  const page = await (browser as Browser).newPage({ viewport: { width: 1280, height: 900 } });
  const requests: string[] = [];
  const errors: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
  await page.goto(url, { waitUntil: "load" });

  // The decision badge: visible, large, amber, saying Hold.
  const badge = page.locator("#decision");
  assert.ok(await badge.isVisible());
  const box = await badge.boundingBox();
  assert.ok(box && box.width > 150 && box.height > 50, `badge box ${JSON.stringify(box)}`);
  assert.equal((await page.textContent("#decision .decision-value"))?.trim(), "Hold");
  assert.equal(await badge.evaluate((el) => getComputedStyle(el).backgroundColor), "rgb(240, 162, 2)");
  assert.match((await page.textContent(".reasons")) ?? "", /shorter_everywhere\s+Answers are shorter in 8 of 8 intents/);

  // Every chart is visible with a real size: the histogram and one panel per overall metric.
  const overallPanels = doc.metrics.filter((r) => r.intent === "" && r.name !== "length_words").length;
  const charts = page.locator("svg.chart");
  assert.equal(await charts.count(), 1 + overallPanels);
  for (let i = 0; i < (await charts.count()); i++) {
    const c = charts.nth(i);
    assert.ok(await c.isVisible(), `chart ${i} visible`);
    const b = await c.boundingBox();
    assert.ok(b && b.width > 100 && b.height > 50, `chart ${i} box ${JSON.stringify(b)}`);
  }
  const hist = await page.locator("svg.histogram").boundingBox();
  assert.ok(hist && hist.width > 1000 && hist.height > 250, `histogram box ${JSON.stringify(hist)}`);
  assert.ok((await page.locator("svg.histogram rect.bar").count()) > 20, "histogram bars drawn");
  assert.match((await page.textContent("#ks-p")) ?? "", /^p < 0\.001$/);

  // The per-intent table: all tasks plus the 8 intents, every length cell a significant shift down.
  assert.equal(await page.locator(".intent-table tbody tr").count(), 1 + INTENTS.length);
  const lengthCells = page.locator(".intent-table tbody tr td:nth-child(3)");
  for (let i = 0; i < (await lengthCells.count()); i++) {
    assert.equal(await lengthCells.nth(i).getAttribute("class"), "sig sig-shift");
    assert.match((await lengthCells.nth(i).textContent()) ?? "", /^\u25bc \u2212/);
  }

  // The answer carrying markup is shown as text and ran nothing.
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  assert.equal(await page.locator("main img, main script").count(), 0);
  assert.match((await page.locator(".answer.candidate .text").nth(2).textContent()) ?? "", /^<script>window.__pwned = 1<\/script><img src=/);

  // Readable at 1280 px: nothing wider than the viewport.
  assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 1280);

  const shot = join(OUT, "canary-report.png");
  await page.screenshot({ path: shot, fullPage: true });
  assert.ok(statSync(shot).size > 10_000, "a real screenshot");
  console.log(`screenshot: ${shot}`);

  // In print, every section still shows: the page prints as one long document.
  await page.emulateMedia({ media: "print" });
  for (const id of ["lengths", "rates", "intents", "examples", "all-metrics"]) {
    const b = await page.locator(`#${id}`).boundingBox();
    assert.ok(b && b.height > 50, `#${id} in print`);
  }

  assert.deepEqual(errors, []);
  assert.deepEqual([...new Set(requests)], [url], "no request but the page itself");
  await page.close();
});
