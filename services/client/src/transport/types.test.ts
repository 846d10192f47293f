import { test } from "node:test";
import assert from "node:assert/strict";
import { violationsByEvent } from "./types.js";

void test("groups field violations by the event index they name", () => {
  const m = violationsByEvent(
    [
      { path: "events[3].feedback.thumb.direction", reason: "unknown enum value" },
      { path: "events[0].interaction.answer", reason: "required" },
      { path: "events[3].feedback.source", reason: "required" },
    ],
    5,
  );
  assert.deepEqual([...(m ?? new Map()).entries()].sort(), [
    [0, [{ path: "interaction.answer", reason: "required" }]],
    [3, [
      { path: "feedback.thumb.direction", reason: "unknown enum value" },
      { path: "feedback.source", reason: "required" },
    ]],
  ]);
});

void test("a violation that names no event, or one outside the batch, blames the whole batch", () => {
  assert.equal(violationsByEvent([{ path: "events", reason: "too many" }], 5), null);
  assert.equal(violationsByEvent([{ path: "events[0].x", reason: "" }, { path: "tenantId", reason: "" }], 5), null);
  assert.equal(violationsByEvent([{ path: "events[5].x", reason: "" }], 5), null);
  assert.equal(violationsByEvent([], 5), null);
});
