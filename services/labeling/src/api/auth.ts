import { AppError } from "@rlhf-loop/kit";
import type { Pool } from "@rlhf-loop/kit";
import type { Rater, RaterRole } from "../store/raters-store.js";
import { raterByKey } from "../store/raters-store.js";

/** Resolves "Bearer <key>" to the expert, lead or service it belongs to. */
export class RaterAuth {
  private readonly cache = new Map<string, { rater: Rater; until: number }>();

  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
    private readonly ttlMs = 5_000,
  ) {}

  async fromHeader(header: string | undefined): Promise<Rater> {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
    if (!m) throw new AppError("unauthenticated", "an expert key is required (authorization: Bearer <key>)");
    const key = m[1] as string;
    const hit = this.cache.get(key);
    if (hit && hit.until > Date.now()) return hit.rater;
    const rater = await raterByKey(this.pool, this.schema, key);
    if (!rater) throw new AppError("unauthenticated", "unknown or revoked key");
    // A short cache only: revocations take effect within ttlMs.
    this.cache.set(key, { rater, until: Date.now() + this.ttlMs });
    if (this.cache.size > 10_000) this.cache.clear();
    return rater;
  }

  async require(header: string | undefined, roles: readonly RaterRole[]): Promise<Rater> {
    const r = await this.fromHeader(header);
    if (!roles.includes(r.role)) throw new AppError("permission_denied", `this needs a key with role ${roles.join(" or ")}`);
    return r;
  }
}
