import { timestampMs } from "@bufbuild/protobuf/wkt";
import { ComparisonChoice, FeedbackSource, OutcomeKind, Role, ThumbDirection } from "@rlhf-loop/proto";
import type { SimEvent } from "../world/world.js";

/**
 * The "spreadsheet of votes": one row per event, in time order. Interaction rows carry the
 * prompt and answer; feedback and outcome rows point at them by interaction_id. The README
 * documents every column; the order below is the contract.
 */
export const CSV_COLUMNS = [
  "event_type",
  "occurred_at",
  "interaction_id",
  "idempotency_key",
  "conversation_id",
  "segment",
  "user_id",
  "model_version",
  "regenerated_from",
  "purpose",
  "system_prompt",
  "prompt",
  "answer",
  "source",
  "rater_id",
  "feedback_kind",
  "thumb",
  "other_interaction_id",
  "choice",
  "criteria",
  "rubric_version",
  "outcome_kind",
  "amount_minor",
  "currency",
  "detail",
  // Added later, so appended: readers that go by position keep working.
  "intent",
  "reason_codes",
] as const;

type Column = (typeof CSV_COLUMNS)[number];

/** RFC 4180 quoting: fields with a comma, quote, CR or LF are quoted, quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvHeader(): string {
  return CSV_COLUMNS.join(",") + "\r\n";
}

const SOURCE: Record<number, string> = {
  [FeedbackSource.END_USER]: "end_user",
  [FeedbackSource.EXPERT]: "expert",
  [FeedbackSource.QA]: "qa",
  [FeedbackSource.SUPPORT]: "support",
  [FeedbackSource.SYSTEM]: "system",
};
const CHOICE: Record<number, string> = {
  [ComparisonChoice.THIS]: "this",
  [ComparisonChoice.OTHER]: "other",
  [ComparisonChoice.TIE]: "tie",
};
const OUTCOME: Record<number, string> = {
  [OutcomeKind.ESCALATION]: "escalation",
  [OutcomeKind.REFUND]: "refund",
  [OutcomeKind.REOPEN]: "reopen",
  [OutcomeKind.COMPLIANCE_FLAG]: "compliance_flag",
};

function iso(ts: Parameters<typeof timestampMs>[0] | undefined): string {
  return ts ? new Date(timestampMs(ts)).toISOString() : "";
}

export function csvRow(e: SimEvent): string {
  const row: Partial<Record<Column, string>> = {};
  const ev = e.event.event;
  switch (ev.case) {
    case "interaction": {
      const i = ev.value;
      Object.assign(row, {
        event_type: "interaction",
        occurred_at: iso(i.occurredAt),
        interaction_id: i.interactionId,
        idempotency_key: i.idempotencyKey,
        conversation_id: i.conversationId,
        segment: i.segment,
        user_id: i.metadata["user_id"] ?? "",
        model_version: i.modelVersion,
        regenerated_from: i.regeneratedFrom,
        purpose: i.metadata["purpose"] ?? "chat",
        system_prompt: i.prompt.filter((m) => m.role === Role.SYSTEM).map((m) => m.content).join("\n"),
        prompt: i.prompt.filter((m) => m.role === Role.USER).map((m) => m.content).join("\n"),
        answer: i.answer,
        intent: i.metadata["intent"] ?? "",
      });
      break;
    }
    case "feedback": {
      const f = ev.value;
      Object.assign(row, {
        event_type: "feedback",
        occurred_at: iso(f.occurredAt),
        interaction_id: f.interactionId,
        idempotency_key: f.idempotencyKey,
        source: SOURCE[f.source] ?? "",
        rater_id: f.raterId,
        user_id: f.source === FeedbackSource.END_USER ? f.raterId : "",
        feedback_kind: f.kind.case ?? "",
        rubric_version: f.rubricVersion,
        reason_codes: f.reasonCodes.join(";"),
      });
      if (f.kind.case === "thumb") row.thumb = f.kind.value.direction === ThumbDirection.UP ? "up" : "down";
      if (f.kind.case === "comparison") {
        const c = f.kind.value;
        row.other_interaction_id = c.otherInteractionId;
        row.choice = CHOICE[c.choice] ?? "";
        row.criteria = c.criteria.map((x) => `${x.criterion}=${CHOICE[x.choice] ?? ""}`).join(";");
      }
      break;
    }
    case "outcome": {
      const o = ev.value;
      Object.assign(row, {
        event_type: "outcome",
        occurred_at: iso(o.occurredAt),
        interaction_id: o.interactionId,
        idempotency_key: o.idempotencyKey,
        source: SOURCE[o.source] ?? "",
        outcome_kind: OUTCOME[o.outcome?.kind ?? 0] ?? "",
        amount_minor: o.outcome && o.outcome.amountMinor !== 0n ? o.outcome.amountMinor.toString() : "",
        currency: o.outcome?.currency ?? "",
        detail: o.outcome?.detail ?? "",
      });
      break;
    }
    case undefined:
      throw new Error(`event ${e.idempotencyKey} has no payload`);
  }
  return CSV_COLUMNS.map((c) => csvField(row[c] ?? "")).join(",") + "\r\n";
}
