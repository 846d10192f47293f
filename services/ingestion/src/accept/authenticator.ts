import { AppError } from "@rlhf-loop/kit";
import { bearerToken, hashApiKey, parseApiKey } from "../domain/api-keys.js";
import type { RateLimit } from "../domain/rate-limiter.js";
import type { Queryable } from "../store/sql.js";
import { findKeyOwner } from "../store/tenants-store.js";
import { BoundedCache } from "./bounded-cache.js";

/** Who is calling: the tenant of the key and its rate limit. */
export interface Caller {
  tenantId: string;
  limit: RateLimit;
}

interface CacheEntry {
  caller: Caller | undefined;
  expiresAt: number;
}

/**
 * Resolves `Authorization: Bearer <key>` to a tenant. Keys are looked up by sha256 hash and
 * cached for `ttlMs` (a revoked key stops working within that time); unknown keys are cached
 * briefly too, so a client with a wrong key cannot turn every request into a query.
 */
export class Authenticator {
  private readonly cache = new BoundedCache<string, CacheEntry>(10_000);

  constructor(
    private readonly db: Queryable,
    private readonly schema: string,
    private readonly defaults: RateLimit,
    private readonly options: { ttlMs: number; negativeTtlMs: number; now?: () => number },
  ) {}

  async authenticate(authorization: string | undefined): Promise<Caller> {
    const key = bearerToken(authorization);
    if (key === undefined) throw new AppError("unauthenticated", "missing API key (Authorization: Bearer <key>)");
    if (parseApiKey(key) === undefined) throw new AppError("unauthenticated", "invalid API key");
    const hash = hashApiKey(key);
    const now = (this.options.now ?? Date.now)();
    let entry = this.cache.get(hash);
    if (!entry || entry.expiresAt <= now) {
      let owner;
      try {
        owner = await findKeyOwner(this.db, this.schema, hash);
      } catch (err) {
        throw new AppError("unavailable", "cannot check the API key right now", { cause: err, retryAfterSeconds: 1 });
      }
      const caller = owner && {
        tenantId: owner.tenantId,
        limit: { ratePerSec: owner.ratePerSec ?? this.defaults.ratePerSec, burst: owner.burst ?? this.defaults.burst },
      };
      entry = { caller, expiresAt: now + (caller ? this.options.ttlMs : this.options.negativeTtlMs) };
      this.cache.set(hash, entry);
    }
    if (!entry.caller) throw new AppError("unauthenticated", "invalid API key");
    return entry.caller;
  }
}
