/**
 * Issue 4, the review web page in headless Chromium (playwright-core): an expert logs in with
 * their key, sees the rubric, the prompt and both answers side by side, ticks the checklist and
 * submits with the keyboard only; the judgment lands in Postgres. A rubric change while the page
 * is open is explained and the next task comes under the new version. Screenshots are written
 * to the test output dir (TEST_OUTPUT_DIR, default .run/test-output/labeling).
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { interaction, startHarness, type Harness } from "./harness.js";

const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
const skip = !existsSync(CHROMIUM) && `chromium not found at ${CHROMIUM} (apt-get install -y chromium)`;
const OUT = process.env["TEST_OUTPUT_DIR"] ?? new URL("../../.run/test-output/labeling/", import.meta.url).pathname;

let h: Harness;
let browser: Browser | undefined;

const rubric = (version: string, extra: { name: string; description: string }[] = []) => ({
  version,
  title: "Support answers",
  instructions: "Pick the answer a careful support lead would send.",
  criteria: [
    { name: "followed_refund_policy", description: "Followed the refund policy" },
    { name: "asked_one_clarifying_question", description: "Asked one clarifying question" },
    { name: "approved_tone", description: "Approved tone" },
    ...extra,
  ],
});

before(async () => {
  if (skip) return;
  h = await startHarness({
    review: { inclusion: { compliance_flag: 1, escalation: 1, refund: 1, reopen: 1, low_agreement: 1, base: 1 }, overlapShare: 0, overlapRaters: 2, goldShare: 0, lowAgreementMinority: 0.3, lowAgreementMinVotes: 3, seed: "page" },
  });
  const t = h.tenantId;
  const at = Date.parse("2025-03-03T10:00:00Z");
  await h.publishInteractions([
    interaction(t, "k1", "I bought the kettle 10 days ago and would like my money back.", "You are inside the 30-day window, so I have started your refund. It reaches your card in 5 days.", { at }),
    interaction(t, "k2", "I bought the kettle 10 days ago and would like my money back.", "Refunds are not possible.", { at: at + 1 }),
    interaction(t, "p1", "It is not working.", "Sorry about that! Which device are you using?", { at }),
    interaction(t, "p2", "It is not working.", "Reinstall the app.", { at: at + 1 }),
  ]);
  await h.eventually(async () => {
    const r = await h.pool.query<{ n: number }>(`select count(*)::int n from "${h.schema}".review_tasks`);
    assert.equal(r.rows[0]?.n, 2);
  });
  const pub = await h.http("POST", "/v1/rubrics", h.leadKey, rubric("v1"));
  assert.equal(pub.status, 201, pub.text);
  mkdirSync(OUT, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
});

after(async () => {
  await browser?.close();
  await h?.close();
});

async function open(): Promise<Page> {
  const page = await (browser as Browser).newPage({ viewport: { width: 1280, height: 900 } });
  page.on("pageerror", (e) => assert.fail(`page error: ${e.message}`));
  await page.goto(`${h.baseUrl}/review`);
  return page;
}

test("an expert logs in with a key and judges a task with the keyboard only", { skip }, async () => {
  const key = await h.rater("expert-page");
  const page = await open();
  // A wrong key is refused on the page.
  await page.fill("#key", "lbk_wrong");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#login-error:has-text('Login failed')");
  await page.fill("#key", key);
  await page.keyboard.press("Enter");
  await page.waitForSelector("#task:not([hidden])");
  assert.equal(await page.textContent("#rubric-version"), "v1");
  assert.equal(await page.textContent("#who"), "expert-page (expert)");
  assert.equal(await page.locator("#criteria tr").count(), 3);

  // The two answers sit side by side.
  const a = await page.locator("#answer-a-card").boundingBox();
  const b = await page.locator("#answer-b-card").boundingBox();
  assert.ok(a && b && a.x + a.width <= b.x && Math.abs(a.y - b.y) < 1, "A left of B, same row");
  const shownA = (await page.textContent("#answer-a")) ?? "";
  const shownB = (await page.textContent("#answer-b")) ?? "";
  const taskId = await page.evaluate(() => document.getElementById("status")?.textContent ?? "");
  assert.match(taskId, /judge under rubric v1/);

  // Keyboard: criterion 1 -> tick A; down to criterion 3 -> tick A and B; pick A; Enter.
  await page.keyboard.press("a");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("a");
  await page.keyboard.press("b");
  await page.keyboard.press("1");
  assert.equal(await page.locator("#answer-a-card.chosen").count(), 1);
  const shot = join(OUT, "review-page.png");
  await page.screenshot({ path: shot, fullPage: true });
  assert.ok(statSync(shot).size > 10_000, "a real screenshot");
  console.log(`screenshot: ${shot}`);
  await page.keyboard.press("Enter");
  await page.waitForSelector("#status.ok");

  const rows = await h.pool.query<{ choice: string; criteria: { criterion: string; aMet: boolean; bMet: boolean }[]; rubric_version: string; task_id: string }>(
    `select choice, criteria, rubric_version, task_id from "${h.schema}".judgments where rater_id = 'expert-page'`,
  );
  assert.equal(rows.rows.length, 1);
  const j = rows.rows[0];
  assert.equal(j?.choice, "a");
  assert.equal(j?.rubric_version, "v1");
  assert.deepEqual(j?.criteria, [
    { criterion: "followed_refund_policy", aMet: true, bMet: false },
    { criterion: "asked_one_clarifying_question", aMet: false, bMet: false },
    { criterion: "approved_tone", aMet: true, bMet: true },
  ]);
  // What the page showed as A is the task's A.
  const task = await h.pool.query<{ a: string; b: string }>(
    `select x.answer a, y.answer b from "${h.schema}".review_tasks t join "${h.schema}".answers x on x.interaction_id = t.interaction_a join "${h.schema}".answers y on y.interaction_id = t.interaction_b where t.task_id = $1`,
    [j?.task_id],
  );
  assert.equal(task.rows[0]?.a, shownA);
  assert.equal(task.rows[0]?.b, shownB);
  // The next task was loaded.
  await page.waitForSelector("#task:not([hidden])");
  await page.close();
});

test("a rubric change while the page is open pauses the old version and the next task comes under the new one", { skip }, async () => {
  // The first expert holds the other task; a fresh one for this expert.
  const at = Date.parse("2025-03-03T11:00:00Z");
  await h.publishInteractions([
    interaction(h.tenantId, "s1", "Where is my parcel?", "It left our warehouse yesterday; here is the tracking link.", { at }),
    interaction(h.tenantId, "s2", "Where is my parcel?", "Soon.", { at: at + 1 }),
  ]);
  await h.eventually(async () => {
    const r = await h.pool.query<{ n: number }>(`select count(*)::int n from "${h.schema}".review_tasks`);
    assert.equal(r.rows[0]?.n, 3);
  });
  const key = await h.rater("expert-page-2");
  const page = await open();
  await page.fill("#key", key);
  await page.keyboard.press("Enter");
  await page.waitForSelector("#task:not([hidden])");
  assert.equal(await page.textContent("#rubric-version"), "v1");
  const v2 = await h.http("POST", "/v1/rubrics", h.leadKey, { ...rubric("v2", [{ name: "cited_policy", description: "Cited the policy" }]), changeNote: "cite policy" });
  assert.equal(v2.status, 201, v2.text);
  await page.keyboard.press("2");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#status.error:has-text('paused')");
  await page.waitForSelector("#rubric-version:has-text('v2')");
  assert.equal(await page.locator("#criteria tr").count(), 4);
  await page.screenshot({ path: join(OUT, "review-page-rubric-changed.png"), fullPage: true });
  await page.keyboard.press("2");
  await page.keyboard.press("Enter");
  await page.waitForSelector("#status.ok");
  const rows = await h.pool.query<{ rubric_version: string }>(`select rubric_version from "${h.schema}".judgments where rater_id = 'expert-page-2'`);
  assert.deepEqual(rows.rows, [{ rubric_version: "v2" }]);
  await page.close();
});
