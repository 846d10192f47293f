// Registry rows to their protobuf shape (gRPC GetModel and the rlhf.reward-models.v1 announcement).
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { RewardModelSchema, RewardModelStatus, type RewardModel } from "@rlhf-loop/proto";
import type { DiagnosticsReport } from "../diagnostics/diagnostics.js";
import type { ModelStatus, RegisteredModel } from "../store/registry-store.js";

const STATUS: Record<ModelStatus, RewardModelStatus> = {
  candidate: RewardModelStatus.CANDIDATE,
  approved: RewardModelStatus.APPROVED,
  retired: RewardModelStatus.RETIRED,
};

function isReport(x: unknown): x is DiagnosticsReport {
  return typeof x === "object" && x !== null && "accuracy" in x && "checks" in x;
}

export function toProtoModel(m: RegisteredModel): RewardModel {
  const metrics = m.metrics as { report?: unknown } | null;
  const report = isReport(metrics?.report) ? metrics.report : undefined;
  return create(RewardModelSchema, {
    modelId: m.modelId,
    tenantId: m.tenantId,
    datasetId: m.datasetId,
    status: STATUS[m.status],
    kind: m.kind,
    heldOutAccuracy: report?.accuracy.value ?? 0,
    heldOutAccuracyLo: report?.accuracy.lo ?? 0,
    heldOutAccuracyHi: report?.accuracy.hi ?? 0,
    lengthRuleAccuracy: report?.lengthRuleAccuracy.value ?? 0,
    checks: (report?.checks ?? []).map((c) => ({ name: c.name, value: Number.isFinite(c.value) ? c.value : 0, threshold: c.threshold, flagged: c.flagged, detail: c.detail })),
    diagnosticsPassed: m.diagnosticsPassed,
    artifactSha256: m.artifactSha256,
    artifactBytes: BigInt(m.artifactBytes),
    createdAt: timestampFromDate(m.createdAt),
    configJson: JSON.stringify(m.config),
    diagnosticsJson: JSON.stringify(m.metrics),
    trainPairs: BigInt(m.trainPairs),
    heldOutPairs: BigInt(m.heldOutPairs),
  });
}
