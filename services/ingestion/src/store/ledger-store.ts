import type { EventKind } from "../domain/idempotency.js";
import type { Queryable } from "./sql.js";
import { prepared, table } from "./sql.js";

/** One acknowledged event in the idempotency ledger. */
export interface LedgerEntry {
  tenantId: string;
  idempotencyKey: string;
  eventId: string;
  kind: EventKind;
  interactionId: string;
  fingerprint: string;
}

/**
 * Finds ledger entries by (tenant, key), and interaction entries by (tenant, interaction id),
 * in one round trip for a whole set of requests.
 */
export async function findLedgerEntries(
  db: Queryable,
  schema: string,
  keys: readonly { tenantId: string; idempotencyKey: string }[],
  interactions: readonly { tenantId: string; interactionId: string }[],
): Promise<LedgerEntry[]> {
  if (keys.length === 0 && interactions.length === 0) return [];
  const t = table(schema, "accepted_events");
  const r = await db.query<{ tenant_id: string; idempotency_key: string; event_id: string; kind: EventKind; interaction_id: string; fingerprint: string }>(
    prepared(
      `select tenant_id, idempotency_key, event_id::text, kind, interaction_id, fingerprint from ${t}
        where (tenant_id, idempotency_key) in (select * from unnest($1::text[], $2::text[]))
       union
       select tenant_id, idempotency_key, event_id::text, kind, interaction_id, fingerprint from ${t}
        where kind = 'interaction' and (tenant_id, interaction_id) in (select * from unnest($3::text[], $4::text[]))`,
      [keys.map((k) => k.tenantId), keys.map((k) => k.idempotencyKey), interactions.map((k) => k.tenantId), interactions.map((k) => k.interactionId)],
    ),
  );
  return r.rows.map((x) => ({
    tenantId: x.tenant_id,
    idempotencyKey: x.idempotency_key,
    eventId: x.event_id,
    kind: x.kind,
    interactionId: x.interaction_id,
    fingerprint: x.fingerprint,
  }));
}

/** Records acknowledged events; a row already there (a concurrent replica) is kept. */
export async function insertLedgerEntries(db: Queryable, schema: string, entries: readonly LedgerEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db.query(
    prepared(
      `insert into ${table(schema, "accepted_events")} (tenant_id, idempotency_key, event_id, kind, interaction_id, fingerprint)
       select * from unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[])
       on conflict do nothing`,
      [
        entries.map((e) => e.tenantId),
        entries.map((e) => e.idempotencyKey),
        entries.map((e) => e.eventId),
        entries.map((e) => e.kind),
        entries.map((e) => e.interactionId),
        entries.map((e) => e.fingerprint),
      ],
    ),
  );
}
