import { fromJson, toJson, toJsonString } from "@bufbuild/protobuf";
import { DatasetManifestSchema, DatasetPairSchema, PreferencePairSchema } from "@rlhf-loop/proto";
import type { DatasetManifest, DatasetPair, PreferencePair } from "@rlhf-loop/proto";
import { create } from "@bufbuild/protobuf";
import type { JsonValue } from "@bufbuild/protobuf";
import { sha256Hex } from "../domain/hash.js";
import { table, type Queryable } from "./sql.js";

export interface SnapshotPair {
  pair: PreferencePair;
  finalWeight: number;
}

/** hex sha256 over the pairs in order: one canonical JSON line per DatasetPair. */
export function snapshotContentHash(pairs: readonly SnapshotPair[]): string {
  const lines = pairs.map((p, seq) => toJsonString(DatasetPairSchema, create(DatasetPairSchema, { pair: p.pair, finalWeight: p.finalWeight, seq: BigInt(seq) })));
  return sha256Hex(lines.join("\n"));
}

/** Takes the tenant+name lock and returns the next version (call inside a transaction). */
export async function nextDatasetVersion(db: Queryable, schema: string, tenantId: string, name: string): Promise<number> {
  await db.query("select pg_advisory_xact_lock(hashtext($1))", [`labeling-dataset:${schema}:${tenantId}:${name}`]);
  const res = await db.query<{ v: number }>(`select coalesce(max(version), 0)::int + 1 as v from ${table(schema, "datasets")} where tenant_id = $1 and name = $2`, [tenantId, name]);
  return res.rows[0]?.v ?? 1;
}

/** Stores an immutable snapshot and its announcement outbox row (inside the caller's transaction). */
export async function insertSnapshot(db: Queryable, schema: string, manifest: DatasetManifest, pairs: readonly SnapshotPair[]): Promise<void> {
  await db.query(
    `insert into ${table(schema, "datasets")} (tenant_id, dataset_id, name, version, origin, pair_count, content_sha256, manifest) values ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [manifest.tenantId, manifest.datasetId, manifest.name, manifest.version, manifest.origin, pairs.length, manifest.contentSha256, JSON.stringify(toJson(DatasetManifestSchema, manifest))],
  );
  const CHUNK = 1000;
  for (let i = 0; i < pairs.length; i += CHUNK) {
    const part = pairs.slice(i, i + CHUNK);
    await db.query(
      `insert into ${table(schema, "dataset_pairs")} (tenant_id, dataset_id, seq, pair, final_weight)
       select $1, $2, s, p, w from unnest($3::int[], $4::jsonb[], $5::float8[]) as u(s, p, w)`,
      [manifest.tenantId, manifest.datasetId, part.map((_, j) => i + j), part.map((p) => JSON.stringify(toJson(PreferencePairSchema, p.pair))), part.map((p) => p.finalWeight)],
    );
  }
  await db.query(`insert into ${table(schema, "dataset_announcements")} (tenant_id, dataset_id) values ($1, $2)`, [manifest.tenantId, manifest.datasetId]);
}

export async function getManifest(db: Queryable, schema: string, tenantId: string, datasetId: string): Promise<DatasetManifest | undefined> {
  const res = await db.query<{ manifest: JsonValue }>(`select manifest from ${table(schema, "datasets")} where tenant_id = $1 and dataset_id = $2`, [tenantId, datasetId]);
  const r = res.rows[0];
  return r ? fromJson(DatasetManifestSchema, r.manifest) : undefined;
}

export async function listDatasets(db: Queryable, schema: string, tenantId: string): Promise<{ datasetId: string; name: string; version: number; pairCount: number; origin: string; createdAt: string }[]> {
  const res = await db.query<{ dataset_id: string; name: string; version: number; pair_count: number; origin: string; created_at: Date }>(
    `select dataset_id, name, version, pair_count, origin, created_at from ${table(schema, "datasets")} where tenant_id = $1 order by created_at, dataset_id`,
    [tenantId],
  );
  return res.rows.map((r) => ({ datasetId: r.dataset_id, name: r.name, version: r.version, pairCount: r.pair_count, origin: r.origin, createdAt: r.created_at.toISOString() }));
}

/** Reads a snapshot's pairs in order, a page at a time. */
export async function* readSnapshotPairs(db: Queryable, schema: string, tenantId: string, datasetId: string, pageSize = 1000): AsyncGenerator<DatasetPair> {
  let from = 0;
  for (;;) {
    const res = await db.query<{ seq: number; pair: JsonValue; final_weight: number }>(
      `select seq, pair, final_weight from ${table(schema, "dataset_pairs")} where tenant_id = $1 and dataset_id = $2 and seq >= $3 order by seq limit $4`,
      [tenantId, datasetId, from, pageSize],
    );
    for (const r of res.rows) yield create(DatasetPairSchema, { pair: fromJson(PreferencePairSchema, r.pair), finalWeight: r.final_weight, seq: BigInt(r.seq) });
    if (res.rows.length < pageSize) return;
    from = (res.rows.at(-1)?.seq ?? from) + 1;
  }
}

/** Claims unannounced snapshots (caller's transaction, skipping rows another instance holds). */
export async function claimUnannounced(db: Queryable, schema: string, limit: number): Promise<DatasetManifest[]> {
  const res = await db.query<{ manifest: JsonValue }>(
    `select d.manifest from ${table(schema, "dataset_announcements")} a join ${table(schema, "datasets")} d using (tenant_id, dataset_id)
      where a.announced_at is null and (a.tenant_id, a.dataset_id) in (
        select tenant_id, dataset_id from ${table(schema, "dataset_announcements")} where announced_at is null order by dataset_id limit $1 for update skip locked)`,
    [limit],
  );
  return res.rows.map((r) => fromJson(DatasetManifestSchema, r.manifest));
}

export async function markAnnounced(db: Queryable, schema: string, manifests: readonly DatasetManifest[]): Promise<void> {
  if (manifests.length === 0) return;
  await db.query(`update ${table(schema, "dataset_announcements")} set announced_at = now() where (tenant_id, dataset_id) in (select * from unnest($1::text[], $2::text[]))`, [
    manifests.map((m) => m.tenantId),
    manifests.map((m) => m.datasetId),
  ]);
}
