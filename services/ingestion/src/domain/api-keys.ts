import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** Tenant ids: lowercase letters, digits and dashes, so they can sit inside an API key. */
export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

const KEY_PATTERN = /^rlhf_([a-z0-9][a-z0-9-]{0,62})_([A-Za-z0-9_-]{32,128})$/;

export interface ParsedApiKey {
  tenantId: string;
  secret: string;
}

/** Generates `rlhf_<tenantId>_<secret>` with 32 random bytes (base64url) of secret. */
export function generateApiKey(tenantId: string): string {
  if (!TENANT_ID_PATTERN.test(tenantId)) throw new Error(`invalid tenant id ${JSON.stringify(tenantId)}`);
  return `rlhf_${tenantId}_${randomBytes(32).toString("base64url")}`;
}

/** Splits a key into tenant and secret, or undefined when it is not shaped like one of ours. */
export function parseApiKey(key: string): ParsedApiKey | undefined {
  const m = KEY_PATTERN.exec(key);
  return m ? { tenantId: m[1]!, secret: m[2]! } : undefined;
}

/**
 * What the database stores: hex sha256 of the whole key. Keys carry 256 random bits, so a
 * fast hash is enough (no password stretching needed) and lookups stay one index probe.
 */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** Constant-time comparison of two hex hashes. */
export function hashesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Shown in listings so an operator can tell keys apart without seeing them. */
export function keyPrefix(key: string): string {
  const parsed = parseApiKey(key);
  return parsed ? `rlhf_${parsed.tenantId}_${parsed.secret.slice(0, 6)}` : key.slice(0, 8);
}

/** Extracts the key from `Authorization: Bearer <key>`; undefined when absent or malformed. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : undefined;
}
