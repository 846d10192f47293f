import { ScalarType } from "@bufbuild/protobuf";
import type { DescEnum, DescField, DescMessage } from "@bufbuild/protobuf";
import {
  FeedbackSchema,
  InteractionSchema,
  OutcomeReportSchema,
  RecordBatchRequestSchema,
  RecordBatchResponseSchema,
  RecordResponseSchema,
} from "@rlhf-loop/proto";
import { Limits } from "./limits.js";

type Schema = Record<string, unknown>;

/** Fields the server fills in; documented read-only, rejected when a client sends them. */
const SERVER_SET: Record<string, readonly string[]> = {
  "rlhf.v1.Interaction": ["eventId", "promptHash", "receivedAt"],
  "rlhf.v1.Feedback": ["feedbackId", "receivedAt"],
};

/** Fields the validation rules require (beyond the proto3 JSON shape). */
const REQUIRED: Record<string, readonly string[]> = {
  "rlhf.v1.Interaction": ["interactionId", "prompt", "answer", "occurredAt"],
  "rlhf.v1.ChatMessage": ["role", "content"],
  "rlhf.v1.Feedback": ["interactionId", "source"],
  "rlhf.v1.Thumb": ["direction"],
  "rlhf.v1.Rating": ["score", "scaleMin", "scaleMax"],
  "rlhf.v1.Comparison": ["otherInteractionId", "choice"],
  "rlhf.v1.CriterionJudgement": ["criterion", "choice"],
  "rlhf.v1.Outcome": ["kind"],
  "rlhf.v1.OutcomeReport": ["interactionId", "outcome"],
  "rlhf.v1.RecordBatchRequest": ["events"],
};

const refName = (typeName: string): string => typeName.replace(/^rlhf\.v1\./, "").replace(/\./g, "_");

/**
 * JSON Schema (OpenAPI 3.1 dialect) of the proto3 JSON mapping of a message and everything it
 * references, derived from the protobuf descriptors so the document cannot drift from the
 * contracts. Unknown fields are not allowed; enums are their names.
 */
export function jsonSchemas(roots: readonly DescMessage[]): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  const enums: Record<string, Schema> = {};
  const visit = (m: DescMessage): void => {
    const name = refName(m.typeName);
    if (out[name] || m.typeName.startsWith("google.protobuf.")) return;
    out[name] = {}; // placeholder against cycles
    const properties: Record<string, Schema> = {};
    const serverSet = new Set(SERVER_SET[m.typeName] ?? []);
    for (const f of m.fields) {
      const s = fieldSchema(f, visit, enums);
      if (serverSet.has(f.jsonName)) Object.assign(s, { readOnly: true, description: "Set by the server; leave it empty." });
      properties[f.jsonName] = s;
    }
    const schema: Schema = { type: "object", additionalProperties: false, properties };
    const required = REQUIRED[m.typeName];
    if (required) schema["required"] = [...required];
    const oneofs = m.oneofs.filter((o) => o.fields.length > 1);
    if (oneofs.length > 0) {
      schema["description"] = oneofs.map((o) => `Exactly one of: ${o.fields.map((f) => f.jsonName).join(", ")}.`).join(" ");
      schema["oneOf"] = oneofs[0]!.fields.map((f) => ({ required: [f.jsonName] }));
    }
    out[name] = schema;
  };
  for (const r of roots) visit(r);
  return { ...out, ...enums };
}

function scalarSchema(t: ScalarType): Schema {
  switch (t) {
    case ScalarType.STRING:
      return { type: "string" };
    case ScalarType.BOOL:
      return { type: "boolean" };
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return { type: "integer", format: "int32" };
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return { type: "integer", format: "uint32", minimum: 0 };
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return { type: ["string", "integer"], format: "int64", pattern: "^-?[0-9]+$", description: "64-bit integer; a decimal string in JSON." };
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return { type: "number" };
    case ScalarType.BYTES:
      return { type: "string", contentEncoding: "base64" };
  }
}

function enumRef(e: DescEnum, enums: Record<string, Schema>): Schema {
  const name = refName(e.typeName);
  enums[name] ??= { type: "string", enum: e.values.map((v) => v.name) };
  return { $ref: `#/components/schemas/${name}` };
}

function singleSchema(f: DescField, kind: "scalar" | "enum" | "message", visit: (m: DescMessage) => void, enums: Record<string, Schema>): Schema {
  if (kind === "scalar" && f.scalar !== undefined) return scalarSchema(f.scalar);
  if (kind === "enum" && f.enum) return enumRef(f.enum, enums);
  const m = f.message;
  if (!m) return {};
  if (m.typeName === "google.protobuf.Timestamp") {
    return { type: "string", format: "date-time", description: `RFC 3339, between ${new Date(Limits.minTimeMs).toISOString()} and ${new Date(Limits.maxTimeMs).toISOString()}.` };
  }
  visit(m);
  return { $ref: `#/components/schemas/${refName(m.typeName)}` };
}

function fieldSchema(f: DescField, visit: (m: DescMessage) => void, enums: Record<string, Schema>): Schema {
  switch (f.fieldKind) {
    case "scalar":
      return singleSchema(f, "scalar", visit, enums);
    case "enum":
      return singleSchema(f, "enum", visit, enums);
    case "message":
      return singleSchema(f, "message", visit, enums);
    case "list":
      return { type: "array", items: singleSchema(f, f.listKind, visit, enums) };
    case "map":
      return { type: "object", additionalProperties: singleSchema(f, f.mapKind, visit, enums) };
  }
}

export interface OpenApiOptions {
  maxBatchEvents: number;
  maxBodyBytes: number;
  maxBatchBytes: number;
}

const ERROR_SCHEMA: Schema = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message", "fields"],
      properties: {
        code: {
          type: "string",
          enum: ["invalid_argument", "unauthenticated", "permission_denied", "failed_precondition", "payload_too_large", "unsupported_media_type", "resource_exhausted", "unavailable", "internal"],
        },
        message: { type: "string" },
        fields: {
          type: "array",
          items: { type: "object", required: ["path", "reason"], properties: { path: { type: "string", examples: ["events[3].feedback.thumb.direction"] }, reason: { type: "string" } } },
        },
      },
    },
  },
};

function errorResponses(): Record<string, unknown> {
  const err = (description: string, retryAfter = false) => ({
    description,
    ...(retryAfter ? { headers: { "Retry-After": { schema: { type: "integer" }, description: "Seconds to wait before retrying with the same idempotency key." } } } : {}),
    content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
  });
  return {
    "400": err("Invalid event: `error.fields` names each bad field and why."),
    "401": err("Missing or unknown API key."),
    "403": err("The body names another tenant than the API key's."),
    "409": err("Idempotency key (or interaction id) already used for different content."),
    "413": err("Body larger than the limit, or too many events."),
    "415": err("Content-Type is not application/json (or an unsupported Content-Encoding)."),
    "429": err("Tenant rate limit exceeded.", true),
    "503": err("Broker or database unavailable; retry with the same idempotency key.", true),
  };
}

/** The OpenAPI 3.1 document served at /docs/openapi.json. */
export function openApiDocument(o: OpenApiOptions): Record<string, unknown> {
  const schemas = jsonSchemas([InteractionSchema, FeedbackSchema, OutcomeReportSchema, RecordBatchRequestSchema, RecordResponseSchema, RecordBatchResponseSchema]);
  const single = (summary: string, ref: string, description: string) => ({
    post: {
      summary,
      description,
      security: [{ bearer: [] }],
      requestBody: { required: true, content: { "application/json": { schema: { $ref: `#/components/schemas/${ref}` } } } },
      responses: {
        "202": { description: "Accepted: the broker acknowledged the event.", content: { "application/json": { schema: { $ref: "#/components/schemas/RecordResponse" } } } },
        "200": { description: "Duplicate: this idempotency key was accepted before; nothing new is stored.", content: { "application/json": { schema: { $ref: "#/components/schemas/RecordResponse" } } } },
        ...errorResponses(),
      },
    },
  });
  return {
    openapi: "3.1.0",
    info: {
      title: "rlhf-loop ingestion",
      version: "1.0.0",
      description:
        "Interactions, feedback and outcomes from a chat product. Bodies are the proto3 JSON mapping of rlhf.v1 messages. " +
        `Single events up to ${o.maxBodyBytes} bytes; batches up to ${o.maxBatchEvents} events and ${o.maxBatchBytes} bytes. ` +
        "Content-Encoding: gzip is accepted. Send an idempotencyKey with every event and reuse it on retries.",
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "API key rlhf_<tenant>_<secret>" } },
      schemas: { ...schemas, Error: ERROR_SCHEMA },
    },
    paths: {
      "/v1/interactions": single("Record an interaction", "Interaction", "One answer shown to a user with the exact prompt."),
      "/v1/feedback": single("Record feedback", "Feedback", "A thumb, rating, comparison or outcome on one interaction."),
      "/v1/outcomes": single("Record an outcome", "OutcomeReport", "A business outcome (escalation, refund, reopen, compliance flag) of one interaction."),
      "/v1/events:batch": {
        post: {
          summary: "Record a batch of events",
          description: "All-or-nothing: one invalid event rejects the batch, naming each bad field as events[i].<kind>.<field>. Results are in request order.",
          security: [{ bearer: [] }],
          requestBody: { required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/RecordBatchRequest" } } } },
          responses: {
            "202": { description: "Accepted (some events may be duplicates).", content: { "application/json": { schema: { $ref: "#/components/schemas/RecordBatchResponse" } } } },
            "200": { description: "Every event was a duplicate.", content: { "application/json": { schema: { $ref: "#/components/schemas/RecordBatchResponse" } } } },
            ...errorResponses(),
          },
        },
      },
    },
  };
}
