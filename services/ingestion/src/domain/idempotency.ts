import crypto from "node:crypto";
import { clone, toBinary } from "@bufbuild/protobuf";
import { FeedbackSchema, InteractionSchema } from "@rlhf-loop/proto";
import type { Feedback, Interaction } from "@rlhf-loop/proto";

/** The three things a client can send; outcomes become Feedback on the bus. */
export type EventKind = "interaction" | "feedback" | "outcome";

/**
 * The client's content of a record as bytes: server-set fields cleared, map keys sorted.
 * Equal content gives equal bytes (protobuf-es writes fields in declaration order).
 */
export function contentBytes(m: Interaction | Feedback): Uint8Array {
  if (m.$typeName === "rlhf.v1.Interaction") {
    const c = clone(InteractionSchema, m);
    c.tenantId = c.idempotencyKey = c.eventId = c.promptHash = "";
    c.receivedAt = undefined;
    c.metadata = Object.fromEntries(Object.entries(c.metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return toBinary(InteractionSchema, c);
  }
  const c = clone(FeedbackSchema, m);
  c.tenantId = c.idempotencyKey = c.feedbackId = "";
  c.receivedAt = undefined;
  return toBinary(FeedbackSchema, c);
}

/** sha256 over the kind and the content bytes, hex: equal for an honest retry, else a 409. */
export function fingerprintOf(kind: EventKind, content: Uint8Array): string {
  // One-shot hash of prefix + content: cheaper than a Hash object with two updates.
  return crypto.hash("sha256", Buffer.concat([KIND_PREFIX[kind], content]), "hex");
}

const KIND_PREFIX: Record<EventKind, Buffer> = {
  interaction: Buffer.from("interaction\u0000"),
  feedback: Buffer.from("feedback\u0000"),
  outcome: Buffer.from("outcome\u0000"),
};

/**
 * The idempotency key of a record: the client's when given, else derived. An interaction's
 * comes from its interactionId (unique per tenant already); feedback has no natural id, so
 * its key is the hash of its content: an identical retry maps to the same key. The API's
 * prepareEvent derives keys the same way without the extra copy.
 */
export function idempotencyKeyFor(m: Interaction | Feedback): string {
  if (m.idempotencyKey !== "") return m.idempotencyKey;
  if (m.$typeName === "rlhf.v1.Interaction") return `ix:${m.interactionId}`;
  return `fb:${fingerprintOf("feedback", contentBytes(m))}`;
}

/**
 * Deterministic event id from (tenant, idempotency key): a UUID (RFC 9562 version 8, the
 * custom layout) over sha256, so every replica and every retry computes the same id.
 */
export function eventIdFor(tenantId: string, idempotencyKey: string): string {
  const h = crypto.hash("sha256", `rlhf.event\u0000${tenantId}\u0000${idempotencyKey}`, "buffer").subarray(0, 16);
  h[6] = (h[6]! & 0x0f) | 0x80; // version 8
  h[8] = (h[8]! & 0x3f) | 0x80; // RFC variant
  const x = h.toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
