// gRPC Canary: StartCanary (waits for the run), GetReport, GetServingPolicy. Each needs a key
// (README: routes and roles); another tenant's report is NOT_FOUND, as one that does not exist.
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { AppError, READ_ROLES, WRITE_ROLES, assertTenant, canAccess, type CallerAuth, type ServiceImpl } from "@rlhf-loop/kit";
import type { Canary } from "@rlhf-loop/proto";
import type { CanaryRunner } from "../run/canary-runner.js";
import type { CanaryStore, ReportRow } from "../store/canary-store.js";
import { reportMessage } from "./wire.js";

function finished(row: ReportRow) {
  if (row.status === "failed") throw new AppError("failed_precondition", `canary run ${row.reportId} failed: ${row.error}`);
  if (!row.doc) throw new AppError("unavailable", `canary run ${row.reportId} is ${row.status} (${row.stage} ${row.done}/${row.total})`, { retriable: true });
  return reportMessage(row.doc);
}

export function canaryGrpcImpl(deps: { auth: CallerAuth; store: CanaryStore; runner: CanaryRunner; runTimeoutMs: number }): ServiceImpl<typeof Canary> {
  const key = (ctx: { header(name: string): string | undefined }) => ctx.header("authorization");
  return {
    async startCanary(req, ctx) {
      const caller = await deps.auth.require(key(ctx), WRITE_ROLES);
      // An empty tenant is the runner's invalid_argument (field tenant_id), after the key was checked.
      if (req.tenantId) assertTenant(caller, req.tenantId);
      const row = await deps.runner.request({ tenantId: req.tenantId, candidateVersion: req.candidateVersion, canarySetId: req.canarySetId, rewardModelId: req.rewardModelId });
      return { report: finished(await deps.runner.wait(row.reportId, deps.runTimeoutMs)) };
    },
    async getReport(req, ctx) {
      const caller = await deps.auth.require(key(ctx), READ_ROLES);
      if (!req.reportId) throw AppError.invalid([{ path: "report_id", reason: "required" }]);
      const row = await deps.store.report(req.reportId);
      if (!row || !canAccess(caller, row.tenantId)) throw new AppError("not_found", `report ${req.reportId} not found`);
      return { report: finished(row) };
    },
    async getServingPolicy(req, ctx) {
      const caller = await deps.auth.require(key(ctx), READ_ROLES);
      if (!req.tenantId) throw AppError.invalid([{ path: "tenant_id", reason: "required" }]);
      assertTenant(caller, req.tenantId);
      const s = await deps.store.serving(req.tenantId);
      return s ? { policyVersion: s.policyVersion, reportId: s.reportId, promotedAt: timestampFromDate(s.promotedAt) } : {};
    },
  };
}
