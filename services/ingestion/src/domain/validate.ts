import { fromJson } from "@bufbuild/protobuf";
import type { DescMessage } from "@bufbuild/protobuf";
import {
  FeedbackSchema,
  InteractionSchema,
  OutcomeReportSchema,
  RecordBatchRequestSchema,
} from "@rlhf-loop/proto";
import type { Feedback, IngestEvent, Interaction, OutcomeReport } from "@rlhf-loop/proto";
import type { EventKind } from "./idempotency.js";
import { checkJsonShape } from "./json-shape.js";
import { checkFeedback, checkInteraction, checkOutcomeReport } from "./rules.js";
import type { FieldViolation } from "./violations.js";
import { Violations, indexPath, joinPath } from "./violations.js";

/** A decoded event as the client sent it (before the server fills in ids). */
export type IncomingEvent =
  | { kind: "interaction"; message: Interaction }
  | { kind: "feedback"; message: Feedback }
  | { kind: "outcome"; message: OutcomeReport };

export type Validated<T> = { ok: true; value: T } | { ok: false; violations: FieldViolation[] };

export const schemaOf: Record<EventKind, DescMessage> = {
  interaction: InteractionSchema,
  feedback: FeedbackSchema,
  outcome: OutcomeReportSchema,
};

/** Business rules for one decoded event (JSON or gRPC), violations under `path`. */
export function checkEvent(ev: IncomingEvent, path: string, out: Violations): void {
  switch (ev.kind) {
    case "interaction":
      checkInteraction(ev.message, path, out);
      break;
    case "feedback":
      checkFeedback(ev.message, path, out);
      break;
    case "outcome":
      checkOutcomeReport(ev.message, path, out);
      break;
  }
}

/** Rules that run after the shape check drop what the shape check already reported. */
function mergeRules(shape: Violations, run: (rules: Violations) => void): Violations {
  const rules = new Violations();
  run(rules);
  for (const v of rules.list) if (!shape.covers(v.path)) shape.add(v.path, v.reason);
  return shape;
}

function decode<T>(schema: DescMessage, cleaned: Record<string, unknown>, path: string, out: Violations): T | undefined {
  try {
    return fromJson(schema, cleaned as never) as T;
  } catch (e) {
    // The shape check mirrors fromJson; reaching here means a gap in it, still a client error.
    out.add(path, e instanceof Error ? e.message : String(e));
    return undefined;
  }
}

/** Validates a parsed JSON body of a single-event route; the root path is the kind name. */
export function validateJsonEvent(kind: EventKind, json: unknown): Validated<IncomingEvent> {
  const schema = schemaOf[kind];
  const out = new Violations();
  const cleaned = checkJsonShape(schema, json, kind, out);
  const message = decode<Interaction | Feedback | OutcomeReport>(schema, cleaned, kind, out);
  if (message === undefined) return { ok: false, violations: out.toArray() };
  const ev = { kind, message } as IncomingEvent;
  mergeRules(out, (rules) => checkEvent(ev, kind, rules));
  return out.size === 0 ? { ok: true, value: ev } : { ok: false, violations: out.toArray() };
}

/** The event inside an IngestEvent oneof, or undefined when none is set. */
export function fromIngestEvent(e: IngestEvent): IncomingEvent | undefined {
  switch (e.event.case) {
    case "interaction":
      return { kind: "interaction", message: e.event.value };
    case "feedback":
      return { kind: "feedback", message: e.event.value };
    case "outcome":
      return { kind: "outcome", message: e.event.value };
    default:
      return undefined;
  }
}

/** Business rules for one IngestEvent at `path` (events[i]); used for JSON batches and gRPC. */
export function checkIngestEvent(e: IngestEvent, path: string, out: Violations): IncomingEvent | undefined {
  const ev = fromIngestEvent(e);
  if (ev === undefined) {
    out.add(joinPath(path, "event"), "exactly one of interaction, feedback, outcome is required");
    return undefined;
  }
  checkEvent(ev, joinPath(path, ev.kind), out);
  const unknown = e.$unknown;
  if (unknown && unknown.length > 0) for (const u of unknown) out.add(joinPath(path, `#${u.no}`), "unknown field");
  return ev;
}

/** Validates a parsed RecordBatchRequest JSON body; all-or-nothing, paths like events[3].feedback.source. */
export function validateJsonBatch(json: unknown): Validated<IncomingEvent[]> {
  const out = new Violations();
  const cleaned = checkJsonShape(RecordBatchRequestSchema, json, "", out);
  const req = decode<{ events: IngestEvent[] }>(RecordBatchRequestSchema, cleaned, "", out);
  if (req === undefined) return { ok: false, violations: out.toArray() };
  const events: IncomingEvent[] = [];
  mergeRules(out, (rules) => {
    if (req.events.length === 0 && !out.covers("events")) rules.add("events", "required (at least one event)");
    req.events.forEach((e, i) => {
      const ev = checkIngestEvent(e, indexPath("events", i), rules);
      if (ev) events.push(ev);
    });
  });
  return out.size === 0 ? { ok: true, value: events } : { ok: false, violations: out.toArray() };
}

/** Validates one decoded gRPC event message (binary already parsed by protobuf-es). */
export function validateMessageEvent(ev: IncomingEvent, path: string): FieldViolation[] {
  const out = new Violations();
  checkEvent(ev, path, out);
  return out.toArray();
}

