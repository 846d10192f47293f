/**
 * Issue 10: the review web page escapes everything it shows. tests/labeling/review-page.test.ts
 * covers the page's workflow but not hostile content; here prompts, both answers and the rubric
 * (title, instructions, criteria) carry script tags and event-handler HTML. In headless Chromium no
 * script runs (no marker set, no dialog, no page error) and the text is shown literally.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, test } from "node:test";
import { chromium, type Browser } from "playwright-core";
import { interaction, startHarness, type Harness } from "../../labeling/harness.js";
import { readStackEnv } from "../../support/stack-env.js";

const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
const skip = !readStackEnv() ? "needs KAFKA_BROKERS and DATABASE_URL (bash infra/stack.sh up)" : !existsSync(CHROMIUM) ? `chromium not found at ${CHROMIUM}` : false;

const XSS = [
  "<script>window.__xss='script'</script>",
  "<img src=x onerror=\"window.__xss='img'\">",
  "<svg onload=\"window.__xss='svg'\"></svg>",
  "<iframe srcdoc=\"<script>parent.__xss='iframe'</script>\"></iframe>",
  "<a href=\"javascript:window.__xss='href'\" id=xss-link>x</a>",
  "\"><script>alert(1)</script>",
];
const evil = (tag: string) => `${tag}: ${XSS.join(" ")}`;

let h: Harness;
let browser: Browser | undefined;

before(async () => {
  if (skip) return;
  h = await startHarness({
    review: { inclusion: { compliance_flag: 1, escalation: 1, refund: 1, reopen: 1, low_agreement: 1, base: 1 }, overlapShare: 0, overlapRaters: 2, goldShare: 0, lowAgreementMinority: 0.3, lowAgreementMinVotes: 3, seed: "xss" },
  });
  const t = h.tenantId;
  const at = Date.parse("2025-03-03T10:00:00Z");
  await h.publishInteractions([interaction(t, "x1", evil("prompt"), evil("answer A"), { at }), interaction(t, "x2", evil("prompt"), evil("answer B"), { at: at + 1 })]);
  await h.eventually(async () => {
    const r = await h.pool.query<{ n: number }>(`select count(*)::int n from "${h.schema}".review_tasks`);
    assert.equal(r.rows[0]?.n, 1);
  });
  const pub = await h.http("POST", "/v1/rubrics", h.leadKey, { version: "v1", title: `${XSS[0]} ${XSS[1]}`, instructions: evil("instructions"), criteria: [{ name: "c1", description: `${XSS[0]} ${XSS[1]}` }] });
  assert.equal(pub.status, 201, pub.text);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
});

after(async () => {
  await browser?.close();
  await h?.close();
});

test("prompts, answers and rubric text with script tags render as text and run nothing", { skip, timeout: 90_000 }, async () => {
  const key = await h.rater("expert-xss");
  const page = await (browser as Browser).newPage();
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("dialog", (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(`${h.baseUrl}/review`);
  await page.fill("#key", key);
  await page.keyboard.press("Enter");
  await page.waitForSelector("#task:not([hidden])");
  await page.waitForTimeout(300); // let any injected onerror/onload fire
  const marker = await page.evaluate(() => (window as unknown as { __xss?: string }).__xss ?? null);
  assert.equal(marker, null, "an injected script ran");
  assert.deepEqual(problems, []);
  // Nothing injected became an element.
  assert.equal(await page.locator("img[src=x], svg[onload], iframe[srcdoc], #xss-link").count(), 0);
  const a = (await page.textContent("#answer-a")) ?? "";
  const b = (await page.textContent("#answer-b")) ?? "";
  const prompt = (await page.textContent("#prompt")) ?? "";
  const criteria = (await page.textContent("#criteria")) ?? "";
  for (const shown of [a + b, prompt, criteria]) assert.ok(shown.includes(XSS[0]!) && shown.includes(XSS[1]!), `shown literally: ${shown.slice(0, 200)}`);
  await page.close();
});
