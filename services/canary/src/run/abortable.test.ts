import assert from "node:assert/strict";
import { test } from "node:test";
import { ShutdownInterrupt, abortable } from "./abortable.js";

void test("abortable: the work's result, or the abort reason as soon as the signal fires", async () => {
  const c = new AbortController();
  assert.equal(await abortable(Promise.resolve(7), c.signal), 7);
  await assert.rejects(abortable(Promise.reject(new Error("boom")), c.signal), /boom/);

  let finish!: (v: number) => void;
  const slow = new Promise<number>((r) => (finish = r));
  const t0 = Date.now();
  const pending = abortable(slow, c.signal);
  setTimeout(() => c.abort(new ShutdownInterrupt()), 20);
  await assert.rejects(pending, ShutdownInterrupt);
  assert.ok(Date.now() - t0 < 1_000, "rejected at the abort, not when the work ends");
  finish(1);

  // Already aborted: rejects at once; a later rejection of the abandoned work is not unhandled.
  await assert.rejects(abortable(Promise.reject(new Error("later")), c.signal), ShutdownInterrupt);
});
