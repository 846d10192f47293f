// API key primitives every service shares: make a key, hash it for storage, compare hashes in
// constant time, read it from `authorization: Bearer <key>`. Pure; the table lives in key-store.ts.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** What a key may do: read its tenant's things; also write them; or call as an internal service. */
export const KEY_ROLES = ["reader", "operator", "service"] as const;
export type KeyRole = (typeof KEY_ROLES)[number];

/** The tenant of a key valid for every tenant (role service only). */
export const ANY_TENANT = "*";

/** Reads (lists, reports, models, runs): any role. */
export const READ_ROLES: readonly KeyRole[] = ["reader", "operator", "service"];
/** Writes (create sets, import, start runs, approve models): operators only. */
export const WRITE_ROLES: readonly KeyRole[] = ["operator"];
/** Scoring and generation, the calls services make of each other: service keys, and operators trying a model. */
export const CALL_ROLES: readonly KeyRole[] = ["service", "operator"];

/** A readable service prefix: `rk`, `ck`, `pk`... (lowercase letters, at most 8). */
export const KEY_PREFIX_PATTERN = /^[a-z]{1,8}$/;

/** Tenant ids a key can name: what the services accept as tenant ids, or `*`. */
export const KEY_TENANT_PATTERN = /^(\*|[A-Za-z0-9][A-Za-z0-9._:-]{0,127})$/;

/** `<prefix>_<43 base64url characters>`: 256 random bits. */
export function newApiKey(prefix: string): string {
  if (!KEY_PREFIX_PATTERN.test(prefix)) throw new Error(`key prefix ${JSON.stringify(prefix)} must be 1-8 lowercase letters`);
  return `${prefix}_${randomBytes(32).toString("base64url")}`;
}

/** Whether `key` is shaped like a key made by `newApiKey(prefix)` (checked before any lookup). */
export function isApiKeyOf(prefix: string, key: string): boolean {
  return key.length === prefix.length + 44 && key.startsWith(`${prefix}_`) && /^[A-Za-z0-9_-]{43}$/.test(key.slice(prefix.length + 1));
}

/**
 * What the database stores: hex sha256 of the whole key. Keys carry 256 random bits, so a fast
 * hash is enough (no password stretching) and a lookup stays one index probe.
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

/** A key's public id: the first 16 hex digits of its hash (listings and revocation; reveals nothing usable). */
export function keyIdOf(keyHash: string): string {
  return keyHash.slice(0, 16);
}

/** Extracts the key from `Bearer <key>` (an HTTP header or gRPC metadata value); undefined when absent or malformed. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : undefined;
}
