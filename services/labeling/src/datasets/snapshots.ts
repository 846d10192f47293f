import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { AppError, withTransaction } from "@rlhf-loop/kit";
import type { Pool } from "@rlhf-loop/kit";
import { PairSource, PreferencePairSchema, WeightContributionSchema } from "@rlhf-loop/proto";
import type { DatasetManifest } from "@rlhf-loop/proto";
import { stableId } from "../domain/hash.js";
import { pairHeldOut } from "../domain/holdout.js";
import { manifestShares } from "../domain/manifest.js";
import type { PairSourceName, PromptMessage } from "../domain/model.js";
import { promptHash } from "../domain/prompt.js";
import { pairProto, promptProto } from "../domain/to-proto.js";
import type { WeightingPolicy } from "../domain/weighting.js";
import { weighPairs } from "../domain/weighting.js";
import type { FormatName } from "../formats/formats.js";
import { LineError } from "../formats/formats.js";
import { parseJsonl, toJsonlLine } from "../formats/jsonl.js";
import { loadPairs } from "../store/pairs-store.js";
import { raterFactors } from "../store/raters-store.js";
import type { SnapshotPair } from "../store/datasets-store.js";
import { getManifest, insertSnapshot, nextDatasetVersion, readSnapshotPairs, snapshotContentHash } from "../store/datasets-store.js";
import type { Queryable } from "../store/sql.js";
import { manifestProto } from "./manifest-proto.js";

export const DATASET_NAME_RE = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export interface BuildRequest {
  tenantId: string;
  name: string;
  policy: WeightingPolicy;
  fromMs?: number | undefined;
  toMs?: number | undefined;
  sources?: readonly PairSourceName[] | undefined;
}

function checkName(name: string): void {
  if (!DATASET_NAME_RE.test(name)) throw AppError.invalid([{ path: "name", reason: "must be 1-63 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit" }]);
}

/** Stores pairs as the next version of `name`; returns its manifest (the snapshot is immutable from here). */
async function store(pool: Pool, schema: string, init: Omit<Parameters<typeof manifestProto>[0], "datasetId" | "version" | "contentSha256" | "createdAtMs">, pairs: readonly SnapshotPair[]): Promise<DatasetManifest> {
  return withTransaction(pool, async (c) => {
    const version = await nextDatasetVersion(c, schema, init.tenantId, init.name);
    const manifest = manifestProto({ ...init, datasetId: `${init.name}@${version}`, version, contentSha256: snapshotContentHash(pairs), createdAtMs: Date.now() });
    await insertSnapshot(c, schema, manifest, pairs);
    return manifest;
  });
}

/**
 * Builds a snapshot from the pair store: the pairs in the window, weighted by the policy
 * (audit down-weights, rater caps, segment reweighting, heavy-rater share), with a manifest of
 * every share before and after. Superseded expert pairs are left out unless the policy keeps them.
 */
export async function buildSnapshot(pool: Pool, schema: string, req: BuildRequest, onHeldOut?: (n: number) => void): Promise<DatasetManifest> {
  checkName(req.name);
  const loaded = await loadPairs(pool, schema, { tenantId: req.tenantId, fromMs: req.fromMs, toMs: req.toMs, sources: req.sources, includeSuperseded: req.policy.includeSuperseded });
  // Pairs touching a canary-holdout conversation never train (the consumer makes none; this drops
  // any stored before the rule).
  const pairs = loaded.filter((p) => !pairHeldOut(p));
  onHeldOut?.(loaded.length - pairs.length);
  if (pairs.length === 0) throw new AppError("failed_precondition", "no pairs match: nothing to snapshot");
  const factors = req.policy.applyRaterAudit ? await raterFactors(pool, schema, req.tenantId) : new Map<string, number>();
  const weighed = weighPairs(pairs, req.policy, factors);
  const snapshot: SnapshotPair[] = pairs.map((p, i) => ({ pair: pairProto(p), finalWeight: weighed.pairWeights[i] as number }));
  return store(
    pool,
    schema,
    {
      tenantId: req.tenantId,
      name: req.name,
      pairCount: pairs.length,
      shares: manifestShares(pairs, weighed),
      policy: req.policy,
      heavyShareBefore: weighed.heavyShareBefore,
      heavyShareAfter: weighed.heavyShareAfter,
      evidenceFromMs: pairs[0]?.atMs,
      evidenceToMs: pairs.at(-1)?.atMs,
      origin: "feedback",
    },
    snapshot,
  );
}

export interface ImportRequest {
  tenantId: string;
  name: string;
  format: FormatName | "auto";
  text: string;
}

/**
 * Imports a trainer-format file as a new snapshot. All or nothing: any malformed line fails
 * the whole import with each bad line's number and reason, and nothing is stored.
 */
export async function importSnapshot(pool: Pool, schema: string, req: ImportRequest): Promise<DatasetManifest> {
  checkName(req.name);
  const parsed = parseJsonl(req.text, req.format);
  if (!parsed.ok) {
    const more = parsed.errorCount > parsed.errors.length ? ` (first ${parsed.errors.length} of ${parsed.errorCount} shown)` : "";
    throw new AppError("invalid_argument", `import refused, nothing was imported: ${parsed.errorCount} bad line(s)${more}: ${parsed.errors.map((e) => `line ${e.line}: ${e.reason}`).join("; ")}`, {
      fields: parsed.errors.map((e) => ({ path: `line ${e.line}`, reason: e.reason })),
    });
  }
  const now = Date.now();
  const origin = `import:${parsed.format}`;
  const snapshot: SnapshotPair[] = parsed.pairs.map((p, i) => {
    const weight = p.weight ?? 1;
    const hash = promptHash(p.prompt);
    const pairId = stableId("imp_", req.tenantId, req.name, String(i), hash, p.chosen, p.rejected);
    return {
      pair: create(PreferencePairSchema, {
        pairId,
        tenantId: req.tenantId,
        promptHash: hash,
        prompt: promptProto(p.prompt),
        chosen: p.chosen,
        rejected: p.rejected,
        source: PairSource.IMPORT,
        weight,
        contributions: [create(WeightContributionSchema, { raterId: origin, weight, evidenceId: `${req.name}:line${i + 1}`, occurredAt: timestampFromMs(now) })],
        samplingWeight: 1,
        createdAt: timestampFromMs(now),
      }),
      finalWeight: weight,
    };
  });
  const total = snapshot.reduce((s, p) => s + p.finalWeight, 0);
  const one = (key: string) => [{ key, pairs: snapshot.length, weightBefore: total, shareBefore: 1, weightAfter: total, shareAfter: 1 }];
  return store(
    pool,
    schema,
    {
      tenantId: req.tenantId,
      name: req.name,
      pairCount: snapshot.length,
      shares: { totalWeightBefore: total, totalWeightAfter: total, bySource: one("import"), bySegment: one("(none)"), byRater: one(origin), byRubricVersion: one("(none)"), sampling: [], raterCount: 1 },
      policy: undefined,
      heavyShareBefore: 1,
      heavyShareAfter: 1,
      evidenceFromMs: now,
      evidenceToMs: now,
      origin,
    },
    snapshot,
  );
}

const ROLE_NAME: Record<number, PromptMessage["role"]> = { 1: "system", 2: "user", 3: "assistant", 4: "tool" };

/**
 * Writes a snapshot in a trainer format, one JSON line per pair, in snapshot order.
 * Returns how many pairs were written.
 */
export async function exportSnapshot(
  db: Queryable,
  schema: string,
  req: { tenantId: string; datasetId: string; format: FormatName; includeWeight?: boolean },
  write: (chunk: string) => void | Promise<void>,
): Promise<{ pairs: number; manifest: DatasetManifest }> {
  const manifest = await getManifest(db, schema, req.tenantId, req.datasetId);
  if (!manifest) throw new AppError("not_found", `no dataset ${req.datasetId}`);
  let n = 0;
  let buf = "";
  for await (const dp of readSnapshotPairs(db, schema, req.tenantId, req.datasetId)) {
    const p = dp.pair;
    if (!p) continue;
    try {
      buf += toJsonlLine(
        { prompt: p.prompt.map((m) => ({ role: ROLE_NAME[m.role] ?? "user", content: m.content })), chosen: p.chosen, rejected: p.rejected, weight: dp.finalWeight },
        req.format,
        req.includeWeight ?? false,
      );
    } catch (err) {
      if (err instanceof LineError) throw new AppError("failed_precondition", `pair ${dp.seq} (${p.pairId}) cannot be written as ${req.format}: ${err.reason}; use another format`);
      throw err;
    }
    n++;
    if (buf.length > 1 << 16) {
      await write(buf);
      buf = "";
    }
  }
  if (buf.length > 0) await write(buf);
  return { pairs: n, manifest };
}
