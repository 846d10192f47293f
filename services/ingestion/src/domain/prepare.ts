import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { FeedbackSchema, FeedbackSource, InteractionSchema, OutcomeSchema } from "@rlhf-loop/proto";
import type { Feedback, Interaction } from "@rlhf-loop/proto";
import { eventIdFor, fingerprintOf } from "./idempotency.js";
import type { EventKind } from "./idempotency.js";
import { promptHash } from "./prompt.js";
import { redactFeedback, redactInteraction } from "./redact.js";
import type { IncomingEvent } from "./validate.js";
import { TrailingFields } from "./wire.js";

/** A validated event, completed by the server and encoded for the bus. */
export interface PreparedEvent {
  kind: EventKind;
  tenantId: string;
  interactionId: string;
  idempotencyKey: string;
  eventId: string;
  /** Hash of the client's content; same key + other fingerprint = key reuse (409). */
  fingerprint: string;
  /** Metric labels. */
  source: string;
  feedbackKind: string;
  topic: "interactions" | "feedback";
  /** The protobuf type of `value` (the record's type header). */
  typeName: string;
  /** The record value: the encoded Interaction or Feedback, server fields included. */
  value: Uint8Array;
}

/** True when the client set a tenant that is not the API key's (403). */
export function tenantMismatch(ev: IncomingEvent, tenantId: string): boolean {
  return ev.message.tenantId !== "" && ev.message.tenantId !== tenantId;
}

const sourceLabel = (s: FeedbackSource): string => (FeedbackSource[s] ?? String(s)).toLowerCase();

/** Map entries in key order, so the same content always encodes to the same bytes. */
function sortMap(m: Record<string, string>): Record<string, string> {
  const keys = Object.keys(m);
  if (keys.length < 2) return m;
  const out: Record<string, string> = {};
  for (const k of keys.sort()) out[k] = m[k]!;
  return out;
}

/** Field numbers (rlhf/v1/interaction.proto, feedback.proto) of what the server fills in. */
const IX = { tenantId: 2, idempotencyKey: 10, promptHash: 13, eventId: 14, receivedAt: 15 } as const;
const FB = { feedbackId: 1, tenantId: 2, idempotencyKey: 8, occurredAt: 9, receivedAt: 10 } as const;

/**
 * Completes a validated event: tenant from the key, idempotency key (given or derived from
 * the content), deterministic event id, prompt hash, receipt time. The client's content is
 * encoded once (server fields empty, maps sorted): its hash is the fingerprint (and the
 * derived key of feedback and outcomes), and the server fields are appended to those bytes
 * for the bus. Outcome reports become Feedback with an outcome kind (source defaults to
 * SYSTEM), since both travel on rlhf.feedback.v1. Takes ownership of `ev.message`.
 * With `redactPii`, e-mail addresses and phone numbers in the text are replaced first, so the
 * fingerprint, the published value and the stored row never hold them.
 */
export function prepareEvent(ev: IncomingEvent, tenantId: string, nowMs: number, redactPii = false): PreparedEvent {
  const receivedAt = timestampFromMs(nowMs);
  switch (ev.kind) {
    case "interaction": {
      const m: Interaction = ev.message;
      const clientKey = m.idempotencyKey;
      m.tenantId = "";
      m.idempotencyKey = "";
      m.metadata = sortMap(m.metadata);
      if (redactPii) redactInteraction(m);
      const content = toBinary(InteractionSchema, m);
      const idempotencyKey = clientKey !== "" ? clientKey : `ix:${m.interactionId}`;
      const eventId = eventIdFor(tenantId, idempotencyKey);
      const value = new TrailingFields()
        .string(IX.tenantId, tenantId)
        .string(IX.idempotencyKey, idempotencyKey)
        .string(IX.promptHash, promptHash(m.prompt))
        .string(IX.eventId, eventId)
        .timestamp(IX.receivedAt, receivedAt)
        .appendTo(content);
      return {
        kind: "interaction",
        tenantId,
        interactionId: m.interactionId,
        idempotencyKey,
        eventId,
        fingerprint: fingerprintOf("interaction", content),
        source: "product",
        feedbackKind: "",
        topic: "interactions",
        typeName: InteractionSchema.typeName,
        value,
      };
    }
    case "feedback":
    case "outcome": {
      let m: Feedback;
      let clientKey: string;
      if (ev.kind === "feedback") {
        m = ev.message;
        clientKey = m.idempotencyKey;
        m.tenantId = "";
        m.idempotencyKey = "";
      } else {
        const o = ev.message;
        clientKey = o.idempotencyKey;
        m = create(FeedbackSchema, {
          interactionId: o.interactionId,
          source: o.source === FeedbackSource.UNSPECIFIED ? FeedbackSource.SYSTEM : o.source,
          reasonCodes: o.reasonCodes,
          occurredAt: o.occurredAt,
          kind: { case: "outcome", value: o.outcome ?? create(OutcomeSchema) },
        });
      }
      if (redactPii) redactFeedback(m);
      const content = toBinary(FeedbackSchema, m);
      const fingerprint = fingerprintOf(ev.kind, content);
      const idempotencyKey = clientKey !== "" ? clientKey : `${ev.kind === "feedback" ? "fb" : "oc"}:${fingerprint}`;
      const eventId = eventIdFor(tenantId, idempotencyKey);
      const trailer = new TrailingFields()
        .string(FB.feedbackId, eventId)
        .string(FB.tenantId, tenantId)
        .string(FB.idempotencyKey, idempotencyKey);
      // Feedback without occurredAt happened when it was received.
      if (m.occurredAt === undefined) trailer.timestamp(FB.occurredAt, receivedAt);
      trailer.timestamp(FB.receivedAt, receivedAt);
      return {
        kind: ev.kind,
        tenantId,
        interactionId: m.interactionId,
        idempotencyKey,
        eventId,
        fingerprint,
        source: sourceLabel(m.source),
        feedbackKind: m.kind.case ?? "",
        topic: "feedback",
        typeName: FeedbackSchema.typeName,
        value: trailer.appendTo(content),
      };
    }
  }
}
