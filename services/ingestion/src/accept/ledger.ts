import type { Logger } from "@rlhf-loop/kit";
import type { LedgerEntry } from "../store/ledger-store.js";
import { findLedgerEntries, insertLedgerEntries } from "../store/ledger-store.js";
import type { Queryable } from "../store/sql.js";
import { Coalescer } from "./coalescer.js";
import { BoundedCache } from "./bounded-cache.js";

export interface LedgerQuery {
  tenantId: string;
  idempotencyKey: string;
  /** Set for interactions: their id may be claimed only once per tenant. */
  interactionId?: string;
}

export interface LedgerHits {
  /** By `tenant \0 key`. */
  byKey: Map<string, LedgerEntry>;
  /** By `tenant \0 interactionId`, interactions only. */
  byInteraction: Map<string, LedgerEntry>;
}

export const keyOf = (tenantId: string, idempotencyKey: string): string => `${tenantId}\u0000${idempotencyKey}`;

/**
 * The idempotency ledger: which (tenant, key) the API already acknowledged. Lookups and
 * writes are coalesced across concurrent requests into one statement each. Acknowledged
 * entries stay in an LRU cache, so a retry answered by this replica needs no round trip and
 * is recognized even before the asynchronous ledger write lands.
 */
export class IdempotencyLedger {
  private readonly cacheByKey: BoundedCache<string, LedgerEntry>;
  private readonly cacheByInteraction: BoundedCache<string, LedgerEntry>;
  private readonly lookups: Coalescer<LedgerQuery[], LedgerEntry[]>;
  private readonly writes: Coalescer<LedgerEntry, undefined>;

  constructor(
    private readonly db: Queryable,
    private readonly schema: string,
    private readonly logger: Logger,
    options: { cacheSize: number; onWriteError?: (err: unknown) => void; onFlush?: (stage: "ledger_lookup" | "ledger_write", size: number) => void },
  ) {
    this.cacheByKey = new BoundedCache(options.cacheSize);
    this.cacheByInteraction = new BoundedCache(options.cacheSize);
    // Two lookups may overlap: a request arriving during one waits for one round trip, not two.
    this.lookups = new Coalescer(async (queries) => {
      const all = queries.flat();
      const rows = await findLedgerEntries(
        this.db,
        this.schema,
        all.map((q) => ({ tenantId: q.tenantId, idempotencyKey: q.idempotencyKey })),
        all.flatMap((q) => (q.interactionId !== undefined ? [{ tenantId: q.tenantId, interactionId: q.interactionId }] : [])),
      );
      // Every caller gets all rows; each picks its own.
      return queries.map(() => rows);
    }, { maxInFlight: 2, maxBatch: 256, onFlush: (n) => options.onFlush?.("ledger_lookup", n) });
    this.writes = new Coalescer(async (entries) => {
      try {
        await insertLedgerEntries(this.db, this.schema, entries);
      } catch (err) {
        // The answer already went out (the broker acknowledged); a lost ledger row only means a
        // later retry is produced again, and consumers store it once by event id.
        options.onWriteError?.(err);
        this.logger.warn({ err, entries: entries.length }, "idempotency ledger write failed");
      }
      return entries.map(() => undefined);
    }, { maxInFlight: 1, maxBatch: 5000, onFlush: (n) => options.onFlush?.("ledger_write", n) });
  }

  /** Finds what was acknowledged before for these keys (and interaction ids). */
  async find(queries: readonly LedgerQuery[]): Promise<LedgerHits> {
    const hits: LedgerHits = { byKey: new Map(), byInteraction: new Map() };
    const misses: LedgerQuery[] = [];
    for (const q of queries) {
      const k = keyOf(q.tenantId, q.idempotencyKey);
      const byKey = this.cacheByKey.get(k);
      const byIx = q.interactionId !== undefined ? this.cacheByInteraction.get(keyOf(q.tenantId, q.interactionId)) : undefined;
      if (byKey) hits.byKey.set(k, byKey);
      if (byIx) hits.byInteraction.set(keyOf(q.tenantId, byIx.interactionId), byIx);
      if (!byKey && (q.interactionId === undefined || !byIx)) misses.push(q);
    }
    if (misses.length > 0) {
      const rows = await this.lookups.submit(misses);
      for (const e of rows) {
        const k = keyOf(e.tenantId, e.idempotencyKey);
        hits.byKey.set(k, e);
        this.cacheByKey.set(k, e);
        if (e.kind === "interaction") {
          hits.byInteraction.set(keyOf(e.tenantId, e.interactionId), e);
          this.cacheByInteraction.set(keyOf(e.tenantId, e.interactionId), e);
        }
      }
    }
    return hits;
  }

  /** Records acknowledged events: in the cache now, in Postgres shortly (coalesced). */
  remember(entries: readonly LedgerEntry[]): void {
    for (const e of entries) {
      this.cacheByKey.set(keyOf(e.tenantId, e.idempotencyKey), e);
      if (e.kind === "interaction") this.cacheByInteraction.set(keyOf(e.tenantId, e.interactionId), e);
      void this.writes.submit(e);
    }
  }

  /** Waits for pending ledger writes (shutdown). */
  flush(): Promise<void> {
    return this.writes.idle();
  }
}
