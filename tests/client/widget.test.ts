/**
 * Acceptance (issue 12): the <rlhf-thumbs> widget in headless Chromium posts through the client
 * (via a same-origin proxy that adds the API key, as the README recommends) to the real
 * ingestion service, and its feedback is found in Postgres: click, keyboard, reason picker.
 * Uses INGESTION_URL / INGESTION_API_KEY when set, else starts ingestion in this process.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { FeedbackClient } from "@rlhf-loop/client";
import {
  CHROMIUM_PATH,
  buildBrowserBundle,
  launchChromium,
  startWidgetPage,
  widgetTestPage,
  type WidgetPage,
} from "@rlhf-loop/client/testing";
import { externalIngestion, startIngestion, type Ingestion } from "./ingestion-stack.js";

const skip = !existsSync(CHROMIUM_PATH) && `chromium not found at ${CHROMIUM_PATH} (apt-get install chromium)`;
const run = Math.random().toString(36).slice(2, 8);
const ids = { click: `wgt-${run}-click`, kbd: `wgt-${run}-kbd`, reasons: `wgt-${run}-reasons` };

let ing: Ingestion;
let browser: Browser | null;
let site: WidgetPage;

before(async () => {
  if (skip) return;
  ing = externalIngestion() ?? (await startIngestion());
  // The answers the widgets rate, logged from the "backend" first, as a chat product would.
  const backend = new FeedbackClient({ url: ing.url, apiKey: ing.apiKey, onError: (e) => assert.fail(e.message) });
  for (const id of Object.values(ids))
    backend.interaction({ interactionId: id, prompt: [{ role: "user", content: `question for ${id}` }], answer: `answer for ${id}` });
  assert.deepEqual(await backend.shutdown(), { ok: true, pending: 0 });
  await ing.waitFor((c) => c.interactions >= 3, 30_000);
  browser = await launchChromium();
  site = await startWidgetPage({
    upstream: ing.url,
    apiKey: ing.apiKey,
    bundle: buildBrowserBundle(),
    html: widgetTestPage([
      { id: "click", interactionId: ids.click },
      { id: "kbd", interactionId: ids.kbd },
      { id: "reasons", interactionId: ids.reasons, reasons: true },
    ]),
  });
});

after(async () => {
  await browser?.close();
  await site?.close();
  await ing?.close();
});

interface Row {
  kind: string;
  source: string;
  reason_codes: string[];
  detail: { direction?: string };
}

async function rowsFor(interactionId: string, atLeast = 1): Promise<Row[]> {
  const end = Date.now() + 30_000;
  for (;;) {
    const r = await ing.pool.query<Row>(
      `select kind, source, reason_codes, detail from "${ing.schema}".feedback where tenant_id = $1 and interaction_id = $2`,
      [ing.tenantId, interactionId],
    );
    if (r.rows.length >= atLeast || Date.now() > end) return r.rows;
    await new Promise((res) => setTimeout(res, 200));
  }
}

async function open(): Promise<Page> {
  const page = await browser!.newPage();
  page.on("pageerror", (e) => assert.fail(`page error: ${e.message}`));
  await page.goto(site.url);
  await page.waitForFunction(() => customElements.get("rlhf-thumbs") !== undefined);
  return page;
}

void test("click: a thumbs-up lands in Postgres once", { skip, timeout: 60_000 }, async () => {
  const page = await open();
  await page.locator("#click button[data-dir=up]").click();
  const rows = await rowsFor(ids.click);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await rowsFor(ids.click)).length, 1);
  assert.equal(rows[0]!.kind, "thumb");
  assert.match(JSON.stringify(rows[0]!.detail), /THUMB_DIRECTION_UP/);
  assert.deepEqual(await page.evaluate(() => (window as unknown as { __errors: string[] }).__errors), []);
  await page.close();
});

void test("keyboard: Tab, ArrowRight and Enter send a thumbs-down", { skip, timeout: 60_000 }, async () => {
  const page = await open();
  await page.locator("#before").focus();
  await page.keyboard.press("Tab"); // #click's up button
  await page.keyboard.press("Tab"); // #kbd's up button (one Tab stop per widget)
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("Enter");
  const rows = await rowsFor(ids.kbd);
  assert.equal(rows.length, 1);
  assert.match(JSON.stringify(rows[0]!.detail), /THUMB_DIRECTION_DOWN/);
  await page.close();
});

void test("reason picker: the chosen reason codes are stored with the thumbs-down", { skip, timeout: 60_000 }, async () => {
  const page = await open();
  await page.locator("#reasons button[data-dir=down]").click();
  await page.locator('#reasons input[value="incorrect"]').check();
  await page.locator('#reasons input[value="policy_violation"]').check();
  await page.locator("#reasons button[data-action=send]").click();
  const rows = await rowsFor(ids.reasons);
  assert.equal(rows.length, 1);
  assert.match(JSON.stringify(rows[0]!.detail), /THUMB_DIRECTION_DOWN/);
  assert.deepEqual([...rows[0]!.reason_codes].sort(), ["incorrect", "policy_violation"]);
  assert.equal(rows[0]!.source, "end_user");
  await page.close();
});
