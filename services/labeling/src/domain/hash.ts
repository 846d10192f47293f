import { createHash } from "node:crypto";

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** A short stable id from parts (U+001F between them, which ids never contain). */
export function stableId(prefix: string, ...parts: readonly string[]): string {
  return `${prefix}${sha256Hex(parts.join("\u001f")).slice(0, 32)}`;
}

/**
 * A deterministic number in [0, 1) from a seed and a key: sampling decisions replay the same
 * for the same inputs, which keeps the review queue reproducible and its weights auditable.
 */
export function unitHash(seed: string, key: string): number {
  const h = createHash("sha256").update(seed).update("\u001f").update(key).digest();
  // 48 bits are plenty for a probability and stay exact in a double.
  return h.readUIntBE(0, 6) / 2 ** 48;
}

/** JSON with object keys sorted at every level, so equal content always gives equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
}
