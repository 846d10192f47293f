// Who is calling: `authorization: Bearer <key>` resolved against `<schema>.api_keys` by the key's
// sha256, cached briefly so revocation takes effect within seconds. Errors are AppErrors, so HTTP
// (401/403) and gRPC (UNAUTHENTICATED/PERMISSION_DENIED) map them the same way.
import type { Pool } from "../db/pool.js";
import { checkSchemaName } from "../db/schema-name.js";
import { AppError } from "../errors/app-error.js";
import { ANY_TENANT, bearerToken, hashApiKey, hashesEqual, isApiKeyOf, keyIdOf, type KeyRole } from "./keys.js";

/** The caller a key resolves to. `tenantId` is `*` for a key valid for every tenant. */
export interface Caller {
  readonly tenantId: string;
  readonly role: KeyRole;
  /** The key's public id (first hex digits of its hash), for logs. */
  readonly keyId: string;
}

/** A pool or a checked-out client. */
export type KeyQueryable = Pick<Pool, "query">;

/** What a service's handlers call; `ApiKeyAuth` in production, `ApiKeyAuth.off()` in tests not about auth. */
export interface CallerAuth {
  /** 401 `unauthenticated` for a missing, malformed, unknown or revoked key. */
  authenticate(header: string | undefined): Promise<Caller>;
  /**
   * `authenticate`, then 403 `permission_denied` when the key's role is not in `roles` or, when a
   * tenant is given, the key is of another tenant. Messages never name either tenant.
   */
  require(header: string | undefined, roles: readonly KeyRole[], tenantId?: string): Promise<Caller>;
}

/** Whether `caller` may act for `tenantId` (its own tenant, or any tenant for a `*` key). */
export function canAccess(caller: Caller, tenantId: string): boolean {
  return caller.tenantId === ANY_TENANT || caller.tenantId === tenantId;
}

/** 403 unless `caller` may act for `tenantId` (for a tenant read from a body after the key was checked). */
export function assertTenant(caller: Caller, tenantId: string): void {
  if (!canAccess(caller, tenantId)) throw new AppError("permission_denied", "this key is not valid for the tenant named in the request");
}

export interface ApiKeyAuthOptions {
  /** The service's key prefix (`rk`, `ck`, `pk`): other strings are refused without a query. */
  readonly prefix: string;
  /** How long a resolved key is trusted (default 5 s): a revoked key stops working within it. */
  readonly ttlMs?: number;
  /** How long an unknown key is remembered as unknown (default 1 s), so a wrong key is not a query per request. */
  readonly negativeTtlMs?: number;
  /** Most keys cached (default 10,000); the cache starts over when full. */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

interface Entry {
  readonly caller: Caller | undefined;
  readonly expiresAt: number;
}

const OPEN: Caller = { tenantId: ANY_TENANT, role: "operator", keyId: "auth-off" };

export class ApiKeyAuth implements CallerAuth {
  private readonly cache = new Map<string, Entry>();
  private readonly table: string;
  private readonly ttlMs: number;
  private readonly negativeTtlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly db: KeyQueryable,
    schema: string,
    private readonly options: ApiKeyAuthOptions,
  ) {
    this.table = `"${checkSchemaName(schema)}".api_keys`;
    this.ttlMs = options.ttlMs ?? 5_000;
    this.negativeTtlMs = options.negativeTtlMs ?? 1_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * No checks at all: every call is an operator of every tenant. Only for a service's programmatic
   * `auth: "off"` option in tests that are not about auth; no environment variable reaches it.
   */
  static off(): CallerAuth {
    return {
      authenticate: () => Promise.resolve(OPEN),
      require: () => Promise.resolve(OPEN),
    };
  }

  async authenticate(header: string | undefined): Promise<Caller> {
    const key = bearerToken(header);
    if (key === undefined) throw new AppError("unauthenticated", "missing API key (authorization: Bearer <key>)");
    if (!isApiKeyOf(this.options.prefix, key)) throw new AppError("unauthenticated", "invalid or revoked API key");
    const hash = hashApiKey(key);
    const now = this.now();
    let entry = this.cache.get(hash);
    if (!entry || entry.expiresAt <= now) {
      const caller = await this.lookup(hash);
      entry = { caller, expiresAt: now + (caller ? this.ttlMs : this.negativeTtlMs) };
      if (this.cache.size >= this.maxEntries) this.cache.clear();
      this.cache.set(hash, entry);
    }
    if (!entry.caller) throw new AppError("unauthenticated", "invalid or revoked API key");
    return entry.caller;
  }

  async require(header: string | undefined, roles: readonly KeyRole[], tenantId?: string): Promise<Caller> {
    const caller = await this.authenticate(header);
    if (!roles.includes(caller.role)) throw new AppError("permission_denied", `this needs a key with role ${roles.join(" or ")} (this key is ${caller.role})`);
    if (tenantId !== undefined) assertTenant(caller, tenantId);
    return caller;
  }

  private async lookup(hash: string): Promise<Caller | undefined> {
    let rows: { key_hash: string; tenant_id: string; role: KeyRole }[];
    try {
      ({ rows } = await this.db.query<{ key_hash: string; tenant_id: string; role: KeyRole }>(
        `select key_hash, tenant_id, role from ${this.table} where key_hash = $1 and revoked_at is null`,
        [hash],
      ));
    } catch (err) {
      throw new AppError("unavailable", "cannot check the API key right now", { cause: err, retryAfterSeconds: 1 });
    }
    const row = rows[0];
    // The index found it by hash; the comparison is constant-time all the same.
    if (!row || !hashesEqual(row.key_hash, hash)) return undefined;
    return { tenantId: row.tenant_id, role: row.role, keyId: keyIdOf(hash) };
  }
}
