import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { EventKind } from "./idempotency.js";
import { parseJsonBody } from "./json-parse.js";
import {
  validComparison,
  validFeedbackOutcome,
  validInteraction,
  validOutcomeReport,
  validRating,
  validThumb,
} from "./test-fixtures.js";
import { validateJsonBatch, validateJsonEvent } from "./validate.js";

type Body = Record<string, unknown>;
interface Case {
  name: string;
  kind: EventKind;
  body: unknown;
  /** Expected violations: path and a fragment of the reason. Empty: valid. */
  expect: [string, string][];
}

const ix = validInteraction;
const with_ = (base: Body, patch: Body): Body => ({ ...base, ...patch });
const without = (base: Body, ...keys: string[]): Body => Object.fromEntries(Object.entries(base).filter(([k]) => !keys.includes(k)));

const cases: Case[] = [
  // valid shapes
  { name: "interaction", kind: "interaction", body: ix(), expect: [] },
  { name: "thumb", kind: "feedback", body: validThumb(), expect: [] },
  { name: "rating", kind: "feedback", body: validRating(), expect: [] },
  { name: "comparison", kind: "feedback", body: validComparison(), expect: [] },
  { name: "feedback outcome", kind: "feedback", body: validFeedbackOutcome(), expect: [] },
  { name: "outcome report", kind: "outcome", body: validOutcomeReport(), expect: [] },
  { name: "snake_case names accepted (proto3 JSON)", kind: "feedback", body: { interaction_id: "ix-1", source: "FEEDBACK_SOURCE_QA", thumb: { direction: "THUMB_DIRECTION_DOWN" } }, expect: [] },
  { name: "enum by number", kind: "feedback", body: with_(validThumb(), { source: 2 }), expect: [] },
  { name: "null means unset", kind: "interaction", body: with_(ix(), { segment: null }), expect: [] },
  { name: "int64 as string and number", kind: "feedback", body: with_(validFeedbackOutcome(), { outcome: { kind: "OUTCOME_KIND_REFUND", amountMinor: 5, currency: "USD" } }), expect: [] },
  { name: "tenant equal to the key's is fine here", kind: "interaction", body: with_(ix(), { tenantId: "acme" }), expect: [] },

  // root
  { name: "array body", kind: "interaction", body: [], expect: [["interaction", "expected an object"]] },
  { name: "string body", kind: "feedback", body: "hi", expect: [["feedback", "expected an object"]] },
  { name: "null body", kind: "outcome", body: null, expect: [["outcome", "expected an object"]] },

  // missing required
  { name: "interactionId missing", kind: "interaction", body: without(ix(), "interactionId"), expect: [["interaction.interactionId", "required"]] },
  { name: "prompt missing", kind: "interaction", body: without(ix(), "prompt"), expect: [["interaction.prompt", "required"]] },
  { name: "answer missing", kind: "interaction", body: without(ix(), "answer"), expect: [["interaction.answer", "required"]] },
  { name: "occurredAt missing", kind: "interaction", body: without(ix(), "occurredAt"), expect: [["interaction.occurredAt", "required"]] },
  { name: "prompt role missing", kind: "interaction", body: with_(ix(), { prompt: [{ content: "hi" }] }), expect: [["interaction.prompt[0].role", "required"]] },
  { name: "prompt content empty", kind: "interaction", body: with_(ix(), { prompt: [{ role: "ROLE_USER", content: "" }] }), expect: [["interaction.prompt[0].content", "required"]] },
  { name: "feedback kind missing", kind: "feedback", body: without(validThumb(), "thumb"), expect: [["feedback.kind", "exactly one"]] },
  { name: "feedback source missing", kind: "feedback", body: without(validThumb(), "source"), expect: [["feedback.source", "required"]] },
  { name: "thumb direction unspecified", kind: "feedback", body: with_(validThumb(), { thumb: { direction: "THUMB_DIRECTION_UNSPECIFIED" } }), expect: [["feedback.thumb.direction", "required"]] },
  { name: "thumb empty", kind: "feedback", body: with_(validThumb(), { thumb: {} }), expect: [["feedback.thumb.direction", "required"]] },
  { name: "comparison other missing", kind: "feedback", body: with_(validComparison(), { comparison: { choice: "COMPARISON_CHOICE_OTHER" } }), expect: [["feedback.comparison.otherInteractionId", "required"]] },
  { name: "comparison with itself", kind: "feedback", body: validComparison("ix-1", "ix-1"), expect: [["feedback.comparison.otherInteractionId", "must differ"]] },
  { name: "outcome report kind missing", kind: "outcome", body: with_(validOutcomeReport(), { outcome: {} }), expect: [["outcome.outcome.kind", "required"]] },
  { name: "outcome report outcome missing", kind: "outcome", body: without(validOutcomeReport(), "outcome"), expect: [["outcome.outcome", "required"]] },

  // wrong types
  { name: "interactionId number", kind: "interaction", body: with_(ix(), { interactionId: 5 }), expect: [["interaction.interactionId", "expected a string"]] },
  { name: "turnIndex string word", kind: "interaction", body: with_(ix(), { turnIndex: "two" }), expect: [["interaction.turnIndex", "expected a 32-bit integer"]] },
  { name: "turnIndex float", kind: "interaction", body: with_(ix(), { turnIndex: 1.5 }), expect: [["interaction.turnIndex", "expected a 32-bit integer"]] },
  { name: "prompt object", kind: "interaction", body: with_(ix(), { prompt: { role: "ROLE_USER" } }), expect: [["interaction.prompt", "expected an array"]] },
  { name: "prompt item string", kind: "interaction", body: with_(ix(), { prompt: ["hi"] }), expect: [["interaction.prompt[0]", "expected an object"]] },
  { name: "metadata value number", kind: "interaction", body: with_(ix(), { metadata: { a: 1 } }), expect: [["interaction.metadata[\"a\"]", "expected a string"]] },
  { name: "occurredAt number", kind: "interaction", body: with_(ix(), { occurredAt: 1714557600 }), expect: [["interaction.occurredAt", "RFC 3339"]] },
  { name: "occurredAt bad date", kind: "interaction", body: with_(ix(), { occurredAt: "2024-02-30T00:00:00Z" }), expect: [["interaction.occurredAt", "invalid RFC 3339"]] },
  { name: "thumb boolean", kind: "feedback", body: with_(validThumb(), { thumb: true }), expect: [["feedback.thumb", "expected an object"]] },
  { name: "reasonCodes string", kind: "feedback", body: with_(validRating(), { reasonCodes: "x" }), expect: [["feedback.reasonCodes", "expected an array"]] },
  { name: "enum as boolean", kind: "feedback", body: with_(validThumb(), { source: true }), expect: [["feedback.source", "expected an enum"]] },

  // unknown fields and enum values
  { name: "unknown top-level field", kind: "interaction", body: with_(ix(), { color: "red" }), expect: [["interaction.color", "unknown field"]] },
  { name: "unknown nested field", kind: "feedback", body: with_(validThumb(), { thumb: { direction: "THUMB_DIRECTION_UP", size: 3 } }), expect: [["feedback.thumb.size", "unknown field"]] },
  { name: "unknown enum name", kind: "feedback", body: with_(validThumb(), { thumb: { direction: "SIDEWAYS" } }), expect: [["feedback.thumb.direction", "unknown enum value \"SIDEWAYS\""]] },
  { name: "unknown enum number", kind: "feedback", body: with_(validThumb(), { source: 99 }), expect: [["feedback.source", "unknown enum value 99"]] },
  { name: "__proto__ key", kind: "interaction", body: { ...ix(), ...(JSON.parse(`{"__proto__": {"x": 1}}`) as Body) }, expect: [["interaction.__proto__", "reserved"]] },
  { name: "constructor key in metadata", kind: "interaction", body: with_(ix(), { metadata: JSON.parse(`{"constructor": "x"}`) as Body }), expect: [["interaction.metadata[\"constructor\"]", "reserved"]] },
  { name: "two oneof members", kind: "feedback", body: with_(validThumb(), { rating: { score: 1, scaleMin: 1, scaleMax: 5 } }), expect: [["feedback.rating", "only one of"]] },
  { name: "field twice (snake and camel)", kind: "feedback", body: with_(validThumb(), { interaction_id: "ix-2" }), expect: [["feedback.interactionId", "more than once"]] },

  // ranges and limits
  { name: "turnIndex negative", kind: "interaction", body: with_(ix(), { turnIndex: -1 }), expect: [["interaction.turnIndex", "within 0.."]] },
  { name: "turnIndex beyond int32", kind: "interaction", body: with_(ix(), { turnIndex: 2 ** 31 }), expect: [["interaction.turnIndex", "out of range"]] },
  { name: "rating above scale", kind: "feedback", body: with_(validRating(), { rating: { score: 6, scaleMin: 1, scaleMax: 5 } }), expect: [["feedback.rating.score", "within the scale 1..5"]] },
  { name: "rating without scale", kind: "feedback", body: with_(validRating(), { rating: { score: 3 } }), expect: [["feedback.rating.scaleMax", "greater than scaleMin"]] },
  { name: "rating inverted scale", kind: "feedback", body: with_(validRating(), { rating: { score: 3, scaleMin: 5, scaleMax: 1 } }), expect: [["feedback.rating.scaleMax", "greater than scaleMin"]] },
  { name: "negative refund", kind: "feedback", body: with_(validFeedbackOutcome(), { outcome: { kind: "OUTCOME_KIND_REFUND", amountMinor: "-5", currency: "EUR" } }), expect: [["feedback.outcome.amountMinor", "negative"]] },
  { name: "amount without currency", kind: "feedback", body: with_(validFeedbackOutcome(), { outcome: { kind: "OUTCOME_KIND_REFUND", amountMinor: "5" } }), expect: [["feedback.outcome.currency", "required"]] },
  { name: "bad currency", kind: "feedback", body: with_(validFeedbackOutcome(), { outcome: { kind: "OUTCOME_KIND_REFUND", amountMinor: "5", currency: "euro" } }), expect: [["feedback.outcome.currency", "ISO 4217"]] },
  { name: "occurredAt in 1990", kind: "interaction", body: with_(ix(), { occurredAt: "1990-01-01T00:00:00Z" }), expect: [["interaction.occurredAt", "out of range"]] },
  { name: "answer too long", kind: "interaction", body: with_(ix(), { answer: "a".repeat(64 * 1024 + 1) }), expect: [["interaction.answer", "longer than 65536 bytes"]] },
  { name: "multi-byte answer too long", kind: "interaction", body: with_(ix(), { answer: "é".repeat(33 * 1024) }), expect: [["interaction.answer", "longer than"]] },
  { name: "interactionId bad chars", kind: "interaction", body: with_(ix(), { interactionId: "a b" }), expect: [["interaction.interactionId", "may only contain"]] },
  { name: "interactionId too long", kind: "interaction", body: with_(ix(), { interactionId: "a".repeat(201) }), expect: [["interaction.interactionId", "longer than 200"]] },
  { name: "NUL in answer", kind: "interaction", body: with_(ix(), { answer: "a\u0000b" }), expect: [["interaction.answer", "NUL"]] },
  { name: "lone surrogate", kind: "feedback", body: with_(validThumb(), { comment: "x\ud800y" }), expect: [["feedback.comment", "lone surrogate"]] },
  { name: "server-set eventId", kind: "interaction", body: with_(ix(), { eventId: "abc" }), expect: [["interaction.eventId", "set by the server"]] },
  { name: "server-set feedbackId", kind: "feedback", body: with_(validThumb(), { feedbackId: "abc" }), expect: [["feedback.feedbackId", "set by the server"]] },
  { name: "too many reason codes", kind: "feedback", body: with_(validRating(), { reasonCodes: Array.from({ length: 21 }, (_, i) => `c${i}`) }), expect: [["feedback.reasonCodes", "at most 20"]] },
  { name: "bad reason code", kind: "feedback", body: with_(validRating(), { reasonCodes: ["ok", "not ok"] }), expect: [["feedback.reasonCodes[1]", "1-64"]] },
  { name: "idempotency key with space", kind: "feedback", body: with_(validThumb(), { idempotencyKey: "a b" }), expect: [["feedback.idempotencyKey", "printable ASCII"]] },
  { name: "deep nesting in a string field", kind: "interaction", body: with_(ix(), { answer: JSON.parse("[".repeat(500) + "]".repeat(500)) as unknown }), expect: [["interaction.answer", "expected a string"]] },
];

describe("validateJsonEvent", () => {
  for (const c of cases) {
    it(c.name, () => {
      const r = validateJsonEvent(c.kind, c.body);
      if (c.expect.length === 0) {
        assert.ok(r.ok, `expected valid, got ${JSON.stringify(!r.ok && r.violations)}`);
        return;
      }
      assert.ok(!r.ok, "expected violations");
      for (const [path, fragment] of c.expect) {
        const hit = r.violations.find((v) => v.path === path && v.reason.includes(fragment));
        assert.ok(hit, `no violation at ${path} containing ${JSON.stringify(fragment)}; got ${JSON.stringify(r.violations)}`);
      }
      assert.equal(r.violations.length, c.expect.length, `unexpected extra violations: ${JSON.stringify(r.violations)}`);
    });
  }

  it("lists every bad field at once", () => {
    const body = with_(ix(), { interactionId: 5, turnIndex: -1, answer: "", color: "x", prompt: [{ role: "NOPE", content: "a" }] });
    const r = validateJsonEvent("interaction", body);
    assert.ok(!r.ok);
    const paths = r.violations.map((v) => v.path).sort();
    assert.deepEqual(paths, ["interaction.answer", "interaction.color", "interaction.interactionId", "interaction.prompt[0].role", "interaction.turnIndex"]);
  });

  it("caps the number of violations reported", () => {
    const body: Body = with_(ix(), {});
    for (let i = 0; i < 500; i++) body[`x${i}`] = 1;
    const r = validateJsonEvent("interaction", body);
    assert.ok(!r.ok);
    assert.equal(r.violations.length, 101);
    assert.match(r.violations[100]!.reason, /400 more/);
  });

  it("does not pollute Object.prototype", () => {
    const body = JSON.parse(`{"interactionId":"a","metadata":{"__proto__":{"polluted":"yes"}}}`) as unknown;
    validateJsonEvent("interaction", body);
    assert.equal(({} as Record<string, unknown>)["polluted"], undefined);
  });
});

describe("validateJsonBatch", () => {
  it("accepts a mixed batch", () => {
    const r = validateJsonBatch({ events: [{ interaction: ix() }, { feedback: validThumb() }, { outcome: validOutcomeReport() }] });
    assert.ok(r.ok);
    assert.deepEqual(r.value.map((e) => e.kind), ["interaction", "feedback", "outcome"]);
  });

  it("names each bad field with its event index", () => {
    const r = validateJsonBatch({
      events: [
        { interaction: ix() },
        { feedback: validThumb() },
        { feedback: with_(validThumb(), { thumb: { direction: "SIDEWAYS" } }) },
        { feedback: with_(validThumb(), { thumb: { direction: "SIDEWAYS" } }) },
        {},
        "x",
      ],
    });
    assert.ok(!r.ok);
    assert.deepEqual(
      r.violations.map((v) => v.path),
      ["events[2].feedback.thumb.direction", "events[3].feedback.thumb.direction", "events[5]", "events[4].event"],
    );
  });

  it("rejects an empty batch", () => {
    const r = validateJsonBatch({ events: [] });
    assert.ok(!r.ok);
    assert.equal(r.violations[0]?.path, "events");
  });
});

describe("parseJsonBody", () => {
  const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
  it("parses JSON", () => assert.deepEqual(parseJsonBody(enc(`{"a":[1]}`)), { ok: true, value: { a: [1] } }));
  it("rejects invalid JSON", () => {
    const r = parseJsonBody(enc(`{"a":`));
    assert.ok(!r.ok && r.violation.reason.startsWith("invalid JSON"));
  });
  it("rejects invalid UTF-8", () => {
    const r = parseJsonBody(Uint8Array.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]));
    assert.ok(!r.ok && r.violation.reason.includes("UTF-8"));
  });
  it("rejects duplicate keys with their object path", () => {
    const r = parseJsonBody(enc(`{"events":[{"feedback":{"thumb":{}}},{"feedback":{"source":1,"source":2}}]}`));
    assert.ok(!r.ok);
    assert.deepEqual(r.violation, { path: "events[1].feedback", reason: 'duplicate key "source"' });
  });
  it("refuses deep nesting before parsing, ignoring brackets inside strings", () => {
    const deep = "[".repeat(33) + "]".repeat(33);
    const r = parseJsonBody(enc(`{"a":${deep}}`));
    assert.ok(!r.ok && r.violation.reason.includes("nested deeper than 32"));
    assert.ok(parseJsonBody(enc(`{"a":"${"[".repeat(1000)}\\"[["}`)).ok);
    assert.ok(parseJsonBody(enc(`{"a":${"[".repeat(31)}${"]".repeat(31)}}`)).ok);
  });
  it("sees escaped duplicates", () => {
    const r = parseJsonBody(enc(`{"a":1,"\\u0061":2}`));
    assert.ok(!r.ok && r.violation.reason === 'duplicate key "a"');
  });
  it("allows the same key in sibling objects", () => {
    assert.ok(parseJsonBody(enc(`[{"a":1},{"a":2}]`)).ok);
  });
});
