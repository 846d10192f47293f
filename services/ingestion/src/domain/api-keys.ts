import { randomBytes } from "node:crypto";

// Hashing, constant-time comparison and Bearer parsing are the kit's, shared by every service.
export { bearerToken, hashApiKey, hashesEqual } from "@rlhf-loop/kit";

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

/** Shown in listings so an operator can tell keys apart without seeing them. */
export function keyPrefix(key: string): string {
  const parsed = parseApiKey(key);
  return parsed ? `rlhf_${parsed.tenantId}_${parsed.secret.slice(0, 6)}` : key.slice(0, 8);
}
