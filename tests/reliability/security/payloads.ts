/**
 * fast-check arbitraries for hostile input: strings (SQL, HTML, NUL, lone surrogates, path
 * tricks), numbers at the edges of every representation, JSON shaped like the services' own
 * messages (field names taken from the proto descriptors) with prototype-pollution keys mixed in,
 * raw bodies that are not valid JSON or not valid UTF-8, and protobuf messages that are well formed
 * on the wire but hold adversarial values.
 */
import { create, toBinary, ScalarType, type DescField, type DescMessage } from "@bufbuild/protobuf";
import fc from "fast-check";

export const SQL = ["' or '1'='1", "'; drop table interactions; --", "1; select pg_sleep(5)--", "\\'", "$1", "%' and 1=1 --", "\" OR \"\"=\""];
export const HTML = ["<script>globalThis.__xss=1</script>", "<img src=x onerror=alert(1)>", "</textarea><svg onload=alert(1)>", "javascript:alert(1)", "{{constructor.constructor('return 1')()}}", "${7*7}"];
export const TRICKY = ["\u0000", "a\u0000b", "\uD800", "\uDFFFx", "../../../etc/passwd", "%00", "%2e%2e%2f", "__proto__", "constructor", "prototype", "\u202Eevil", "\r\nX-Injected: 1", "😀".repeat(3), ""];
export const POLLUTION_KEYS = ["__proto__", "constructor", "prototype", "__defineGetter__", "hasOwnProperty", "toString", "valueOf"];

export const advString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SQL, ...HTML, ...TRICKY) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...SQL, ...HTML, ...TRICKY), fc.string({ maxLength: 10 })).map(([a, b]) => a + b) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 200_000 }).map((n) => "x".repeat(n)) },
);

export const edgeNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 0.5, 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, -Number.MAX_SAFE_INTEGER - 2, 2 ** 31, 2 ** 32, 2 ** 63, 2 ** 64, -(2 ** 63)),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** JSON text of numbers no JS number holds: kept as raw text so the server's parser sees them. */
export const HUGE_NUMBER_TEXT = ["1e999999", "-1e999999", "123456789012345678901234567890123456789", "0.0000000000000000000000000000000000000000001e-400", "1E400", "-0.0", "9007199254740993"];

/** JSON values whose object keys are the services' field names, adversarial keys and random ones. */
export function jsonArb(fieldNames: readonly string[]): fc.Arbitrary<unknown> {
  const key = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...(fieldNames.length ? fieldNames : ["x"])) }, { weight: 1, arbitrary: fc.constantFrom(...POLLUTION_KEYS) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) });
  const { value } = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      advString,
      edgeNumber,
      fc.boolean(),
      fc.constant(null),
      fc.array(tie("value"), { maxLength: 4 }),
      fc.dictionary(key, tie("value"), { maxKeys: 6 }),
    ),
  }));
  return fc.oneof({ weight: 4, arbitrary: fc.dictionary(key, value, { minKeys: 1, maxKeys: 10 }) }, { weight: 1, arbitrary: value });
}

/** A request body: bytes with a content type (and sometimes a content encoding). */
export interface RawBody {
  kind: string;
  bytes: Buffer;
  contentType: string;
  contentEncoding?: string;
}

const json = (kind: string, text: string): RawBody => ({ kind, bytes: Buffer.from(text, "utf8"), contentType: "application/json" });

/** Splices `"key": <raw>` members into a JSON object text (keys JSON.stringify would drop or reorder). */
function withRawMembers(base: unknown, members: readonly string[]): string {
  const text = JSON.stringify(base);
  if (typeof base !== "object" || base === null || Array.isArray(base) || text === "{}") return `{${members.join(",")}}`;
  return `{${members.join(",")},${text.slice(1)}`;
}

export function bodyArb(fieldNames: readonly string[]): fc.Arbitrary<RawBody> {
  const value = jsonArb(fieldNames);
  return fc.oneof(
    { weight: 6, arbitrary: value.map((v) => json("json", JSON.stringify(v) ?? "null")) },
    {
      weight: 2,
      arbitrary: fc.tuple(value, fc.constantFrom(...fieldNames, "x")).map(([v, f]) =>
        json("prototype-pollution", withRawMembers(v, [`"__proto__":{"polluted":"yes","isAdmin":true}`, `"constructor":{"prototype":{"polluted":"yes"}}`, `"${f}":{"__proto__":{"polluted":"yes"}}`])),
      ),
    },
    { weight: 1, arbitrary: fc.tuple(value, fc.constantFrom(...HUGE_NUMBER_TEXT), fc.constantFrom(...fieldNames, "x")).map(([v, n, f]) => json("huge-number", withRawMembers(v, [`"${f}":${n}`]))) },
    { weight: 1, arbitrary: fc.integer({ min: 50, max: 50_000 }).map((n) => json("deep-nesting", `${'{"a":['.repeat(n)}1${"]}".repeat(n)}`)) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom(...fieldNames, "x"), fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([f, b]) => ({
        kind: "invalid-utf8",
        bytes: Buffer.concat([Buffer.from(`{"${f}":"`), Buffer.from(b.map((x) => 0x80 | x)), Buffer.from('"}')]),
        contentType: "application/json",
      })),
    },
    { weight: 1, arbitrary: fc.constantFrom('{"a":1,"a":2}', "{", "[", "nul", '{"a":"\\ud800"}', '{"a":"\\u0000"}', "\ufeff{}", "", "   ", '"just a string"', "[]".repeat(1000)).map((t) => json("malformed-json", t)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 256 }).map((b) => ({ kind: "random-bytes", bytes: Buffer.from(b), contentType: "application/json" })) },
    {
      weight: 1,
      arbitrary: fc.tuple(value, fc.constantFrom("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=latin1", "application/xml", "")).map(([v, ct]) => ({
        kind: "wrong-content-type",
        bytes: Buffer.from(JSON.stringify(v) ?? "null"),
        contentType: ct,
      })),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => ({ kind: "bogus-gzip", bytes: Buffer.from(b), contentType: "application/json", contentEncoding: "gzip" })) },
  );
}

/** A 10 MB string inside an otherwise plausible object. */
export function tenMegabyteBody(fieldName: string): RawBody {
  return json("10MB-string", `{"${fieldName}":"${"A".repeat(10 * 1024 * 1024)}"}`);
}

// ---- protobuf messages: valid on the wire, adversarial in content ----

const INT32 = fc.oneof(fc.constantFrom(0, -1, 2147483647, -2147483648), fc.integer());
const UINT32 = fc.oneof(fc.constantFrom(0, 4294967295), fc.nat());
const INT64 = fc.oneof(fc.constantFrom(0n, -1n, 9223372036854775807n, -9223372036854775808n), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }));
const UINT64 = fc.oneof(fc.constantFrom(0n, 18446744073709551615n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));
const DOUBLE = fc.oneof(fc.constantFrom(NaN, Infinity, -Infinity, 1e308, -0), fc.double());
const FLOAT = fc.oneof(fc.constantFrom(NaN, Infinity, -Infinity, 3.4e38), fc.float());

function scalarArb(t: ScalarType): fc.Arbitrary<unknown> {
  switch (t) {
    case ScalarType.STRING:
      return advString.map((s) => (s.length > 2_000 ? s.slice(0, 2_000) : s));
    case ScalarType.BYTES:
      return fc.uint8Array({ maxLength: 64 });
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.DOUBLE:
      return DOUBLE;
    case ScalarType.FLOAT:
      return FLOAT;
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return INT64;
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return UINT64;
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return UINT32;
    default:
      return INT32;
  }
}

const ENUM = fc.oneof(fc.integer({ min: 0, max: 6 }), fc.constantFrom(-1, 99, 2147483647));

function singleArb(f: { scalar?: ScalarType; message?: DescMessage; kind: "scalar" | "enum" | "message" }, depth: number): fc.Arbitrary<unknown> {
  if (f.kind === "enum") return ENUM;
  if (f.kind === "message") return depth > 0 && f.message ? messageInitArb(f.message, depth - 1) : fc.constant(undefined);
  return scalarArb(f.scalar ?? ScalarType.STRING);
}

function fieldArb(f: DescField, depth: number): fc.Arbitrary<unknown> {
  switch (f.fieldKind) {
    case "scalar":
      return scalarArb(f.scalar);
    case "enum":
      return ENUM;
    case "message":
      return depth > 0 ? messageInitArb(f.message, depth - 1) : fc.constant(undefined);
    case "list": {
      const el = singleArb({ kind: f.listKind, ...(f.listKind === "scalar" ? { scalar: f.scalar } : {}), ...(f.listKind === "message" ? { message: f.message } : {}) }, depth);
      // Long lists only of scalars at the top: long lists of messages of long lists explode.
      if (f.listKind === "message" || depth < 3) return fc.array(el, { maxLength: f.listKind === "message" ? 3 : 5 });
      return fc.oneof({ weight: 5, arbitrary: fc.array(el, { maxLength: 5 }) }, { weight: 1, arbitrary: fc.integer({ min: 100, max: 3000 }).chain((n) => fc.array(el, { minLength: n, maxLength: n })) });
    }
    case "map": {
      const v = singleArb({ kind: f.mapKind, ...(f.mapKind === "scalar" ? { scalar: f.scalar } : {}), ...(f.mapKind === "message" ? { message: f.message } : {}) }, depth);
      const k = f.mapKey === ScalarType.STRING ? fc.oneof(advString.map((s) => s.slice(0, 200)), fc.constantFrom(...POLLUTION_KEYS)) : scalarArb(f.mapKey).map(String);
      return fc.dictionary(k as fc.Arbitrary<string>, v, { maxKeys: 5 });
    }
  }
}

/** An init object for `create(desc, init)`: any subset of fields, one case of each oneof. */
export function messageInitArb(desc: DescMessage, depth = 3): fc.Arbitrary<Record<string, unknown>> {
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of desc.fields) if (!f.oneof) parts[f.localName] = fieldArb(f, depth);
  for (const o of desc.oneofs) {
    parts[o.localName] = fc.oneof(...o.fields.map((f) => fieldArb(f, depth).map((value) => ({ case: f.localName, value }))));
  }
  return fc.record(parts, { requiredKeys: [] });
}

/** Encoded message bytes: well-formed adversarial content, or plain random bytes. */
export function grpcPayloadArb(desc: DescMessage): fc.Arbitrary<{ kind: string; bytes: Buffer }> {
  return fc.oneof(
    {
      weight: 3,
      arbitrary: messageInitArb(desc).map((init) => {
        try {
          return { kind: "adversarial-message", bytes: Buffer.from(toBinary(desc, create(desc, init as never))) };
        } catch {
          return { kind: "adversarial-message(unencodable->empty)", bytes: Buffer.alloc(0) };
        }
      }),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }).map((b) => ({ kind: "random-bytes", bytes: Buffer.from(b) })) },
    // Field numbers with lengths that point past the end, and varints that never end.
    { weight: 1, arbitrary: fc.constantFrom(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), Buffer.from(Array(20).fill(0xff)), Buffer.from([0x0a, 0x05, 0x41]), Buffer.from([0xfa, 0xff, 0xff, 0xff, 0x0f, 0x00])).map((bytes) => ({ kind: "truncated", bytes })) },
  );
}

/** Every field's JSON name (and proto name) reachable from the given messages. */
export function fieldNamesOf(messages: readonly DescMessage[]): string[] {
  const seen = new Set<string>();
  const names = new Set<string>();
  const walk = (m: DescMessage) => {
    if (seen.has(m.typeName)) return;
    seen.add(m.typeName);
    for (const f of m.fields) {
      names.add(f.jsonName);
      names.add(f.name);
      const sub = f.fieldKind === "message" ? f.message : (f.fieldKind === "list" && f.listKind === "message") || (f.fieldKind === "map" && f.mapKind === "message") ? f.message : undefined;
      if (sub) walk(sub);
    }
  };
  messages.forEach(walk);
  return [...names];
}

type Json = unknown;

/** Paths (keys and indexes) of every node of a JSON value, the root included. */
function pathsOf(v: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, [...prefix, i], out));
  else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) pathsOf(x, [...prefix, k], out);
  return out;
}

function setAt(v: Json, path: readonly (string | number)[], op: (old: Json) => Json | typeof DELETE): Json {
  if (path.length === 0) {
    const r = op(v);
    return r === DELETE ? null : r;
  }
  const [head, ...rest] = path;
  const copy: Record<string | number, Json> = Array.isArray(v) ? [...(v as Json[])] as unknown as Record<number, Json> : { ...(v as Record<string, Json>) };
  if (rest.length === 0) {
    const r = op(copy[head!]);
    if (r === DELETE) {
      if (Array.isArray(copy)) (copy as unknown as Json[]).splice(head as number, 1);
      else delete copy[head!];
    } else copy[head!] = r;
    return copy;
  }
  copy[head!] = setAt(copy[head!], rest, op);
  return copy;
}

const DELETE = Symbol("delete");

/**
 * A valid body with one node changed: replaced by a hostile value, a wrong type, an edge number,
 * deleted, wrapped in an array, or given prototype-pollution members. Reaches the code behind the
 * validators, which random JSON rarely does.
 */
export function mutatedBodyArb(samples: readonly unknown[], fieldNames: readonly string[]): fc.Arbitrary<RawBody> {
  const replacement = fc.oneof(advString, edgeNumber, fc.boolean(), fc.constant(null), fc.constant({}), fc.constant([]), jsonArb(fieldNames));
  return fc
    .tuple(fc.constantFrom(...samples), fc.nat(), fc.nat({ max: 5 }), replacement, fc.integer({ min: 1, max: 3 }))
    .chain(([sample, pick, how, value, times]) => {
      let body: Json = sample;
      for (let k = 0; k < times; k++) {
        const paths = pathsOf(body);
        const path = paths[(pick + k * 7) % paths.length]!;
        body = setAt(body, path, (old) => (how === 0 ? value : how === 1 ? DELETE : how === 2 ? [old] : how === 3 ? (typeof old === "string" ? old + (typeof value === "string" ? value : JSON.stringify(value) ?? "") : value) : how === 4 ? JSON.stringify(old) ?? null : value));
      }
      const text = JSON.stringify(body) ?? "null";
      return fc.constantFrom<RawBody>(
        json("mutated-valid", text),
        json("mutated-valid+pollution", text.startsWith("{") && text !== "{}" ? `{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},${text.slice(1)}` : text),
      );
    });
}
