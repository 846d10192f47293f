/**
 * Reconciliation: every event the client got a 2xx for, against Postgres (ingestion's tables)
 * and the topics. Lost = acknowledged but absent; duplicated = stored more than once (by event
 * id across interactions, feedback and parked_feedback, or by idempotency key).
 */
import type { Pool } from "@rlhf-loop/kit";
import type { Ack } from "./acks.js";
import { topicEventIds } from "./topics.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface StoredRow {
  id: string;
  key: string;
  storedAt: number;
  receivedAt: number;
}

/** Every stored row of the tenant (parked feedback included: it is stored and waits for its interaction). */
export async function storedRows(pool: Pool, schema: string, tenantId: string): Promise<StoredRow[]> {
  const r = await pool.query<{ id: string; k: string; s: Date; r: Date }>(
    `select event_id::text id, idempotency_key k, stored_at s, received_at r from "${schema}".interactions where tenant_id = $1
     union all select feedback_id::text, idempotency_key, stored_at, received_at from "${schema}".feedback where tenant_id = $1
     union all select feedback_id::text, idempotency_key, parked_at, received_at from "${schema}".parked_feedback where tenant_id = $1`,
    [tenantId],
  );
  return r.rows.map((x) => ({ id: x.id, key: x.k, storedAt: x.s.getTime(), receivedAt: x.r.getTime() }));
}

export interface Reconciliation {
  acknowledged: number;
  /** Acknowledged events found in Postgres. */
  stored: number;
  /** Rows in Postgres for the tenant (may exceed acknowledged: an event published whose answer was lost). */
  rows: number;
  lost: number;
  duplicated: number;
  /** Acknowledged events missing from the topics. */
  topicLost: number;
  /** Extra records of acknowledged events on the topics (at-least-once publishing; storage dedupes them). */
  topicRedelivered: number;
  /** Parked feedback left at the end. */
  parked: number;
  lostSample: string[];
}

/** Waits (bounded) until every acknowledged event is stored, then compares. */
export async function reconcile(o: {
  acked: ReadonlyMap<string, Ack>;
  pool: Pool;
  schema: string;
  tenantId: string;
  brokers: string;
  topics: { interactions: string; feedback: string };
  waitMs?: number;
}): Promise<Reconciliation & { rowsList: StoredRow[] }> {
  const want = new Set([...o.acked.values()].map((a) => a.eventId));
  const deadline = Date.now() + (o.waitMs ?? 60_000);
  for (;;) {
    try {
      const have = new Set((await storedRows(o.pool, o.schema, o.tenantId)).map((r) => r.id));
      if ([...want].every((id) => have.has(id)) || Date.now() > deadline) break;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await sleep(500);
  }
  // A last look after the persister had a moment more: late duplicates would show here.
  await sleep(1_000);
  const rows = await storedRows(o.pool, o.schema, o.tenantId);
  const byId = new Map<string, number>();
  const byKey = new Map<string, number>();
  for (const r of rows) {
    byId.set(r.id, (byId.get(r.id) ?? 0) + 1);
    byKey.set(r.key, (byKey.get(r.key) ?? 0) + 1);
  }
  const dupIds = [...byId.values()].reduce((n, c) => n + (c - 1), 0);
  const dupKeys = [...byKey.values()].reduce((n, c) => n + (c - 1), 0);
  const lostIds = [...want].filter((id) => !byId.has(id));
  const parked = (await o.pool.query<{ n: number }>(`select count(*)::int n from "${o.schema}".parked_feedback where tenant_id = $1`, [o.tenantId])).rows[0]?.n ?? 0;

  const onTopics = await topicEventIds(o.brokers, o.topics);
  const topicCount = new Map<string, number>();
  for (const id of onTopics.ids) if (want.has(id)) topicCount.set(id, (topicCount.get(id) ?? 0) + 1);
  return {
    acknowledged: want.size,
    stored: want.size - lostIds.length,
    rows: rows.length,
    lost: lostIds.length,
    duplicated: Math.max(dupIds, dupKeys),
    topicLost: [...want].filter((id) => !topicCount.has(id)).length,
    topicRedelivered: [...topicCount.values()].reduce((n, c) => n + (c - 1), 0),
    parked,
    lostSample: lostIds.slice(0, 5),
    rowsList: rows,
  };
}

/**
 * Recovery after a fault at `faultAt` (ms): seconds until the last event the fault delayed was
 * stored, i.e. until end-to-end latency (handed to the SDK -> row in Postgres) is back under
 * `max(2 s, 3 x the pre-fault p99)`. This sees every kind of outage the same way: events held in
 * the client while ingestion or a dependency is down, and events waiting on the topics while the
 * persister is down or its partitions are being reassigned. 0 when nothing was delayed.
 */
export function recoverySeconds(faultAt: number, handedAt: ReadonlyMap<string, number>, rows: readonly StoredRow[]): { seconds: number; thresholdMs: number; delayed: number } {
  const e2e: { handed: number; stored: number; ms: number }[] = [];
  for (const r of rows) {
    const h = handedAt.get(r.key);
    if (h !== undefined) e2e.push({ handed: h, stored: r.storedAt, ms: r.storedAt - h });
  }
  const before = e2e.filter((x) => x.stored < faultAt).map((x) => x.ms).sort((a, b) => a - b);
  const p99 = before.length > 0 ? before[Math.min(before.length - 1, Math.floor(0.99 * before.length))]! : 0;
  const thresholdMs = Math.max(2_000, 3 * p99);
  let last = faultAt;
  let delayed = 0;
  for (const x of e2e) {
    if (x.stored >= faultAt && x.ms > thresholdMs) {
      delayed++;
      if (x.stored > last) last = x.stored;
    }
  }
  return { seconds: (last - faultAt) / 1000, thresholdMs, delayed };
}
