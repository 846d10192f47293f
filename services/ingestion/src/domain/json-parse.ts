import type { FieldViolation } from "./violations.js";
import { shorten } from "./violations.js";

export type ParsedJson = { ok: true; value: unknown } | { ok: false; violation: FieldViolation };

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The deepest JSON accepted at all; events need about 6 levels (batch, event, feedback, comparison, criteria, item). */
export const MAX_JSON_DEPTH = 32;

/** Whether brackets outside strings nest deeper than `max` (a scan that allocates nothing). */
export function nestingExceeds(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // skip the string, honouring escapes
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/**
 * Decodes a request body as strict UTF-8 JSON. Rejects what JSON.parse would silently accept
 * or merge: invalid UTF-8 (replaced by U+FFFD otherwise) and duplicate object keys (last wins).
 */
export function parseJsonBody(body: Uint8Array): ParsedJson {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return { ok: false, violation: { path: "", reason: "body is not valid UTF-8" } };
  }
  // Refuse absurd nesting before JSON.parse builds it: no event is deeper than a few levels.
  if (nestingExceeds(text, MAX_JSON_DEPTH)) {
    return { ok: false, violation: { path: "", reason: `JSON nested deeper than ${MAX_JSON_DEPTH} levels` } };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return { ok: false, violation: { path: "", reason: `invalid JSON: ${shorten(msg, 120)}` } };
  }
  const dup = findDuplicateKey(text);
  if (dup !== undefined) {
    return { ok: false, violation: { path: dup.path, reason: `duplicate key ${JSON.stringify(shorten(dup.key, 64))}` } };
  }
  return { ok: true, value };
}

/**
 * Scans JSON text that JSON.parse already accepted for an object with a repeated member name.
 * Returns the first one, with a path of the enclosing object (keys and array indices).
 */
export function findDuplicateKey(text: string): { path: string; key: string } | undefined {
  interface Frame {
    keys: Set<string> | null; // null for arrays
    name: string; // path segment of this container
    index: number; // next array index
    lastKey: string;
  }
  const stack: Frame[] = [];
  let expectKey = false;
  let i = 0;
  const pathOf = (): string => {
    let p = "";
    for (let k = 1; k < stack.length; k++) p += stack[k]!.name;
    return p.startsWith(".") ? p.slice(1) : p;
  };
  const childName = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return "";
    return top.keys === null ? `[${top.index}]` : `.${top.lastKey}`;
  };
  while (i < text.length) {
    const c = text[i];
    switch (c) {
      case "{":
      case "[":
        stack.push({ keys: c === "{" ? new Set() : null, name: childName(), index: 0, lastKey: "" });
        expectKey = c === "{";
        i++;
        break;
      case "}":
      case "]":
        stack.pop();
        expectKey = false;
        i++;
        break;
      case ",": {
        const top = stack[stack.length - 1];
        if (top && top.keys === null) top.index++;
        expectKey = top !== undefined && top.keys !== null;
        i++;
        break;
      }
      case ":":
        expectKey = false;
        i++;
        break;
      case '"': {
        const open = i++;
        let escaped = false;
        while (i < text.length && text[i] !== '"') {
          if (text[i] === "\\") {
            escaped = true;
            i += 2;
          } else i++;
        }
        const close = i++;
        const top = stack[stack.length - 1];
        if (expectKey && top && top.keys) {
          const raw = text.substring(open, close + 1);
          const key = escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
          if (top.keys.has(key)) return { path: pathOf(), key };
          top.keys.add(key);
          top.lastKey = key;
        }
        expectKey = false;
        break;
      }
      default:
        i++;
    }
  }
  return undefined;
}
