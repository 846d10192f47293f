import { ScalarType } from "@bufbuild/protobuf";
import type { DescField, DescMessage, Message } from "@bufbuild/protobuf";
import { reflect } from "@bufbuild/protobuf/reflect";
import type { ReflectMessage } from "@bufbuild/protobuf/reflect";
import { TimestampSchema } from "@bufbuild/protobuf/wkt";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import {
  ComparisonChoice,
  FeedbackSchema,
  FeedbackSource,
  InteractionSchema,
  OutcomeReportSchema,
  OutcomeKind,
  Role,
  ThumbDirection,
} from "@rlhf-loop/proto";
import type { Feedback, Interaction, Outcome, OutcomeReport } from "@rlhf-loop/proto";
import { Limits } from "./limits.js";
import { LONE_SURROGATE, RESERVED_KEYS } from "./json-shape.js";
import { type Violations, indexPath, joinPath, keyPath } from "./violations.js";

/*
 * Business rules on decoded messages. They run for JSON (after the shape check) and for
 * gRPC binary alike, so the generic pass also catches what only binary can carry: unknown
 * field numbers and enum numbers with no name.
 */

const utf8Bytes = (s: string): number => Buffer.byteLength(s, "utf8");

/** Generic checks for every string, enum and unknown field of a message tree. */
export function checkGeneric(desc: DescMessage, msg: Message, path: string, out: Violations): void {
  walk(reflect(desc, msg), path, out);
}

function walk(r: ReflectMessage, path: string, out: Violations): void {
  const unknown = r.getUnknown();
  if (unknown && unknown.length > 0) {
    for (const u of unknown) out.add(joinPath(path, `#${u.no}`), "unknown field");
  }
  if (r.desc.typeName === TimestampSchema.typeName) return;
  for (const f of r.fields) {
    if (!r.isSet(f)) continue;
    const fpath = joinPath(path, f.jsonName);
    switch (f.fieldKind) {
      case "scalar":
        if (f.scalar === ScalarType.STRING) checkString(r.get(f) as string, fpath, out);
        break;
      case "enum":
        checkEnumNumber(f, r.get(f) as number, fpath, out);
        break;
      case "message":
        walk(r.get(f) as ReflectMessage, fpath, out);
        break;
      case "list": {
        const list = r.get(f);
        let i = 0;
        for (const item of list) {
          const ipath = indexPath(fpath, i++);
          if (f.listKind === "scalar" && typeof item === "string") checkString(item, ipath, out);
          else if (f.listKind === "enum") checkEnumNumber(f, item as number, ipath, out);
          else if (f.listKind === "message") walk(item as ReflectMessage, ipath, out);
        }
        break;
      }
      case "map": {
        const map = r.get(f);
        for (const [k, v] of map) {
          const key = String(k);
          const kpath = keyPath(fpath, key);
          if (RESERVED_KEYS.has(key)) out.add(kpath, "reserved key is not allowed");
          checkString(key, kpath, out);
          if (typeof v === "string") checkString(v, kpath, out);
          else if (f.mapKind === "message") walk(v as ReflectMessage, kpath, out);
        }
        break;
      }
    }
  }
}

function checkString(s: string, path: string, out: Violations): void {
  if (s.includes("\u0000")) out.add(path, "must not contain NUL characters");
  else if (LONE_SURROGATE.test(s)) out.add(path, "must be valid Unicode (lone surrogate)");
}

function checkEnumNumber(f: DescField, n: number, path: string, out: Violations): void {
  const e = f.enum;
  if (e && !e.values.some((v) => v.number === n)) out.add(path, `unknown enum value ${n}`);
}

// ---- small field rules ----

function requireId(v: string, path: string, out: Violations): void {
  if (v === "") out.add(path, "required");
  else checkId(v, path, out);
}

function checkId(v: string, path: string, out: Violations): void {
  if (v === "") return;
  if (v.length > Limits.idMaxLength) out.add(path, `longer than ${Limits.idMaxLength} characters`);
  else if (!Limits.idPattern.test(v)) out.add(path, "may only contain letters, digits and . _ : -");
}

function checkIdempotencyKey(v: string, path: string, out: Violations): void {
  if (v === "") return;
  if (v.length > Limits.idempotencyKeyMaxLength) out.add(path, `longer than ${Limits.idempotencyKeyMaxLength} characters`);
  else if (!Limits.idempotencyKeyPattern.test(v)) out.add(path, "must be printable ASCII without spaces");
}

function maxBytes(v: string, max: number, path: string, out: Violations): void {
  if (v.length > max || utf8Bytes(v) > max) out.add(path, `longer than ${max} bytes`);
}

function serverSet(isSet: boolean, path: string, out: Violations): void {
  if (isSet) out.add(path, "is set by the server; leave it empty");
}

function checkTime(t: Timestamp | undefined, path: string, out: Violations, required: boolean): void {
  if (!t) {
    if (required) out.add(path, "required");
    return;
  }
  if (t.nanos < 0 || t.nanos > 999_999_999) {
    out.add(path, "nanos out of range");
    return;
  }
  const ms = Number(t.seconds) * 1000;
  if (ms < Limits.minTimeMs || ms >= Limits.maxTimeMs) out.add(path, "out of range (2000-01-01 to 2100-01-01)");
}

function checkReasonCodes(codes: string[], path: string, out: Violations): void {
  if (codes.length > Limits.reasonCodesMax) out.add(path, `at most ${Limits.reasonCodesMax} reason codes`);
  codes.forEach((c, i) => {
    if (!Limits.reasonCodePattern.test(c)) out.add(indexPath(path, i), "must be 1-64 letters, digits or . _ : -");
  });
}

function checkSource(s: FeedbackSource, path: string, out: Violations): void {
  if (s === FeedbackSource.UNSPECIFIED) out.add(path, "required (not FEEDBACK_SOURCE_UNSPECIFIED)");
}

function checkOutcome(o: Outcome | undefined, path: string, out: Violations): void {
  if (!o) {
    out.add(path, "required");
    return;
  }
  if (o.kind === OutcomeKind.UNSPECIFIED) out.add(joinPath(path, "kind"), "required (not OUTCOME_KIND_UNSPECIFIED)");
  if (o.amountMinor < 0n) out.add(joinPath(path, "amountMinor"), "must not be negative");
  else if (o.amountMinor > Limits.amountMinorMax) out.add(joinPath(path, "amountMinor"), `must be at most ${Limits.amountMinorMax}`);
  if (o.currency !== "" && !Limits.currencyPattern.test(o.currency)) out.add(joinPath(path, "currency"), "must be an ISO 4217 code such as EUR");
  if (o.amountMinor > 0n && o.currency === "") out.add(joinPath(path, "currency"), "required when amountMinor is set");
  maxBytes(o.detail, Limits.outcomeDetailMaxBytes, joinPath(path, "detail"), out);
}

// ---- per event kind ----

export function checkInteraction(m: Interaction, path: string, out: Violations): void {
  checkGeneric(InteractionSchema, m, path, out);
  requireId(m.interactionId, joinPath(path, "interactionId"), out);
  checkId(m.conversationId, joinPath(path, "conversationId"), out);
  checkId(m.regeneratedFrom, joinPath(path, "regeneratedFrom"), out);
  if (m.regeneratedFrom !== "" && m.regeneratedFrom === m.interactionId) {
    out.add(joinPath(path, "regeneratedFrom"), "must differ from interactionId");
  }
  if (m.turnIndex < 0 || m.turnIndex > Limits.turnIndexMax) out.add(joinPath(path, "turnIndex"), `must be within 0..${Limits.turnIndexMax}`);
  const ppath = joinPath(path, "prompt");
  if (m.prompt.length === 0) out.add(ppath, "required (at least one message)");
  else if (m.prompt.length > Limits.promptMaxMessages) out.add(ppath, `at most ${Limits.promptMaxMessages} messages`);
  let total = 0;
  m.prompt.forEach((pm, i) => {
    const ip = indexPath(ppath, i);
    if (pm.role === Role.UNSPECIFIED) out.add(joinPath(ip, "role"), "required (not ROLE_UNSPECIFIED)");
    if (pm.content === "") out.add(joinPath(ip, "content"), "required");
    else maxBytes(pm.content, Limits.promptMessageMaxBytes, joinPath(ip, "content"), out);
    total += utf8Bytes(pm.content);
  });
  if (total > Limits.promptMaxTotalBytes) out.add(ppath, `longer than ${Limits.promptMaxTotalBytes} bytes in total`);
  if (m.answer === "") out.add(joinPath(path, "answer"), "required");
  else maxBytes(m.answer, Limits.answerMaxBytes, joinPath(path, "answer"), out);
  maxBytes(m.modelVersion, Limits.shortTextMaxBytes, joinPath(path, "modelVersion"), out);
  maxBytes(m.segment, Limits.shortTextMaxBytes, joinPath(path, "segment"), out);
  checkTime(m.occurredAt, joinPath(path, "occurredAt"), out, true);
  checkIdempotencyKey(m.idempotencyKey, joinPath(path, "idempotencyKey"), out);
  const md = Object.entries(m.metadata);
  if (md.length > Limits.metadataMaxEntries) out.add(joinPath(path, "metadata"), `at most ${Limits.metadataMaxEntries} entries`);
  for (const [k, v] of md) {
    const kp = keyPath(joinPath(path, "metadata"), k);
    if (!Limits.metadataKeyPattern.test(k)) out.add(kp, "key must be 1-64 letters, digits or . _ : -");
    maxBytes(v, Limits.metadataValueMaxBytes, kp, out);
  }
  serverSet(m.promptHash !== "", joinPath(path, "promptHash"), out);
  serverSet(m.eventId !== "", joinPath(path, "eventId"), out);
  serverSet(m.receivedAt !== undefined, joinPath(path, "receivedAt"), out);
}

export function checkFeedback(m: Feedback, path: string, out: Violations): void {
  checkGeneric(FeedbackSchema, m, path, out);
  requireId(m.interactionId, joinPath(path, "interactionId"), out);
  checkSource(m.source, joinPath(path, "source"), out);
  maxBytes(m.raterId, Limits.shortTextMaxBytes, joinPath(path, "raterId"), out);
  maxBytes(m.rubricVersion, Limits.shortTextMaxBytes, joinPath(path, "rubricVersion"), out);
  maxBytes(m.comment, Limits.commentMaxBytes, joinPath(path, "comment"), out);
  checkReasonCodes(m.reasonCodes, joinPath(path, "reasonCodes"), out);
  checkIdempotencyKey(m.idempotencyKey, joinPath(path, "idempotencyKey"), out);
  checkTime(m.occurredAt, joinPath(path, "occurredAt"), out, false);
  serverSet(m.feedbackId !== "", joinPath(path, "feedbackId"), out);
  serverSet(m.receivedAt !== undefined, joinPath(path, "receivedAt"), out);
  const k = m.kind;
  switch (k.case) {
    case undefined:
      out.add(joinPath(path, "kind"), "exactly one of thumb, rating, comparison, outcome is required");
      break;
    case "thumb":
      if (k.value.direction === ThumbDirection.UNSPECIFIED) out.add(joinPath(path, "thumb.direction"), "required (not THUMB_DIRECTION_UNSPECIFIED)");
      break;
    case "rating": {
      const r = k.value;
      const rp = joinPath(path, "rating");
      const b = Limits.ratingBound;
      if (r.scaleMin < -b || r.scaleMin > b) out.add(joinPath(rp, "scaleMin"), `must be within -${b}..${b}`);
      else if (r.scaleMax < -b || r.scaleMax > b) out.add(joinPath(rp, "scaleMax"), `must be within -${b}..${b}`);
      else if (r.scaleMax <= r.scaleMin) out.add(joinPath(rp, "scaleMax"), "must be greater than scaleMin (send the scale, e.g. 1..5)");
      else if (r.score < r.scaleMin || r.score > r.scaleMax) out.add(joinPath(rp, "score"), `must be within the scale ${r.scaleMin}..${r.scaleMax}`);
      break;
    }
    case "comparison": {
      const c = k.value;
      const cp = joinPath(path, "comparison");
      requireId(c.otherInteractionId, joinPath(cp, "otherInteractionId"), out);
      if (c.otherInteractionId !== "" && c.otherInteractionId === m.interactionId) {
        out.add(joinPath(cp, "otherInteractionId"), "must differ from interactionId");
      }
      if (c.choice === ComparisonChoice.UNSPECIFIED) out.add(joinPath(cp, "choice"), "required (not COMPARISON_CHOICE_UNSPECIFIED)");
      if (c.criteria.length > Limits.criteriaMax) out.add(joinPath(cp, "criteria"), `at most ${Limits.criteriaMax} criteria`);
      c.criteria.forEach((cj, i) => {
        const ip = indexPath(joinPath(cp, "criteria"), i);
        if (cj.criterion === "") out.add(joinPath(ip, "criterion"), "required");
        else maxBytes(cj.criterion, Limits.criterionMaxBytes, joinPath(ip, "criterion"), out);
        if (cj.choice === ComparisonChoice.UNSPECIFIED) out.add(joinPath(ip, "choice"), "required (not COMPARISON_CHOICE_UNSPECIFIED)");
      });
      break;
    }
    case "outcome":
      checkOutcome(k.value, joinPath(path, "outcome"), out);
      break;
  }
}

export function checkOutcomeReport(m: OutcomeReport, path: string, out: Violations): void {
  checkGeneric(OutcomeReportSchema, m, path, out);
  requireId(m.interactionId, joinPath(path, "interactionId"), out);
  checkOutcome(m.outcome, joinPath(path, "outcome"), out);
  checkReasonCodes(m.reasonCodes, joinPath(path, "reasonCodes"), out);
  checkIdempotencyKey(m.idempotencyKey, joinPath(path, "idempotencyKey"), out);
  checkTime(m.occurredAt, joinPath(path, "occurredAt"), out, false);
  // UNSPECIFIED means "default" here (FEEDBACK_SOURCE_SYSTEM), so only unknown numbers fail (generic pass).
}
