import { AppError } from "@rlhf-loop/kit";
import type { Pool, ServiceImpl } from "@rlhf-loop/kit";
import type { Labeling } from "@rlhf-loop/proto";
import { readSnapshotPairs, getManifest } from "../store/datasets-store.js";
import type { ReviewDesk } from "../review/review-desk.js";
import type { RaterAuth } from "./auth.js";
import { choiceOf, judgmentProto, rubricProto, taskProto } from "./convert.js";

export interface GrpcDeps {
  auth: RaterAuth;
  desk: ReviewDesk;
  pool: Pool;
  schema: string;
}

/** The gRPC Labeling service: the same desk as the web page, over protobuf. */
export function labelingGrpcImpl(deps: GrpcDeps): ServiceImpl<typeof Labeling> {
  const { auth, desk } = deps;
  return {
    async nextTask(_req, ctx) {
      const rater = await auth.fromHeader(ctx.header("authorization"));
      const next = await desk.nextTask(rater);
      return { rubric: rubricProto(next.rubric), ...(next.task ? { task: taskProto(next.task, next.rubric.version) } : {}) };
    },
    async submitJudgment(req, ctx) {
      const rater = await auth.fromHeader(ctx.header("authorization"));
      const j = await desk.submit(rater, {
        taskId: req.taskId,
        choice: choiceOf(req.choice),
        criteria: req.criteria.map((c) => ({ criterion: c.criterion, aMet: c.aMet, bMet: c.bMet })),
        rubricVersion: req.rubricVersion,
        comment: req.comment,
      });
      return { judgment: judgmentProto(j) };
    },
    async getRubric(req, ctx) {
      const rater = await auth.fromHeader(ctx.header("authorization"));
      return { rubric: rubricProto(await desk.rubric(rater.tenantId, req.version)) };
    },
    async publishRubric(req, ctx) {
      const rater = await auth.fromHeader(ctx.header("authorization"));
      const r = req.rubric;
      if (!r) throw AppError.invalid([{ path: "rubric", reason: "is required" }]);
      const out = await desk.publish(rater, {
        version: r.version,
        title: r.title,
        instructions: r.instructions,
        criteria: r.criteria.map((c) => ({ name: c.name, description: c.description })),
        changeNote: r.changeNote,
      });
      return out.kind === "published"
        ? { rubric: rubricProto(out.rubric), pausedVersion: out.pausedVersion, judgmentsMarked: BigInt(out.judgmentsMarked + out.pairsMarked) }
        : { rubric: rubricProto(out.rubric) };
    },
    async *streamDatasetPairs(req, ctx) {
      const rater = await auth.require(ctx.header("authorization"), ["lead", "service"]);
      if (!(await getManifest(deps.pool, deps.schema, rater.tenantId, req.datasetId))) throw new AppError("not_found", `no dataset ${req.datasetId}`);
      for await (const p of readSnapshotPairs(deps.pool, deps.schema, rater.tenantId, req.datasetId)) {
        if (ctx.signal.aborted) return;
        yield p;
      }
    },
  };
}
