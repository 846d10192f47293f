/**
 * Systematically generated malformed requests for the ingestion HTTP API. Each case says which
 * route it hits, the exact bytes or JSON it sends, the status it must get and the field path
 * the error must name. Generated from the protobuf descriptors, so new fields get cases too.
 */
import { ScalarType } from "@bufbuild/protobuf";
import type { DescField, DescMessage } from "@bufbuild/protobuf";
import { FeedbackSchema, InteractionSchema, OutcomeReportSchema } from "@rlhf-loop/proto";

export interface MalformedCase {
  name: string;
  route: string;
  /** JSON body (serialized with JSON.stringify) ... */
  body?: unknown;
  /** ... or raw bytes, sent as they are. */
  raw?: Buffer;
  status: number;
  /** The path `error.fields` must contain ("" for body-level errors such as invalid JSON). */
  path: string;
}

type Obj = Record<string, unknown>;

export const valid = {
  interaction: (id: string): Obj => ({
    interactionId: id,
    conversationId: "conv-1",
    turnIndex: 1,
    prompt: [{ role: "ROLE_USER", content: "Where is my refund?" }],
    answer: "Within 5 days.",
    modelVersion: "m1",
    segment: "smb",
    occurredAt: "2024-05-01T10:00:00Z",
    idempotencyKey: `k-${id}`,
    metadata: { channel: "web" },
  }),
  thumb: (id: string): Obj => ({ interactionId: id, source: "FEEDBACK_SOURCE_END_USER", thumb: { direction: "THUMB_DIRECTION_UP" }, raterId: "u1", idempotencyKey: `t-${id}` }),
  rating: (id: string): Obj => ({ interactionId: id, source: "FEEDBACK_SOURCE_EXPERT", rating: { score: 4, scaleMin: 1, scaleMax: 5 }, reasonCodes: ["ok"] }),
  comparison: (id: string): Obj => ({
    interactionId: id,
    source: "FEEDBACK_SOURCE_QA",
    comparison: { otherInteractionId: `${id}-b`, choice: "COMPARISON_CHOICE_THIS", criteria: [{ criterion: "policy", choice: "COMPARISON_CHOICE_TIE" }] },
  }),
  outcomeFeedback: (id: string): Obj => ({ interactionId: id, source: "FEEDBACK_SOURCE_SUPPORT", outcome: { kind: "OUTCOME_KIND_REFUND", amountMinor: "500", currency: "EUR" } }),
  outcome: (id: string): Obj => ({ interactionId: id, outcome: { kind: "OUTCOME_KIND_ESCALATION", detail: "x" }, occurredAt: "2024-05-01T11:00:00Z" }),
};

/** Wrong JSON types for a field of this kind (each must be refused, never coerced). */
function wrongValues(f: DescField): unknown[] {
  const forSingle = (kind: "scalar" | "enum" | "message", scalar?: ScalarType, typeName?: string): unknown[] => {
    if (kind === "enum") return ["NOT_A_VALUE", 999, true, { a: 1 }];
    if (kind === "message") return typeName === "google.protobuf.Timestamp" ? [1714557600, "yesterday", "2024-13-01T00:00:00Z", {}] : ["x", 5, [], true];
    switch (scalar) {
      case ScalarType.STRING:
        return [123, true, { a: 1 }, ["x"]];
      case ScalarType.INT32:
        return ["abc", 1.5, true, {}];
      case ScalarType.INT64:
        return ["1.5", true, {}, "9223372036854775808"];
      case ScalarType.BOOL:
        return ["true", 1, {}];
      default:
        return [{}];
    }
  };
  switch (f.fieldKind) {
    case "scalar":
      return forSingle("scalar", f.scalar);
    case "enum":
      return forSingle("enum");
    case "message":
      return forSingle("message", undefined, f.message.typeName);
    case "list":
      return ["x", { a: 1 }, 5];
    case "map":
      return [["x"], "x", 5];
  }
}

/** The value at `path` (dot/bracket free, simple keys) inside a body, as a settable parent. */
function setAt(body: Obj, keys: readonly (string | number)[], value: unknown): Obj {
  const copy = structuredClone(body);
  let cur: Obj | unknown[] = copy;
  for (let i = 0; i < keys.length - 1; i++) cur = (cur as Obj)[keys[i] as string] as Obj;
  (cur as Obj)[keys[keys.length - 1] as string] = value;
  return copy;
}

function deleteAt(body: Obj, keys: readonly (string | number)[]): Obj {
  const copy = structuredClone(body);
  let cur: Obj = copy;
  for (let i = 0; i < keys.length - 1; i++) cur = cur[keys[i] as string] as Obj;
  delete cur[keys[keys.length - 1] as string];
  return copy;
}

const pathOf = (root: string, keys: readonly (string | number)[]): string =>
  keys.reduce<string>((p, k) => (typeof k === "number" ? `${p}[${k}]` : `${p}.${k}`), root);

/** Messages of a body we descend into: [keys to it, its descriptor]. */
function messagesIn(desc: DescMessage, body: Obj, keys: (string | number)[] = []): [(string | number)[], DescMessage][] {
  const out: [(string | number)[], DescMessage][] = [[keys, desc]];
  for (const f of desc.fields) {
    const v = body[f.jsonName];
    if (v === undefined || v === null) continue;
    if (f.fieldKind === "message" && f.message.typeName.startsWith("rlhf.")) out.push(...messagesIn(f.message, v as Obj, [...keys, f.jsonName]));
    if (f.fieldKind === "list" && f.listKind === "message" && Array.isArray(v) && v.length > 0) out.push(...messagesIn(f.message, v[0] as Obj, [...keys, f.jsonName, 0]));
  }
  return out;
}

interface Target {
  route: string;
  root: string;
  desc: DescMessage;
  body: (id: string) => Obj;
  /** Fields the rules require, as key paths. */
  required: (string | number)[][];
}

const targets: Target[] = [
  { route: "/v1/interactions", root: "interaction", desc: InteractionSchema, body: valid.interaction, required: [["interactionId"], ["prompt"], ["answer"], ["occurredAt"], ["prompt", 0, "role"], ["prompt", 0, "content"]] },
  { route: "/v1/feedback", root: "feedback", desc: FeedbackSchema, body: valid.thumb, required: [["interactionId"], ["source"], ["thumb", "direction"]] },
  { route: "/v1/feedback", root: "feedback", desc: FeedbackSchema, body: valid.rating, required: [["rating", "scaleMax"]] },
  { route: "/v1/feedback", root: "feedback", desc: FeedbackSchema, body: valid.comparison, required: [["comparison", "otherInteractionId"], ["comparison", "choice"], ["comparison", "criteria", 0, "criterion"]] },
  { route: "/v1/feedback", root: "feedback", desc: FeedbackSchema, body: valid.outcomeFeedback, required: [["outcome", "kind"]] },
  { route: "/v1/outcomes", root: "outcome", desc: OutcomeReportSchema, body: valid.outcome, required: [["interactionId"], ["outcome"], ["outcome", "kind"]] },
];

/** Builds the cases; `id` makes interaction ids unique per run. */
export function malformedCases(id: (n: number) => string): MalformedCase[] {
  const cases: MalformedCase[] = [];
  let n = 0;
  const add = (c: Omit<MalformedCase, "status"> & { status?: number }) => cases.push({ status: 400, ...c });

  for (const t of targets) {
    const base = t.body(id(n++));
    const feedbackKinds = new Set(["thumb", "rating", "comparison", "outcome"]);
    // 1. Wrong types, per field of every message the body contains.
    for (const [keys, desc] of messagesIn(t.desc, base)) {
      for (const f of desc.fields) {
        // Sibling oneof members would fail as "only one of" instead; covered on their own body.
        if (t.desc === FeedbackSchema && keys.length === 0 && feedbackKinds.has(f.jsonName) && base[f.jsonName] === undefined) continue;
        for (const v of wrongValues(f)) {
          add({ name: `${t.root} ${pathOf("", [...keys, f.jsonName])} = ${JSON.stringify(v)}`, route: t.route, body: setAt(t.body(id(n++)), [...keys, f.jsonName], v), path: pathOf(t.root, [...keys, f.jsonName]) });
        }
      }
      // 2. Unknown fields at every level, including prototype-pollution keys.
      for (const key of ["unknownField", "__proto__", "constructor", "prototype"]) {
        const b = t.body(id(n++));
        const parent = keys.length === 0 ? b : (keys.reduce<unknown>((o, k) => (o as Obj)[k as string], b) as Obj);
        Object.defineProperty(parent, key, { value: { polluted: true }, enumerable: true, configurable: true, writable: true });
        add({ name: `${t.root} unknown key ${key} at ${pathOf("", keys) || "root"}`, route: t.route, body: b, path: pathOf(t.root, [...keys, key]) });
      }
    }
    // 3. Missing required fields.
    for (const keys of t.required) add({ name: `${t.root} missing ${keys.join(".")}`, route: t.route, body: deleteAt(t.body(id(n++)), keys), path: pathOf(t.root, keys) });
  }

  // 4. Unknown enum values and out-of-range numbers, by hand where the rule is semantic.
  const fb = (patch: Obj) => ({ ...valid.thumb(id(n++)), ...patch });
  const ix = (patch: Obj) => ({ ...valid.interaction(id(n++)), ...patch });
  const rt = (rating: Obj) => ({ ...valid.rating(id(n++)), rating });
  const semantic: [string, string, Obj, string][] = [
    ["thumb SIDEWAYS", "/v1/feedback", fb({ thumb: { direction: "SIDEWAYS" } }), "feedback.thumb.direction"],
    ["thumb UNSPECIFIED", "/v1/feedback", fb({ thumb: { direction: "THUMB_DIRECTION_UNSPECIFIED" } }), "feedback.thumb.direction"],
    ["source UNSPECIFIED", "/v1/feedback", fb({ source: "FEEDBACK_SOURCE_UNSPECIFIED" }), "feedback.source"],
    ["source lowercase", "/v1/feedback", fb({ source: "feedback_source_qa" }), "feedback.source"],
    ["source number 77", "/v1/feedback", fb({ source: 77 }), "feedback.source"],
    ["role unknown", "/v1/interactions", ix({ prompt: [{ role: "ROLE_ROBOT", content: "x" }] }), "interaction.prompt[0].role"],
    ["rating over scale", "/v1/feedback", rt({ score: 11, scaleMin: 1, scaleMax: 10 }), "feedback.rating.score"],
    ["rating under scale", "/v1/feedback", rt({ score: 0, scaleMin: 1, scaleMax: 10 }), "feedback.rating.score"],
    ["rating scale inverted", "/v1/feedback", rt({ score: 1, scaleMin: 5, scaleMax: 1 }), "feedback.rating.scaleMax"],
    ["rating scale huge", "/v1/feedback", rt({ score: 1, scaleMin: 1, scaleMax: 1_000_000 }), "feedback.rating.scaleMax"],
    ["rating int32 overflow", "/v1/feedback", rt({ score: 2 ** 40, scaleMin: 1, scaleMax: 5 }), "feedback.rating.score"],
    ["turnIndex negative", "/v1/interactions", ix({ turnIndex: -3 }), "interaction.turnIndex"],
    ["turnIndex huge", "/v1/interactions", ix({ turnIndex: 50_000 }), "interaction.turnIndex"],
    ["turnIndex 1e400", "/v1/interactions", ix({ turnIndex: "1e400" }), "interaction.turnIndex"],
    ["occurredAt 1970", "/v1/interactions", ix({ occurredAt: "1970-01-01T00:00:00Z" }), "interaction.occurredAt"],
    ["occurredAt 2200", "/v1/interactions", ix({ occurredAt: "2200-01-01T00:00:00Z" }), "interaction.occurredAt"],
    ["occurredAt Feb 30", "/v1/interactions", ix({ occurredAt: "2024-02-30T00:00:00Z" }), "interaction.occurredAt"],
    ["occurredAt no zone", "/v1/interactions", ix({ occurredAt: "2024-05-01T10:00:00" }), "interaction.occurredAt"],
    ["refund negative", "/v1/feedback", { ...valid.outcomeFeedback(id(n++)), outcome: { kind: "OUTCOME_KIND_REFUND", amountMinor: "-1", currency: "EUR" } }, "feedback.outcome.amountMinor"],
    ["refund too large", "/v1/feedback", { ...valid.outcomeFeedback(id(n++)), outcome: { kind: "OUTCOME_KIND_REFUND", amountMinor: "9000000000000000000", currency: "EUR" } }, "feedback.outcome.amountMinor"],
    ["currency lowercase", "/v1/feedback", { ...valid.outcomeFeedback(id(n++)), outcome: { kind: "OUTCOME_KIND_REFUND", amountMinor: "1", currency: "eur" } }, "feedback.outcome.currency"],
    ["comparison with itself", "/v1/feedback", { ...valid.comparison("same"), comparison: { otherInteractionId: "same", choice: "COMPARISON_CHOICE_TIE" } }, "feedback.comparison.otherInteractionId"],
    ["no feedback kind", "/v1/feedback", { interactionId: id(n++), source: "FEEDBACK_SOURCE_QA" }, "feedback.kind"],
    ["two feedback kinds", "/v1/feedback", fb({ rating: { score: 1, scaleMin: 1, scaleMax: 5 } }), "feedback.rating"],
    ["interactionId with space", "/v1/interactions", ix({ interactionId: "a b" }), "interaction.interactionId"],
    ["interactionId 201 chars", "/v1/interactions", ix({ interactionId: "a".repeat(201) }), "interaction.interactionId"],
    ["interactionId empty", "/v1/interactions", ix({ interactionId: "" }), "interaction.interactionId"],
    ["idempotencyKey with newline", "/v1/feedback", fb({ idempotencyKey: "a\nb" }), "feedback.idempotencyKey"],
    ["reason code with space", "/v1/feedback", { ...valid.rating(id(n++)), reasonCodes: ["too long"] }, "feedback.reasonCodes[0]"],
    ["21 reason codes", "/v1/feedback", { ...valid.rating(id(n++)), reasonCodes: Array.from({ length: 21 }, (_, i) => `c${i}`) }, "feedback.reasonCodes"],
    ["prompt empty", "/v1/interactions", ix({ prompt: [] }), "interaction.prompt"],
    ["prompt 101 messages", "/v1/interactions", ix({ prompt: Array.from({ length: 101 }, () => ({ role: "ROLE_USER", content: "x" })) }), "interaction.prompt"],
    ["prompt null item", "/v1/interactions", ix({ prompt: [null] }), "interaction.prompt[0]"],
    ["metadata 33 entries", "/v1/interactions", ix({ metadata: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, "v"])) }), "interaction.metadata"],
    ["metadata bad key", "/v1/interactions", ix({ metadata: { "a b": "v" } }), 'interaction.metadata["a b"]'],
    ["metadata nested object", "/v1/interactions", ix({ metadata: { a: { b: "c" } } }), 'interaction.metadata["a"]'],
    ["server-set eventId", "/v1/interactions", ix({ eventId: "e" }), "interaction.eventId"],
    ["server-set promptHash", "/v1/interactions", ix({ promptHash: "h" }), "interaction.promptHash"],
    ["server-set receivedAt", "/v1/feedback", fb({ receivedAt: "2024-05-01T10:00:00Z" }), "feedback.receivedAt"],
    ["field twice snake+camel", "/v1/feedback", fb({ interaction_id: "zzz" }), "feedback.interactionId"],
  ];
  for (const [name, route, body, path] of semantic) add({ name, route, body, path });

  // 5. NUL bytes, lone surrogates and huge strings.
  add({ name: "NUL in answer", route: "/v1/interactions", body: ix({ answer: "a\u0000b" }), path: "interaction.answer" });
  add({ name: "NUL in prompt content", route: "/v1/interactions", body: ix({ prompt: [{ role: "ROLE_USER", content: "\u0000" }] }), path: "interaction.prompt[0].content" });
  add({ name: "NUL in metadata value", route: "/v1/interactions", body: ix({ metadata: { a: "x\u0000" } }), path: 'interaction.metadata["a"]' });
  add({ name: "NUL in comment", route: "/v1/feedback", body: fb({ comment: "\u0000\u0000" }), path: "feedback.comment" });
  add({ name: "NUL in interactionId", route: "/v1/feedback", body: fb({ interactionId: "a\u0000" }), path: "feedback.interactionId" });
  add({ name: "lone surrogate in answer", route: "/v1/interactions", raw: Buffer.from(JSON.stringify(ix({ answer: "PLACEHOLDER" })).replace("PLACEHOLDER", "\\ud800")), path: "interaction.answer" });
  add({ name: "answer 65537 bytes", route: "/v1/interactions", body: ix({ answer: "a".repeat(65_537) }), path: "interaction.answer" });
  add({ name: "answer 40k emoji (>64 KiB)", route: "/v1/interactions", body: ix({ answer: "😀".repeat(20_000) }), path: "interaction.answer" });
  add({ name: "comment 9 KiB", route: "/v1/feedback", body: fb({ comment: "c".repeat(9 * 1024) }), path: "feedback.comment" });
  add({ name: "modelVersion 201 bytes", route: "/v1/interactions", body: ix({ modelVersion: "m".repeat(201) }), path: "interaction.modelVersion" });
  add({ name: "prompt content 64 KiB + 1", route: "/v1/interactions", body: ix({ prompt: [{ role: "ROLE_USER", content: "p".repeat(65_537) }] }), path: "interaction.prompt[0].content" });
  add({ name: "huge unknown key", route: "/v1/feedback", body: fb({ ["k".repeat(10_000)]: 1 }), path: `feedback.${"k".repeat(64)}…` });

  // 6. Deep nesting where a scalar or a shallow object belongs.
  // Written as text: JSON.stringify itself would overflow the stack on these.
  const deepArr = (d: number): string => "[".repeat(d) + "]".repeat(d);
  const deepObj = (d: number): string => '{"a":'.repeat(d) + "1" + "}".repeat(d);
  add({ name: "deep array as answer", route: "/v1/interactions", raw: Buffer.from(JSON.stringify(ix({ answer: "PLACEHOLDER" })).replace('"PLACEHOLDER"', deepArr(20))), path: "interaction.answer" });
  add({ name: "deep array as prompt item", route: "/v1/interactions", raw: Buffer.from(JSON.stringify(ix({ prompt: "PLACEHOLDER" })).replace('"PLACEHOLDER"', `[${deepArr(20)}]`)), path: "interaction.prompt[0]" });
  add({ name: "deep object as metadata value", route: "/v1/interactions", raw: Buffer.from(JSON.stringify(ix({ metadata: "PLACEHOLDER" })).replace('"PLACEHOLDER"', `{"a":${deepObj(20)}}`)), path: 'interaction.metadata["a"]' });
  add({ name: "deep object as thumb", route: "/v1/feedback", raw: Buffer.from(JSON.stringify(fb({ thumb: "PLACEHOLDER" })).replace('"PLACEHOLDER"', deepObj(20))), path: "feedback.thumb.a" });
  // Deeper than any event can be: refused before parsing, as a body-level error.
  add({ name: "array nested 100,000 deep", route: "/v1/interactions", raw: Buffer.from(JSON.stringify(ix({ answer: "PLACEHOLDER" })).replace('"PLACEHOLDER"', deepArr(100_000))), path: "" });
  add({ name: "object nested 50,000 deep", route: "/v1/feedback", raw: Buffer.from(JSON.stringify(fb({ comment: "PLACEHOLDER" })).replace('"PLACEHOLDER"', deepObj(50_000))), path: "" });
  add({ name: "batch nested 40 deep", route: "/v1/events:batch", raw: Buffer.from(`{"events":${deepArr(40)}}`), path: "" });

  // 7. Bodies that are not a JSON object of the right shape.
  const rawCases: [string, string, string | Buffer, string][] = [
    ["empty body", "/v1/feedback", "", ""],
    ["truncated JSON", "/v1/feedback", '{"interactionId": "a"', ""],
    ["trailing comma", "/v1/feedback", '{"interactionId": "a",}', ""],
    ["single quotes", "/v1/feedback", "{'interactionId': 'a'}", ""],
    ["NaN literal", "/v1/interactions", '{"turnIndex": NaN}', ""],
    ["comment in JSON", "/v1/feedback", '{"interactionId": "a" /* hi */}', ""],
    ["two documents", "/v1/feedback", '{"a":1}{"b":2}', ""],
    ["BOM prefix", "/v1/feedback", "\ufeff" + JSON.stringify(valid.thumb("bom")), ""],
    ["invalid UTF-8", "/v1/feedback", Buffer.from([0x7b, 0x22, 0x61, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), ""],
    ["duplicate key", "/v1/feedback", '{"interactionId":"a","interactionId":"b","source":"FEEDBACK_SOURCE_QA","thumb":{"direction":"THUMB_DIRECTION_UP"}}', ""],
    ["escaped duplicate key", "/v1/feedback", '{"source":"FEEDBACK_SOURCE_QA","\\u0073ource":"FEEDBACK_SOURCE_QA"}', ""],
    ["JSON null", "/v1/feedback", "null", "feedback"],
    ["JSON array", "/v1/interactions", "[]", "interaction"],
    ["JSON string", "/v1/outcomes", '"hello"', "outcome"],
    ["JSON number", "/v1/outcomes", "42", "outcome"],
    ["JSON true", "/v1/feedback", "true", "feedback"],
  ];
  for (const [name, route, raw, path] of rawCases) add({ name, route, raw: Buffer.isBuffer(raw) ? raw : Buffer.from(raw, "utf8"), path });

  // 8. Batches: each bad field named with its event index; one bad event rejects all.
  const good = () => [{ interaction: valid.interaction(id(n++)) }, { feedback: valid.thumb(id(n++)) }];
  const batch = (events: unknown, extra: Obj = {}) => ({ events, ...extra });
  const batchCases: [string, unknown, string][] = [
    ["batch events missing", {}, "events"],
    ["batch events empty", batch([]), "events"],
    ["batch events object", batch({ a: 1 }), "events"],
    ["batch events string", batch("x"), "events"],
    ["batch unknown top-level", batch(good(), { extra: 1 }), "extra"],
    ["batch event with no kind", batch([...good(), {}]), "events[2].event"],
    ["batch event with two kinds", batch([{ interaction: valid.interaction(id(n++)), feedback: valid.thumb(id(n++)) }]), "events[0].feedback"],
    ["batch event is a string", batch([...good(), "x"]), "events[2]"],
    ["batch event is null", batch([null, ...good()]), "events[0]"],
    ["batch event unknown kind", batch([{ vote: {} }]), "events[0].vote"],
    ["batch bad enum at index 3", batch([...good(), ...good().slice(0, 1), { feedback: { ...valid.thumb(id(n++)), thumb: { direction: "SIDEWAYS" } } }]), "events[3].feedback.thumb.direction"],
    ["batch bad outcome kind", batch([...good(), { outcome: { ...valid.outcome(id(n++)), outcome: { kind: "OUTCOME_KIND_BONUS" } } }]), "events[2].outcome.outcome.kind"],
    ["batch missing answer", batch([{ interaction: { ...valid.interaction(id(n++)), answer: "" } }]), "events[0].interaction.answer"],
    ["batch __proto__ event", batch([JSON.parse('{"__proto__":{"x":1}}') as Obj]), "events[0].__proto__"],
    ["batch idempotency key reused for other content", batch([{ feedback: { ...valid.thumb("dup-a"), idempotencyKey: "same" } }, { feedback: { ...valid.thumb("dup-b"), idempotencyKey: "same" } }]), "events[1].feedback.idempotencyKey"],
  ];
  for (const [name, body, path] of batchCases) add({ name, route: "/v1/events:batch", body, path, ...(name.includes("reused") ? { status: 409 } : {}) });
  return cases;
}
