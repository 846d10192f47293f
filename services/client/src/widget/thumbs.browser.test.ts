// The widget in headless Chromium against the local contract sink (the acceptance version with
// the real ingestion service and Postgres lives in tests/client/widget.test.ts).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { FeedbackSource, ThumbDirection } from "@rlhf-loop/proto";
import { existsSync } from "node:fs";
import { CHROMIUM_PATH, buildBrowserBundle, launchChromium, startSink, startWidgetPage, widgetTestPage, type Sink, type WidgetPage } from "../testing/index.js";

const KEY = "rlhf_test_secret";
const skip = !existsSync(CHROMIUM_PATH) && `chromium not found at ${CHROMIUM_PATH}`;
let browser: Browser | null = null;
let sink: Sink;
let site: WidgetPage;
let bundle: string;

before(async () => {
  bundle = buildBrowserBundle();
  browser = await launchChromium();
  sink = await startSink({ apiKey: KEY });
  site = await startWidgetPage({
    upstream: sink.url,
    apiKey: KEY,
    bundle,
    html: widgetTestPage([
      { id: "plain", interactionId: "w-plain" },
      { id: "kbd", interactionId: "w-kbd" },
      { id: "picker", interactionId: "w-picker", reasons: true },
      { id: "some", interactionId: "w-some", reasons: "too_long, incorrect" },
    ]),
  });
});

after(async () => {
  await browser?.close();
  await site?.close();
  await sink?.close();
});

function feedbackFor(interactionId: string) {
  return [...sink.stored.values()].flatMap((e) =>
    e.event.case === "feedback" && e.event.value.interactionId === interactionId ? [e.event.value] : [],
  );
}

async function until(cond: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function open(): Promise<Page> {
  const page = await browser!.newPage();
  page.on("pageerror", (e) => assert.fail(`page error: ${e.message}`));
  await page.goto(site.url);
  await page.waitForFunction(() => customElements.get("rlhf-thumbs") !== undefined);
  return page;
}

void test("the bundle has no Node-only code and stays small", () => {
  assert.ok(!/require\(["']node:|@grpc\/grpc-js/.test(bundle));
  assert.ok(bundle.length < 200 * 1024, `${bundle.length} bytes`);
});

void test("click: thumbs up is sent once, marked pressed, announced, and locked", { skip }, async () => {
  const page = await open();
  const up = page.locator("#plain button[data-dir=up]");
  await up.click();
  await up.click({ force: true }); // a second click (aria-disabled) must not send a second vote
  assert.equal(await up.getAttribute("aria-pressed"), "true");
  assert.equal(await up.getAttribute("aria-disabled"), "true");
  assert.equal(await page.locator("#plain [role=status]").textContent(), "Thanks for your feedback.");
  await until(() => feedbackFor("w-plain").length === 1);
  await new Promise((r) => setTimeout(r, 300));
  const fb = feedbackFor("w-plain");
  assert.equal(fb.length, 1);
  assert.ok(fb[0]!.kind.case === "thumb");
  assert.equal(fb[0]!.kind.value.direction, ThumbDirection.UP);
  assert.equal(fb[0]!.source, FeedbackSource.END_USER);
  assert.deepEqual(await page.evaluate(() => (window as unknown as { __errors: string[] }).__errors), []);
  await page.close();
});

void test("keyboard: one Tab stop, arrows move between thumbs, Enter votes", { skip }, async () => {
  const page = await open();
  await page.locator("#before").focus();
  await page.keyboard.press("Tab"); // into #plain: its up button
  await page.keyboard.press("Tab"); // past #plain's down button (roving tabindex) into #kbd
  const focused = () => page.evaluate(() => {
    const host = document.activeElement;
    return `${host?.id}:${(host?.shadowRoot?.activeElement as HTMLElement | null)?.dataset["dir"] ?? ""}`;
  });
  assert.equal(await focused(), "kbd:up");
  await page.keyboard.press("ArrowRight");
  assert.equal(await focused(), "kbd:down");
  await page.keyboard.press("Enter");
  await until(() => feedbackFor("w-kbd").length === 1);
  const fb = feedbackFor("w-kbd")[0]!;
  assert.ok(fb.kind.case === "thumb");
  assert.equal(fb.kind.value.direction, ThumbDirection.DOWN);
  assert.deepEqual(fb.reasonCodes, []);
  await page.close();
});

void test("reason picker: opens on thumbs-down, Escape cancels, Space checks, Send posts the codes", { skip }, async () => {
  const page = await open();
  const down = page.locator("#picker button[data-dir=down]");
  const picker = page.locator("#picker .picker");
  assert.equal(await down.getAttribute("aria-expanded"), "false");
  await down.click();
  assert.equal(await picker.isVisible(), true);
  assert.equal(await down.getAttribute("aria-expanded"), "true");
  assert.equal(await picker.locator("input").count(), 8, "all canonical reason codes");
  // Focus moved into the picker; Escape closes it without sending and returns focus.
  assert.equal(await page.evaluate(() => document.querySelector("#picker")!.shadowRoot!.activeElement?.tagName), "INPUT");
  await page.keyboard.press("Escape");
  assert.equal(await picker.isVisible(), false);
  assert.equal(await down.getAttribute("aria-pressed"), "false");
  assert.equal(await page.evaluate(() => (document.querySelector("#picker")!.shadowRoot!.activeElement as HTMLElement).dataset["dir"]), "down");
  await new Promise((r) => setTimeout(r, 250));
  assert.equal(feedbackFor("w-picker").length, 0, "Escape sent nothing");

  await page.keyboard.press("Enter"); // reopen from the keyboard
  assert.equal(await picker.isVisible(), true);
  await page.keyboard.press("Space"); // checks the focused first box: too_long
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Space"); // third box: unhelpful
  await picker.locator("button[data-action=send]").click();
  await until(() => feedbackFor("w-picker").length === 1);
  const fb = feedbackFor("w-picker")[0]!;
  assert.ok(fb.kind.case === "thumb");
  assert.equal(fb.kind.value.direction, ThumbDirection.DOWN);
  assert.deepEqual(fb.reasonCodes, ["too_long", "unhelpful"]);
  const events = await page.evaluate(() => (window as unknown as { __events: unknown[] }).__events);
  assert.equal(events.length, 1);
  assert.deepEqual((events[0] as { reasonCodes: string[] }).reasonCodes, ["too_long", "unhelpful"]);
  await page.close();
});

void test("a reasons list limits the picker to those codes", { skip }, async () => {
  const page = await open();
  await page.locator("#some button[data-dir=down]").click();
  const values = await page.locator("#some .picker input").evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
  assert.deepEqual(values, ["too_long", "incorrect"]);
  await page.locator("#some button[data-action=skip]").click();
  await until(() => feedbackFor("w-some").length === 1);
  assert.deepEqual(feedbackFor("w-some")[0]!.reasonCodes, []);
  await page.close();
});
