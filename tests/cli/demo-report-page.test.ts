/**
 * Issue 8, the demo report page in headless Chromium (playwright-core): the hand-built two-arm,
 * 14-day fixture renders with every chart at a real size, runs no script (a title carrying
 * <script> stays text), loads nothing but itself, logs no console error, and fits 1280 px. The
 * full-page screenshot goes to the test output dir (TEST_OUTPUT_DIR, default .run/test-output/cli).
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { CHROMIUM_PATH, launchChromium } from "@rlhf-loop/client/testing";
// The cli package has no exports map yet, so the report is reached by path.
import { renderDemoReport } from "@rlhf-loop/cli/demo-report";
import { demoReportFixture } from "@rlhf-loop/cli/demo-report/fixture";

const skip = !existsSync(CHROMIUM_PATH) && `chromium not found at ${CHROMIUM_PATH} (apt-get install -y chromium)`;
const OUT = process.env["TEST_OUTPUT_DIR"] ?? new URL("../../.run/test-output/cli/", import.meta.url).pathname;

let browser: Browser | undefined;

before(async () => {
  if (skip) return;
  mkdirSync(OUT, { recursive: true });
  browser = (await launchChromium()) ?? undefined;
});

after(async () => {
  await browser?.close();
});

test("the demo report renders in headless Chromium: every chart sized, badges coloured, no script, nothing fetched, fits 1280 px", { skip }, async () => {
  const fixture = demoReportFixture();
  const data = { ...fixture, title: `${fixture.title} <script>window.__pwned = 1</script>` };
  const file = join(OUT, "demo-report.html");
  writeFileSync(file, renderDemoReport(data));
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

  // Every section the fixture has data for.
  for (const id of ["summary", "days", "rl", "shapes", "weights", "reward-models", "canary", "drift", "stages"]) {
    const b = await page.locator(`#${id}`).boundingBox();
    assert.ok(b && b.height > 60 && b.width > 1000, `#${id} box ${JSON.stringify(b)}`);
  }

  // Charts: 2 day charts, 2 RL charts, 2 length histograms + refusals, heavy share + 2 x (raters, segments).
  const charts = page.locator("svg.chart");
  assert.equal(await charts.count(), 12);
  for (let i = 0; i < 12; i++) {
    const chart = charts.nth(i);
    assert.ok(await chart.isVisible(), `chart ${i} visible`);
    const b = await chart.boundingBox();
    assert.ok(b && b.width > 300 && b.height > 100, `chart ${i} box ${JSON.stringify(b)}`);
    assert.ok((await chart.locator(".axis-title").count()) >= 2, `chart ${i} axis titles`);
    assert.ok((await chart.locator(".tick-label").count()) >= 3, `chart ${i} ticks`);
    assert.ok((await chart.locator(".legend").count()) >= 1, `chart ${i} legend`);
  }
  const gold = await page.locator("svg.days-gold").boundingBox();
  assert.ok(gold && gold.width > 1100 && gold.height > 300, `gold chart ${JSON.stringify(gold)}`);
  // Promotion markers at days 6 and 12, event markers at days 9 and 10, drawn in both day charts.
  assert.equal(await page.locator("svg.days-gold g.marker-promotion").count(), 2);
  assert.equal(await page.locator("svg.days-thumbs g.marker-event").count(), 2);
  assert.ok((await page.locator("svg.lengths rect.column").count()) > 20, "histogram columns drawn");

  // Decision badges in their colours: promote green, hold amber.
  assert.equal(await page.locator("#canary .badge-promote").first().evaluate((el) => getComputedStyle(el).backgroundColor), "rgb(26, 127, 55)");
  const hold = page.locator("#canary .badge-hold");
  assert.equal(await hold.count(), 1);
  assert.equal(await hold.evaluate((el) => getComputedStyle(el).backgroundColor), "rgb(240, 162, 2)");
  assert.match((await page.textContent("#canary tr.decision-hold")) ?? "", /shorter_everywhere/);
  assert.equal(await page.locator("#reward-models tr.flagged").count(), 3);
  assert.match((await page.textContent("#summary .headline")) ?? "", /gold utility rose from 0\.\d{3} to 0\.\d{3} after policy-main-c1 was promoted on day 6/);

  // The title carrying markup is text and ran nothing.
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  assert.match((await page.textContent("h1")) ?? "", /<script>window.__pwned = 1<\/script>$/);
  assert.equal(await page.locator("script, img, link, iframe").count(), 0);

  // Readable at 1280 px: nothing wider than the viewport.
  assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 1280, "no horizontal overflow");

  const shot = join(OUT, "demo-report.png");
  await page.screenshot({ path: shot, fullPage: true });
  assert.ok(statSync(shot).size > 10_000, "a real screenshot");
  console.log(`screenshot: ${shot}`);

  assert.deepEqual(errors, []);
  assert.deepEqual([...new Set(requests)], [url], "no request but the page itself");
  await page.close();
});
