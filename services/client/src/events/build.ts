import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  ComparisonChoice,
  FeedbackSource,
  IngestEventSchema,
  OutcomeKind,
  Role,
  ThumbDirection,
  type IngestEvent,
} from "@rlhf-loop/proto";
import type {
  ComparisonInput,
  EventCommon,
  InteractionInput,
  OutcomeInput,
  RatingInput,
  ThumbInput,
} from "./inputs.js";
import { isReasonCode } from "./reason-codes.js";
import { utf8Length } from "./utf8.js";

/** A field the client or the server refused, with a path like `feedback.thumb.direction`. */
export interface FieldViolation {
  path: string;
  reason: string;
}

export type EventKind = "interaction" | "thumb" | "rating" | "comparison" | "outcome";

export type BuildResult =
  | { ok: true; event: IngestEvent; interactionId: string; idempotencyKey: string }
  | { ok: false; violations: FieldViolation[]; interactionId: string; idempotencyKey: string };

const ID_PATTERN = /^[A-Za-z0-9._:-]{1,200}$/;
const MAX_ANSWER_BYTES = 64 * 1024;

/** Maps an enum input (generated enum value or its lower-case short name) to the enum value; 0 when unknown. */
function enumValue(enumObj: Record<string, string | number>, input: unknown): number {
  if (typeof input === "number") return typeof enumObj[input] === "string" ? input : 0;
  if (typeof input === "string") {
    const v = enumObj[input.toUpperCase()];
    return typeof v === "number" ? v : 0;
  }
  return 0;
}

function checkId(path: string, value: unknown, out: FieldViolation[]): string {
  if (typeof value !== "string" || !ID_PATTERN.test(value)) {
    out.push({ path, reason: "must be 1..200 characters of [A-Za-z0-9._:-]" });
    return typeof value === "string" ? value : "";
  }
  return value;
}

function checkReasons(path: string, codes: readonly unknown[] | undefined, out: FieldViolation[]): string[] {
  if (codes === undefined) return [];
  const result: string[] = [];
  codes.forEach((c, i) => {
    if (typeof c === "string" && isReasonCode(c)) result.push(c);
    else out.push({ path: `${path}[${i}]`, reason: `unknown reason code ${JSON.stringify(c)}` });
  });
  return result;
}

function occurredAt(common: EventCommon, path: string, out: FieldViolation[]) {
  const d = common.occurredAt ?? new Date();
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) {
    out.push({ path, reason: "must be a valid Date" });
    return timestampFromDate(new Date());
  }
  return timestampFromDate(d);
}

function source(input: unknown, fallback: FeedbackSource, path: string, out: FieldViolation[]): FeedbackSource {
  if (input === undefined) return fallback;
  const v = enumValue(FeedbackSource, input);
  if (v === 0) out.push({ path, reason: `unknown source ${JSON.stringify(input)}` });
  return v;
}

function result(
  event: IngestEvent,
  violations: FieldViolation[],
  interactionId: string,
  idempotencyKey: string,
): BuildResult {
  return violations.length === 0
    ? { ok: true, event, interactionId, idempotencyKey }
    : { ok: false, violations, interactionId, idempotencyKey };
}

export function buildInteraction(input: InteractionInput, key: string, newId: () => string): BuildResult {
  const v: FieldViolation[] = [];
  const interactionId = checkId("interaction.interactionId", input.interactionId ?? newId(), v);
  const prompt = Array.isArray(input.prompt) ? input.prompt : [];
  if (prompt.length === 0) v.push({ path: "interaction.prompt", reason: "must hold at least one message" });
  const messages = prompt.map((m, i) => {
    const role = enumValue(Role, m?.role);
    if (role === 0) v.push({ path: `interaction.prompt[${i}].role`, reason: `unknown role ${JSON.stringify(m?.role)}` });
    if (typeof m?.content !== "string" || m.content.length === 0)
      v.push({ path: `interaction.prompt[${i}].content`, reason: "must be a non-empty string" });
    return { role, content: typeof m?.content === "string" ? m.content : "" };
  });
  if (typeof input.answer !== "string" || input.answer.length === 0)
    v.push({ path: "interaction.answer", reason: "must be a non-empty string" });
  else if (utf8Length(input.answer) > MAX_ANSWER_BYTES)
    v.push({ path: "interaction.answer", reason: "must be at most 64 KiB" });
  if (input.regeneratedFrom !== undefined && input.regeneratedFrom !== "")
    checkId("interaction.regeneratedFrom", input.regeneratedFrom, v);
  const event = create(IngestEventSchema, {
    event: {
      case: "interaction",
      value: {
        interactionId,
        conversationId: input.conversationId ?? "",
        turnIndex: input.turnIndex ?? 0,
        prompt: messages,
        answer: typeof input.answer === "string" ? input.answer : "",
        modelVersion: input.modelVersion ?? "",
        segment: input.segment ?? "",
        occurredAt: occurredAt(input, "interaction.occurredAt", v),
        idempotencyKey: key,
        metadata: input.metadata ?? {},
        regeneratedFrom: input.regeneratedFrom ?? "",
      },
    },
  });
  return result(event, v, interactionId, key);
}

type FeedbackKindValue =
  | { case: "thumb"; value: { direction: ThumbDirection } }
  | { case: "rating"; value: { score: number; scaleMin: number; scaleMax: number } }
  | {
      case: "comparison";
      value: {
        otherInteractionId: string;
        choice: ComparisonChoice;
        criteria: { criterion: string; choice: ComparisonChoice }[];
      };
    };

function buildFeedback(
  input: ThumbInput | RatingInput | ComparisonInput,
  kind: FeedbackKindValue,
  v: FieldViolation[],
  key: string,
  defaultSource: FeedbackSource,
): BuildResult {
  const interactionId = checkId("feedback.interactionId", input.interactionId, v);
  const event = create(IngestEventSchema, {
    event: {
      case: "feedback",
      value: {
        interactionId,
        source: source(input.source, defaultSource, "feedback.source", v),
        raterId: input.raterId ?? "",
        reasonCodes: checkReasons("feedback.reasonCodes", input.reasonCodes, v),
        rubricVersion: input.rubricVersion ?? "",
        idempotencyKey: key,
        occurredAt: occurredAt(input, "feedback.occurredAt", v),
        comment: input.comment ?? "",
        kind,
      },
    },
  });
  return result(event, v, interactionId, key);
}

export function buildThumb(input: ThumbInput, key: string, defaultSource: FeedbackSource): BuildResult {
  const v: FieldViolation[] = [];
  const direction = enumValue(ThumbDirection, input.direction);
  if (direction === 0) v.push({ path: "feedback.thumb.direction", reason: `unknown direction ${JSON.stringify(input.direction)}` });
  return buildFeedback(input, { case: "thumb", value: { direction } }, v, key, defaultSource);
}

export function buildRating(input: RatingInput, key: string, defaultSource: FeedbackSource): BuildResult {
  const v: FieldViolation[] = [];
  const scaleMin = input.scaleMin ?? 1;
  const scaleMax = input.scaleMax ?? 5;
  if (!Number.isInteger(scaleMin) || !Number.isInteger(scaleMax) || scaleMin >= scaleMax)
    v.push({ path: "feedback.rating.scaleMax", reason: "scale must be integers with scaleMin < scaleMax" });
  if (!Number.isInteger(input.score) || input.score < scaleMin || input.score > scaleMax)
    v.push({ path: "feedback.rating.score", reason: `must be an integer within [${scaleMin}, ${scaleMax}]` });
  const score = Number.isInteger(input.score) ? input.score : 0;
  return buildFeedback(input, { case: "rating", value: { score, scaleMin, scaleMax } }, v, key, defaultSource);
}

export function buildComparison(input: ComparisonInput, key: string, defaultSource: FeedbackSource): BuildResult {
  const v: FieldViolation[] = [];
  const other = checkId("feedback.comparison.otherInteractionId", input.otherInteractionId, v);
  if (other === input.interactionId)
    v.push({ path: "feedback.comparison.otherInteractionId", reason: "must differ from interactionId" });
  const choice = enumValue(ComparisonChoice, input.choice);
  if (choice === 0) v.push({ path: "feedback.comparison.choice", reason: `unknown choice ${JSON.stringify(input.choice)}` });
  const criteria = (input.criteria ?? []).map((c, i) => {
    const cc = enumValue(ComparisonChoice, c?.choice);
    if (cc === 0) v.push({ path: `feedback.comparison.criteria[${i}].choice`, reason: `unknown choice ${JSON.stringify(c?.choice)}` });
    if (typeof c?.criterion !== "string" || c.criterion.length === 0)
      v.push({ path: `feedback.comparison.criteria[${i}].criterion`, reason: "must be a non-empty string" });
    return { criterion: typeof c?.criterion === "string" ? c.criterion : "", choice: cc };
  });
  return buildFeedback(
    input,
    { case: "comparison", value: { otherInteractionId: other, choice, criteria } },
    v,
    key,
    defaultSource,
  );
}

export function buildOutcome(input: OutcomeInput, key: string): BuildResult {
  const v: FieldViolation[] = [];
  const interactionId = checkId("outcome.interactionId", input.interactionId, v);
  const kind = enumValue(OutcomeKind, input.kind);
  if (kind === 0) v.push({ path: "outcome.outcome.kind", reason: `unknown outcome kind ${JSON.stringify(input.kind)}` });
  const amount = input.amountMinor ?? 0n;
  let amountMinor = 0n;
  if (typeof amount === "bigint") amountMinor = amount;
  else if (typeof amount === "number" && Number.isSafeInteger(amount)) amountMinor = BigInt(amount);
  else if (typeof amount === "string" && /^-?\d+$/.test(amount)) amountMinor = BigInt(amount);
  else v.push({ path: "outcome.outcome.amountMinor", reason: "must be an integer (minor units)" });
  const event = create(IngestEventSchema, {
    event: {
      case: "outcome",
      value: {
        interactionId,
        outcome: { kind, amountMinor, currency: input.currency ?? "", detail: input.detail ?? "" },
        idempotencyKey: key,
        occurredAt: occurredAt(input, "outcome.occurredAt", v),
        source: source(input.source, FeedbackSource.SYSTEM, "outcome.source", v),
        reasonCodes: checkReasons("outcome.reasonCodes", input.reasonCodes, v),
      },
    },
  });
  return result(event, v, interactionId, key);
}
