import { toJson } from "@bufbuild/protobuf";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import {
  ChatMessageSchema,
  ComparisonSchema,
  FeedbackSource,
  OutcomeSchema,
  RatingSchema,
  ThumbSchema,
} from "@rlhf-loop/proto";
import type { Feedback, Interaction } from "@rlhf-loop/proto";
import { eventIdFor, idempotencyKeyFor } from "../domain/idempotency.js";
import { promptHash } from "../domain/prompt.js";
import { checkFeedback, checkInteraction } from "../domain/rules.js";
import type { FieldViolation } from "../domain/violations.js";
import { Violations } from "../domain/violations.js";
import type { FeedbackRow, InteractionRow } from "../store/events-store.js";

/*
 * Records on the topics come from ingestion, but producers may also write to Kafka directly
 * (DESIGN: "straight onto Kafka"), so the consumer checks them again, with rules for the
 * stored form: the tenant must be set; server-set fields may be present.
 */

const iso = (t: Timestamp | undefined, fallback: string): string => (t ? timestampDate(t).toISOString() : fallback);

function storedFormViolations(tenantId: string, check: (out: Violations) => void): FieldViolation[] {
  const out = new Violations();
  if (tenantId === "") out.add("tenantId", "required on the bus");
  check(out);
  // Server-set fields are legitimately present on the bus.
  return out.toArray().filter((v) => !v.reason.startsWith("is set by the server"));
}

export function interactionToRow(m: Interaction, nowIso: string): { row: InteractionRow } | { violations: FieldViolation[] } {
  const violations = storedFormViolations(m.tenantId, (out) => checkInteraction(m, "", out));
  if (violations.length > 0) return { violations };
  const key = idempotencyKeyFor(m);
  return {
    row: {
      tenantId: m.tenantId,
      interactionId: m.interactionId,
      eventId: m.eventId !== "" ? m.eventId : eventIdFor(m.tenantId, key),
      idempotencyKey: key,
      conversationId: m.conversationId,
      turnIndex: m.turnIndex,
      promptJson: JSON.stringify(m.prompt.map((p) => toJson(ChatMessageSchema, p))),
      promptHash: m.promptHash !== "" ? m.promptHash : promptHash(m.prompt),
      answer: m.answer,
      modelVersion: m.modelVersion,
      segment: m.segment,
      metadataJson: JSON.stringify(m.metadata),
      regeneratedFrom: m.regeneratedFrom,
      occurredAt: iso(m.occurredAt, nowIso),
      receivedAt: iso(m.receivedAt, nowIso),
    },
  };
}

function detailOf(m: Feedback): string {
  switch (m.kind.case) {
    case "thumb":
      return JSON.stringify(toJson(ThumbSchema, m.kind.value));
    case "rating":
      return JSON.stringify(toJson(RatingSchema, m.kind.value));
    case "comparison":
      return JSON.stringify(toJson(ComparisonSchema, m.kind.value));
    case "outcome":
      return JSON.stringify(toJson(OutcomeSchema, m.kind.value));
    default:
      return "{}";
  }
}

export function feedbackToRow(m: Feedback, nowIso: string): { row: FeedbackRow } | { violations: FieldViolation[] } {
  const violations = storedFormViolations(m.tenantId, (out) => checkFeedback(m, "", out));
  if (violations.length > 0) return { violations };
  // Feedback produced straight to Kafka without a key gets one from its content, as the API would.
  const key = idempotencyKeyFor(m);
  return {
    row: {
      tenantId: m.tenantId,
      feedbackId: m.feedbackId !== "" ? m.feedbackId : eventIdFor(m.tenantId, key),
      interactionId: m.interactionId,
      idempotencyKey: key,
      kind: m.kind.case ?? "",
      source: (FeedbackSource[m.source] ?? String(m.source)).toLowerCase(),
      raterId: m.raterId,
      reasonCodesJson: JSON.stringify(m.reasonCodes),
      rubricVersion: m.rubricVersion,
      comment: m.comment,
      detailJson: detailOf(m),
      occurredAt: iso(m.occurredAt, nowIso),
      receivedAt: iso(m.receivedAt, nowIso),
    },
  };
}
