import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { create, fromBinary, fromJson, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { FeedbackSchema, FeedbackSource, InteractionSchema, OutcomeKind, OutcomeReportSchema } from "@rlhf-loop/proto";
import type { Feedback, Interaction } from "@rlhf-loop/proto";
import { contentBytes, eventIdFor, fingerprintOf, idempotencyKeyFor } from "./idempotency.js";
import { prepareEvent } from "./prepare.js";
import { promptHash } from "./prompt.js";
import { validInteraction, validOutcomeReport, validRating, validThumb } from "./test-fixtures.js";

const fb = (j: Record<string, unknown>): Feedback => fromJson(FeedbackSchema, j as never);
const ix = (j: Record<string, unknown>): Interaction => fromJson(InteractionSchema, j as never);
const now = Date.UTC(2024, 4, 1, 12);

describe("eventIdFor", () => {
  it("is a version-8 UUID equal to sha256 of the tenant and key with version/variant bits set", () => {
    const id = eventIdFor("acme", "k-1");
    // Independent computation of the same layout.
    const h = createHash("sha256").update("rlhf.event\u0000acme\u0000k-1").digest();
    h[6] = (h[6]! & 0x0f) | 0x80;
    h[8] = (h[8]! & 0x3f) | 0x80;
    assert.equal(id.replaceAll("-", ""), h.subarray(0, 16).toString("hex"));
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
  it("is deterministic and separates tenants and keys", () => {
    assert.equal(eventIdFor("acme", "k"), eventIdFor("acme", "k"));
    assert.notEqual(eventIdFor("acme", "k"), eventIdFor("other", "k"));
    assert.notEqual(eventIdFor("acme", "k1"), eventIdFor("acme", "k2"));
    // The separator keeps ("a", "bc") and ("ab", "c") apart.
    assert.notEqual(eventIdFor("a", "bc"), eventIdFor("ab", "c"));
  });
});

describe("idempotency keys and fingerprints", () => {
  it("keeps a client key and derives an interaction's from its id", () => {
    assert.equal(idempotencyKeyFor(fb(validThumb())), "thumb-ix-1");
    assert.equal(idempotencyKeyFor(ix(validInteraction("ix-9"))), "ix:ix-9");
  });

  it("derives a feedback key from its content: same for reordered fields and server fields, else different", () => {
    const k = idempotencyKeyFor(fb(validRating()));
    assert.match(k, /^fb:[0-9a-f]{64}$/);
    assert.equal(idempotencyKeyFor(fb(Object.fromEntries(Object.entries(validRating()).reverse()))), k);
    assert.equal(idempotencyKeyFor(fb({ ...validRating(), tenantId: "acme", feedbackId: "x", receivedAt: "2024-01-01T00:00:00Z" })), k);
    assert.notEqual(idempotencyKeyFor(fb({ ...validRating(), rating: { score: 5, scaleMin: 1, scaleMax: 5 } })), k);
    // Independent computation: sha256("feedback\0" + bytes of the content).
    const expected = createHash("sha256").update(Buffer.concat([Buffer.from("feedback\u0000"), toBinary(FeedbackSchema, fb(validRating()))])).digest("hex");
    assert.equal(k, `fb:${expected}`);
  });

  it("ignores metadata key order", () => {
    const a = ix({ ...validInteraction(), metadata: { a: "1", b: "2" } });
    const b = ix({ ...validInteraction(), metadata: { b: "2", a: "1" } });
    assert.deepEqual(contentBytes(a), contentBytes(b));
  });

  it("prepareEvent derives the same keys and fingerprints as the reference functions", () => {
    const m = fb(validRating());
    const ref = { key: idempotencyKeyFor(m), fp: fingerprintOf("feedback", contentBytes(m)) };
    const p = prepareEvent({ kind: "feedback", message: fb(validRating()) }, "acme", now);
    assert.equal(p.idempotencyKey, ref.key);
    assert.equal(p.fingerprint, ref.fp);
    const i = ix({ ...validInteraction(), metadata: { z: "1", a: "2" } });
    const pi = prepareEvent({ kind: "interaction", message: ix({ ...validInteraction(), metadata: { z: "1", a: "2" } }) }, "acme", now);
    assert.equal(pi.fingerprint, fingerprintOf("interaction", contentBytes(i)));
  });

  it("fingerprints differ by kind and content, and not by tenant field or receipt time", () => {
    const p1 = prepareEvent({ kind: "feedback", message: fb(validThumb()) }, "acme", now);
    const p2 = prepareEvent({ kind: "feedback", message: fb({ ...validThumb(), tenantId: "acme" }) }, "acme", now + 5000);
    const p3 = prepareEvent({ kind: "feedback", message: fb({ ...validThumb(), thumb: { direction: "THUMB_DIRECTION_DOWN" } }) }, "acme", now);
    assert.equal(p1.fingerprint, p2.fingerprint);
    assert.notEqual(p1.fingerprint, p3.fingerprint);
    assert.notEqual(fingerprintOf("outcome", contentBytes(fb(validThumb()))), fingerprintOf("feedback", contentBytes(fb(validThumb()))));
  });
});

describe("prepareEvent's record bytes", () => {
  it("decode to the interaction with every server field set", () => {
    const p = prepareEvent({ kind: "interaction", message: ix(validInteraction()) }, "acme", now);
    assert.equal(p.topic, "interactions");
    const got = fromBinary(InteractionSchema, p.value);
    const want = ix(validInteraction());
    Object.assign(want, {
      tenantId: "acme",
      idempotencyKey: "ix:ix-1",
      eventId: eventIdFor("acme", "ix:ix-1"),
      promptHash: promptHash(want.prompt),
      receivedAt: timestampFromMs(now),
    });
    assert.deepEqual(got, want);
  });

  it("decode to feedback with ids, tenant, receipt time and a defaulted occurredAt", () => {
    const p = prepareEvent({ kind: "feedback", message: fb(validRating()) }, "acme", now + 123);
    const got = fromBinary(FeedbackSchema, p.value);
    const want = fb(validRating());
    Object.assign(want, {
      tenantId: "acme",
      idempotencyKey: p.idempotencyKey,
      feedbackId: p.eventId,
      occurredAt: timestampFromMs(now + 123),
      receivedAt: timestampFromMs(now + 123),
    });
    assert.deepEqual(got, want);
    assert.equal(p.feedbackKind, "rating");
    assert.equal(p.source, "expert");
  });

  it("keep a client occurredAt", () => {
    const p = prepareEvent({ kind: "feedback", message: fb({ ...validThumb(), occurredAt: "2024-05-01T09:00:00Z" }) }, "acme", now);
    assert.equal(fromBinary(FeedbackSchema, p.value).occurredAt?.seconds, BigInt(Date.UTC(2024, 4, 1, 9) / 1000));
  });

  it("turn an outcome report into SYSTEM feedback with an outcome", () => {
    const p = prepareEvent({ kind: "outcome", message: fromJson(OutcomeReportSchema, validOutcomeReport() as never) }, "acme", now);
    assert.equal(p.topic, "feedback");
    assert.match(p.idempotencyKey, /^oc:[0-9a-f]{64}$/);
    const got = fromBinary(FeedbackSchema, p.value);
    const want = create(FeedbackSchema, {
      feedbackId: p.eventId,
      tenantId: "acme",
      interactionId: "ix-1",
      source: FeedbackSource.SYSTEM,
      idempotencyKey: p.idempotencyKey,
      occurredAt: timestampFromMs(Date.UTC(2024, 4, 1, 12)),
      receivedAt: timestampFromMs(now),
      kind: { case: "outcome", value: { kind: OutcomeKind.ESCALATION, detail: "customer asked for a human" } },
    });
    assert.deepEqual(got, want);
  });
});
