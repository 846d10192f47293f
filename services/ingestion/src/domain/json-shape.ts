import { ScalarType } from "@bufbuild/protobuf";
import type { DescEnum, DescField, DescMessage } from "@bufbuild/protobuf";
import { TimestampSchema } from "@bufbuild/protobuf/wkt";
import { type Violations, describeJson, indexPath, joinPath, keyPath, shorten } from "./violations.js";

/**
 * Checks a parsed JSON value against a message descriptor (proto3 JSON mapping) and collects
 * every mismatch with its path, where protobuf-es' fromJson stops at the first. Returns a
 * cleaned copy holding only the parts that passed, so later rules can still run on the rest.
 */
export function checkJsonShape(desc: DescMessage, json: unknown, path: string, out: Violations): Record<string, unknown> {
  return checkMessage(desc, json, path, out, 0) ?? {};
}

type JsonObject = Record<string, unknown>;

/** Keys that would reach Object.prototype when assigned into a plain object. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

const MAX_DEPTH = 16;
/** protobuf cannot encode unpaired UTF-16 surrogates as UTF-8. */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const fieldIndex = new WeakMap<DescMessage, Map<string, DescField>>();

function fieldByJsonKey(desc: DescMessage, key: string): DescField | undefined {
  let index = fieldIndex.get(desc);
  if (!index) {
    index = new Map();
    for (const f of desc.fields) index.set(f.name, f).set(f.jsonName, f);
    fieldIndex.set(desc, index);
  }
  return index.get(key);
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkMessage(desc: DescMessage, json: unknown, path: string, out: Violations, depth: number): JsonObject | undefined {
  if (depth > MAX_DEPTH) {
    out.add(path, "nested too deeply");
    return undefined;
  }
  if (!isObject(json)) {
    out.add(path, `expected an object, got ${describeJson(json)}`);
    return undefined;
  }
  const cleaned: JsonObject = {};
  const seen = new Set<DescField>();
  const oneofSeen = new Map<string, DescField>();
  for (const [key, value] of Object.entries(json)) {
    const field = fieldByJsonKey(desc, key);
    if (field === undefined) {
      const reason = RESERVED_KEYS.has(key) ? "reserved key is not allowed" : "unknown field";
      out.add(joinPath(path, shorten(key, 64)), reason);
      continue;
    }
    const fpath = joinPath(path, field.jsonName);
    if (seen.has(field)) {
      out.add(fpath, "set more than once");
      continue;
    }
    seen.add(field);
    if (value === null) continue; // proto3 JSON: null means "not set"
    if (field.oneof) {
      const other = oneofSeen.get(field.oneof.name);
      if (other) {
        out.add(fpath, `only one of ${field.oneof.fields.map((f) => f.jsonName).join(", ")} may be set (also got ${other.jsonName})`);
        continue;
      }
      oneofSeen.set(field.oneof.name, field);
    }
    const v = checkField(field, value, fpath, out, depth);
    if (v !== undefined) cleaned[field.jsonName] = v;
    else if (field.oneof) out.suppressed.add(joinPath(path, field.oneof.name));
  }
  return cleaned;
}

function checkField(field: DescField, value: unknown, path: string, out: Violations, depth: number): unknown {
  switch (field.fieldKind) {
    case "scalar":
      return checkScalar(field.scalar, value, path, out);
    case "enum":
      return checkEnum(field.enum, value, path, out);
    case "message":
      return checkMessageValue(field.message, value, path, out, depth);
    case "list": {
      if (!Array.isArray(value)) {
        out.add(path, `expected an array, got ${describeJson(value)}`);
        return undefined;
      }
      const items: unknown[] = [];
      let ok = true;
      value.forEach((item, i) => {
        const ipath = indexPath(path, i);
        if (item === null) {
          out.add(ipath, "must not be null");
          if (field.listKind === "message" && !field.message.typeName.startsWith("google.protobuf.")) items.push({});
          else ok = false;
          return;
        }
        let v: unknown;
        switch (field.listKind) {
          case "scalar":
            v = checkScalar(field.scalar, item, ipath, out);
            break;
          case "enum":
            v = checkEnum(field.enum, item, ipath, out);
            break;
          case "message":
            // Keep a placeholder for a bad item so later rules still see the right indices.
            v = checkMessageValue(field.message, item, ipath, out, depth) ??
              (field.message.typeName.startsWith("google.protobuf.") ? undefined : {});
            break;
        }
        if (v === undefined) ok = false;
        else items.push(v);
      });
      // A scalar list with a bad item is dropped whole (its rules are per item anyway).
      return ok ? items : undefined;
    }
    case "map": {
      if (!isObject(value)) {
        out.add(path, `expected an object, got ${describeJson(value)}`);
        return undefined;
      }
      const entries: JsonObject = {};
      for (const [k, item] of Object.entries(value)) {
        const kpath = keyPath(path, k);
        if (LONE_SURROGATE.test(k)) {
          out.add(path, "map key must be valid Unicode (lone surrogate)");
          continue;
        }
        if (RESERVED_KEYS.has(k)) {
          out.add(kpath, "reserved key is not allowed");
          continue;
        }
        if (field.mapKey !== ScalarType.STRING) {
          out.add(kpath, "unsupported map key type");
          continue;
        }
        if (item === null) {
          out.add(kpath, "must not be null");
          continue;
        }
        let v: unknown;
        switch (field.mapKind) {
          case "scalar":
            v = checkScalar(field.scalar, item, kpath, out);
            break;
          case "enum":
            v = checkEnum(field.enum, item, kpath, out);
            break;
          case "message":
            v = checkMessageValue(field.message, item, kpath, out, depth);
            break;
        }
        if (v !== undefined) Object.defineProperty(entries, k, { value: v, enumerable: true, writable: true, configurable: true });
      }
      return entries;
    }
  }
}

function checkMessageValue(desc: DescMessage, value: unknown, path: string, out: Violations, depth: number): unknown {
  if (desc.typeName === TimestampSchema.typeName) return checkTimestamp(value, path, out);
  if (desc.typeName.startsWith("google.protobuf.")) {
    out.add(path, `unsupported well-known type ${desc.typeName}`);
    return undefined;
  }
  return checkMessage(desc, value, path, out, depth + 1);
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

function checkTimestamp(value: unknown, path: string, out: Violations): unknown {
  if (typeof value !== "string") {
    out.add(path, `expected an RFC 3339 timestamp string, got ${describeJson(value)}`);
    return undefined;
  }
  const m = RFC3339.exec(value);
  const bad = (): undefined => {
    out.add(path, `invalid RFC 3339 timestamp ${JSON.stringify(shorten(value, 40))}`);
    return undefined;
  };
  if (!m) return bad();
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  // Date.UTC rolls over impossible dates (Feb 30) and maps years 0-99 to 1900+; rebuilding the
  // date and comparing rejects both (protobuf's own range is years 1-9999).
  const probe = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    return bad();
  }
  return value;
}

function checkEnum(desc: DescEnum, value: unknown, path: string, out: Violations): unknown {
  if (typeof value === "string") {
    if (desc.values.some((v) => v.name === value)) return value;
    out.add(path, `unknown enum value ${JSON.stringify(shorten(value, 40))} (expected one of ${desc.values.map((v) => v.name).join(", ")})`);
    return undefined;
  }
  if (typeof value === "number" && Number.isInteger(value)) {
    if (desc.values.some((v) => v.number === value)) return value;
    out.add(path, `unknown enum value ${value}`);
    return undefined;
  }
  out.add(path, `expected an enum name string, got ${describeJson(value)}`);
  return undefined;
}

function checkScalar(type: ScalarType, value: unknown, path: string, out: Violations): unknown {
  switch (type) {
    case ScalarType.STRING:
      if (typeof value === "string") {
        if (!LONE_SURROGATE.test(value)) return value;
        out.add(path, "must be valid Unicode (lone surrogate)");
        return undefined;
      }
      out.add(path, `expected a string, got ${describeJson(value)}`);
      return undefined;
    case ScalarType.BOOL:
      if (typeof value === "boolean") return value;
      out.add(path, `expected a boolean, got ${describeJson(value)}`);
      return undefined;
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return checkInt(value, path, out, BigInt(INT32_MIN), BigInt(INT32_MAX), "a 32-bit integer");
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return checkInt(value, path, out, 0n, 2n ** 32n - 1n, "an unsigned 32-bit integer");
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return checkInt(value, path, out, INT64_MIN, INT64_MAX, "a 64-bit integer");
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return checkInt(value, path, out, 0n, 2n ** 64n - 1n, "an unsigned 64-bit integer");
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      if (typeof value === "number" && Number.isFinite(value)) return value;
      out.add(path, `expected a finite number, got ${describeJson(value)}`);
      return undefined;
    case ScalarType.BYTES:
      if (typeof value === "string" && /^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) return value;
      out.add(path, `expected a base64 string, got ${describeJson(value)}`);
      return undefined;
  }
}

/** proto3 JSON: integers as JSON numbers or decimal strings; anything else is rejected, never coerced. */
function checkInt(value: unknown, path: string, out: Violations, min: bigint, max: bigint, what: string): unknown {
  let n: bigint;
  if (typeof value === "number") {
    if (!Number.isInteger(value)) {
      out.add(path, `expected ${what}, got ${describeJson(value)}`);
      return undefined;
    }
    if (!Number.isSafeInteger(value)) {
      out.add(path, `integer ${value} is out of range (send large 64-bit values as strings)`);
      return undefined;
    }
    n = BigInt(value);
  } else if (typeof value === "string" && /^-?\d{1,20}$/.test(value)) {
    n = BigInt(value);
  } else {
    out.add(path, `expected ${what}, got ${describeJson(value)}`);
    return undefined;
  }
  if (n < min || n > max) {
    out.add(path, `${n} is out of range for ${what}`);
    return undefined;
  }
  return value;
}
