// Stored report -> protobuf message.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { CanaryDecision, CanaryReportSchema, type CanaryReport } from "@rlhf-loop/proto";
import type { CanaryReportDoc, Decision } from "../domain/types.js";

export const DECISION: Record<Decision, CanaryDecision> = {
  promote: CanaryDecision.PROMOTE,
  hold: CanaryDecision.HOLD,
  reject: CanaryDecision.REJECT,
};

export function reportPath(reportId: string): string {
  return `/v1/reports/${encodeURIComponent(reportId)}/html`;
}

export function reportMessage(doc: CanaryReportDoc): CanaryReport {
  return create(CanaryReportSchema, {
    reportId: doc.reportId,
    tenantId: doc.tenantId,
    candidateVersion: doc.candidateVersion,
    productionVersion: doc.productionVersion,
    canarySetId: doc.canarySetId,
    canarySetVersion: doc.canarySetVersion,
    rewardModelId: doc.rewardModelId,
    runId: doc.runId,
    decision: DECISION[doc.decision],
    reasons: doc.reasons.map((r) => ({ code: r.code, message: r.message, metrics: [...r.metrics] })),
    metrics: doc.metrics.map((m) => ({
      name: m.name,
      intent: m.intent,
      candidate: m.candidate.estimate,
      candidateLow: m.candidate.low,
      candidateHigh: m.candidate.high,
      production: m.production.estimate,
      productionLow: m.production.low,
      productionHigh: m.production.high,
      delta: m.delta.estimate,
      deltaLow: m.delta.low,
      deltaHigh: m.delta.high,
      pValue: m.pValue,
      test: m.test,
      nCandidate: m.nCandidate,
      nProduction: m.nProduction,
    })),
    tasks: doc.tasks,
    samplesPerTask: doc.samplesPerTask,
    reportPath: reportPath(doc.reportId),
    createdAt: timestampFromDate(new Date(doc.createdAt)),
  });
}
