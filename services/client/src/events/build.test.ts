import { test } from "node:test";
import assert from "node:assert/strict";
import { toJson } from "@bufbuild/protobuf";
import { FeedbackSource, IngestEventSchema } from "@rlhf-loop/proto";
import { buildComparison, buildInteraction, buildOutcome, buildRating, buildThumb } from "./build.js";
import { utf8Length } from "./utf8.js";
import { randomId } from "./ids.js";

const at = new Date("2025-03-01T12:00:00Z");

void test("thumb JSON matches the ingestion contract's field names and enum names", () => {
  const r = buildThumb({ interactionId: "int-1", direction: "up", raterId: "u9", occurredAt: at }, "k1", FeedbackSource.END_USER);
  assert.ok(r.ok);
  assert.deepEqual(toJson(IngestEventSchema, r.event), {
    feedback: {
      interactionId: "int-1",
      source: "FEEDBACK_SOURCE_END_USER",
      raterId: "u9",
      idempotencyKey: "k1",
      occurredAt: "2025-03-01T12:00:00Z",
      thumb: { direction: "THUMB_DIRECTION_UP" },
    },
  });
});

void test("interaction JSON carries the exact prompt, answer and a generated id", () => {
  const r = buildInteraction(
    { prompt: [{ role: "system", content: "be brief" }, { role: "user", content: "hi" }], answer: "hello", occurredAt: at, turnIndex: 2 },
    "k2",
    () => "gen-id",
  );
  assert.ok(r.ok);
  assert.equal(r.interactionId, "gen-id");
  assert.deepEqual(toJson(IngestEventSchema, r.event), {
    interaction: {
      interactionId: "gen-id",
      turnIndex: 2,
      prompt: [{ role: "ROLE_SYSTEM", content: "be brief" }, { role: "ROLE_USER", content: "hi" }],
      answer: "hello",
      occurredAt: "2025-03-01T12:00:00Z",
      idempotencyKey: "k2",
    },
  });
});

void test("outcome defaults to the system source and encodes int64 as a string", () => {
  const r = buildOutcome({ interactionId: "int-1", kind: "refund", amountMinor: 1999, currency: "USD", occurredAt: at }, "k3");
  assert.ok(r.ok);
  assert.deepEqual(toJson(IngestEventSchema, r.event), {
    outcome: {
      interactionId: "int-1",
      outcome: { kind: "OUTCOME_KIND_REFUND", amountMinor: "1999", currency: "USD" },
      idempotencyKey: "k3",
      occurredAt: "2025-03-01T12:00:00Z",
      source: "FEEDBACK_SOURCE_SYSTEM",
    },
  });
});

void test("the field rules of the contract are checked before queueing", () => {
  const paths = (r: ReturnType<typeof buildThumb>) => (r.ok ? [] : r.violations.map((v) => v.path));
  const S = FeedbackSource.END_USER;
  assert.deepEqual(paths(buildRating({ interactionId: "a", score: 6 }, "k", S)), ["feedback.rating.score"]);
  assert.deepEqual(paths(buildRating({ interactionId: "a", score: 3, scaleMin: 5, scaleMax: 1 }, "k", S)), [
    "feedback.rating.scaleMax",
    "feedback.rating.score",
  ]);
  assert.deepEqual(paths(buildComparison({ interactionId: "a", otherInteractionId: "a", choice: "tie" }, "k", S)), [
    "feedback.comparison.otherInteractionId",
  ]);
  assert.deepEqual(paths(buildThumb({ interactionId: "bad id!", direction: "up" }, "k", S)), ["feedback.interactionId"]);
  assert.deepEqual(paths(buildThumb({ interactionId: "x".repeat(201), direction: "up" }, "k", S)), ["feedback.interactionId"]);
  const sideways = { interactionId: "a", direction: "sideways" } as unknown as Parameters<typeof buildThumb>[0];
  assert.deepEqual(paths(buildThumb(sideways, "k", S)), ["feedback.thumb.direction"]);
  const badReason = { interactionId: "a", direction: "down", reasonCodes: ["meh"] } as unknown as Parameters<typeof buildThumb>[0];
  assert.deepEqual(paths(buildThumb(badReason, "k", S)), ["feedback.reasonCodes[0]"]);
  const unspecified = { interactionId: "a", direction: 0 } as unknown as Parameters<typeof buildThumb>[0];
  assert.deepEqual(paths(buildThumb(unspecified, "k", S)), ["feedback.thumb.direction"]);
  assert.deepEqual(
    paths(buildInteraction({ interactionId: "a", prompt: [{ role: "user", content: "" }], answer: "x".repeat(65 * 1024) }, "k", randomId)),
    ["interaction.prompt[0].content", "interaction.answer"],
  );
});

void test("utf8Length agrees with TextEncoder", () => {
  for (const s of ["", "abc", "héllo", "日本語", "emoji 😀 and 👍🏽", "\ud800 lone surrogate", "x".repeat(1000)])
    assert.equal(utf8Length(s), new TextEncoder().encode(s).length, JSON.stringify(s));
});

void test("randomId gives distinct v4 UUIDs", () => {
  const ids = new Set(Array.from({ length: 1000 }, randomId));
  assert.equal(ids.size, 1000);
  for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});
