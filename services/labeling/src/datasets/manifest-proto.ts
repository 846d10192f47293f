import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { DatasetManifestSchema, SamplingStratumSchema, SegmentTargetSchema, WeightShareSchema, WeightingPolicySchema } from "@rlhf-loop/proto";
import type { DatasetManifest } from "@rlhf-loop/proto";
import type { ManifestShares, Share } from "../domain/manifest.js";
import type { WeightingPolicy } from "../domain/weighting.js";

/** The heaviest raters kept in the announcement (the stored manifest keeps all). */
export const ANNOUNCED_RATERS = 100;

const share = (s: Share) =>
  create(WeightShareSchema, { key: s.key, pairs: BigInt(s.pairs), weightBefore: s.weightBefore, shareBefore: s.shareBefore, weightAfter: s.weightAfter, shareAfter: s.shareAfter });

export function policyProto(p: WeightingPolicy) {
  return create(WeightingPolicySchema, {
    raterCapPerWindow: p.raterCapPerWindow,
    raterWindowSeconds: BigInt(Math.round(p.raterWindowMs / 1000)),
    heavyShareMax: p.heavyShareMax,
    heavyFraction: p.heavyFraction,
    segmentTargets: Object.entries(p.segmentTargets).map(([segment, s]) => create(SegmentTargetSchema, { segment, share: s })),
    applySamplingWeights: p.applySamplingWeights,
    applyRaterAudit: p.applyRaterAudit,
    includeSuperseded: p.includeSuperseded,
  });
}

export interface ManifestInit {
  datasetId: string;
  tenantId: string;
  name: string;
  version: number;
  createdAtMs: number;
  pairCount: number;
  shares: ManifestShares;
  policy: WeightingPolicy | undefined;
  heavyShareBefore: number;
  heavyShareAfter: number;
  contentSha256: string;
  evidenceFromMs: number | undefined;
  evidenceToMs: number | undefined;
  origin: string;
}

export function manifestProto(m: ManifestInit): DatasetManifest {
  return create(DatasetManifestSchema, {
    datasetId: m.datasetId,
    tenantId: m.tenantId,
    name: m.name,
    version: m.version,
    createdAt: timestampFromMs(m.createdAtMs),
    pairCount: BigInt(m.pairCount),
    totalWeightBefore: m.shares.totalWeightBefore,
    totalWeightAfter: m.shares.totalWeightAfter,
    bySource: m.shares.bySource.map(share),
    bySegment: m.shares.bySegment.map(share),
    byRater: m.shares.byRater.map(share),
    byRubricVersion: m.shares.byRubricVersion.map(share),
    sampling: m.shares.sampling.map((s) =>
      create(SamplingStratumSchema, { stratum: s.stratum, inclusionProbability: s.inclusionProbability, samplingWeight: s.samplingWeight, pairs: BigInt(s.pairs) }),
    ),
    ...(m.policy ? { policy: policyProto(m.policy) } : {}),
    heavyRatersShareBefore: m.heavyShareBefore,
    heavyRatersShareAfter: m.heavyShareAfter,
    contentSha256: m.contentSha256,
    ...(m.evidenceFromMs !== undefined ? { evidenceFrom: timestampFromMs(m.evidenceFromMs) } : {}),
    ...(m.evidenceToMs !== undefined ? { evidenceTo: timestampFromMs(m.evidenceToMs) } : {}),
    origin: m.origin,
    raterCount: BigInt(m.shares.raterCount),
  });
}

/** The manifest as announced: the heaviest raters only, so the record stays small. */
export function announcedManifest(m: DatasetManifest): DatasetManifest {
  const byRater = [...m.byRater].sort((a, b) => b.weightBefore - a.weightBefore).slice(0, ANNOUNCED_RATERS);
  return create(DatasetManifestSchema, { ...m, byRater });
}
