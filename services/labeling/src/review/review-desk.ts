import { AppError, withTransaction } from "@rlhf-loop/kit";
import type { Logger, Pool } from "@rlhf-loop/kit";
import type { Verdict } from "../domain/audit.js";
import { stableId } from "../domain/hash.js";
import { heldOut } from "../domain/holdout.js";
import type { PairDraft } from "../domain/model.js";
import type { ReviewSamplingPolicy } from "../domain/review-sampling.js";
import { candidateKey, serveGold } from "../domain/review-sampling.js";
import type { JudgmentDraft, RubricDraft } from "../domain/rubric.js";
import { validateJudgment, validateRubric } from "../domain/rubric.js";
import type { LabelingMetrics } from "../metrics.js";
import { answerKey, loadAnswers } from "../store/answers-store.js";
import { insertPairs } from "../store/pairs-store.js";
import type { Rater } from "../store/raters-store.js";
import type { JudgmentRecord, TaskView } from "../store/review-store.js";
import { getTask, insertJudgment, insertTask, judgmentCount, leaseNextTask, taskForCandidate, taskView } from "../store/review-store.js";
import type { PublishOutcome, StoredRubric } from "../store/rubrics-store.js";
import { activeRubric, getRubric, publishRubric } from "../store/rubrics-store.js";
import { table } from "../store/sql.js";

export interface ReviewDeskOptions {
  schema: string;
  review: ReviewSamplingPolicy;
  /** How long a served task stays reserved for the expert who got it. */
  leaseMs: number;
  /** Weight of one expert judgment as a pair contribution. */
  expertReviewWeight: number;
}

export interface NextTask {
  task: TaskView | undefined;
  rubric: StoredRubric;
}

export interface SubmittedJudgment extends JudgmentRecord {
  pairId: string | undefined;
}

/** Called after a judgment made a pair (the outbox flush). */
export type OnPairs = () => void;

/**
 * The expert review workflow behind the web page and the gRPC Labeling service: serving
 * tasks (gold items mixed in), taking judgments against the active, locked rubric, publishing
 * new rubric versions (which pauses collection under the old one).
 */
export class ReviewDesk {
  constructor(
    private readonly pool: Pool,
    private readonly options: ReviewDeskOptions,
    private readonly metrics: LabelingMetrics,
    private readonly logger: Logger,
    private readonly onPairs: OnPairs = () => undefined,
  ) {}

  private async requireRubric(tenantId: string): Promise<StoredRubric> {
    const rubric = await activeRubric(this.pool, this.options.schema, tenantId);
    if (!rubric) throw new AppError("failed_precondition", "no rubric is published yet: a lead publishes one before collection starts");
    return rubric;
  }

  private requireJudge(rater: Rater): void {
    // Service keys read snapshots; only people judge.
    if (rater.role === "service") throw new AppError("permission_denied", "a service key cannot take or judge review tasks");
  }

  async nextTask(rater: Rater): Promise<NextTask> {
    this.requireJudge(rater);
    const rubric = await this.requireRubric(rater.tenantId);
    const served = await judgmentCount(this.pool, this.options.schema, rater.tenantId, rater.raterId);
    const preferGold = serveGold(rater.raterId, served, this.options.review);
    const task = await withTransaction(this.pool, async (c) => {
      const t = await leaseNextTask(c, this.options.schema, rater.tenantId, rater.raterId, this.options.leaseMs, preferGold);
      return t ? taskView(c, this.options.schema, t) : undefined;
    });
    return { task, rubric };
  }

  async submit(rater: Rater, draft: JudgmentDraft): Promise<SubmittedJudgment> {
    this.requireJudge(rater);
    const { schema } = this.options;
    const result = await withTransaction(this.pool, async (c) => {
      const task = await getTask(c, schema, rater.tenantId, draft.taskId, true);
      if (!task) throw AppError.invalid([{ path: "task_id", reason: `no task ${draft.taskId}` }]);
      const rubric = draft.rubricVersion === "" ? undefined : await getRubric(c, schema, rater.tenantId, draft.rubricVersion);
      if (draft.rubricVersion !== "" && !rubric) throw AppError.invalid([{ path: "rubric_version", reason: `no rubric version ${draft.rubricVersion}` }]);
      if (rubric && rubric.status === "paused") {
        const active = await activeRubric(c, schema, rater.tenantId);
        this.metrics.judgment("rejected_paused");
        throw new AppError(
          "failed_precondition",
          `collection under rubric ${rubric.version} is paused: ${active?.version ?? "a newer version"} replaced it; load the next task to judge under the new rubric`,
          { fields: [{ path: "rubric_version", reason: `${rubric.version} is paused` }] },
        );
      }
      const violations = validateJudgment(draft, rubric?.criteria ?? []);
      if (violations.length > 0) {
        this.metrics.judgment("rejected_invalid");
        throw AppError.invalid(violations);
      }
      const mine = await c.query(`select 1 from ${table(schema, "judgments")} where tenant_id = $1 and task_id = $2 and rater_id = $3`, [rater.tenantId, task.taskId, rater.raterId]);
      if (mine.rows.length > 0) {
        this.metrics.judgment("duplicate");
        throw new AppError("already_exists", `you already judged task ${task.taskId}`);
      }
      if (task.closed) throw new AppError("failed_precondition", `task ${task.taskId} already has all its judgments`);
      const judgment: JudgmentRecord = {
        tenantId: rater.tenantId,
        judgmentId: stableId("jdg_", rater.tenantId, task.taskId, rater.raterId),
        taskId: task.taskId,
        raterId: rater.raterId,
        choice: draft.choice as Verdict,
        criteria: draft.criteria,
        rubricVersion: draft.rubricVersion,
        comment: draft.comment,
        superseded: false,
        submittedAtMs: Date.now(),
      };
      if (!(await insertJudgment(c, schema, judgment, task))) {
        this.metrics.judgment("duplicate");
        throw new AppError("already_exists", `you already judged task ${task.taskId}`);
      }
      this.metrics.judgment("accepted");
      // Gold items measure the expert; they are not new evidence. Ties carry no preference.
      if (task.goldChoice !== undefined || judgment.choice === "tie") return { ...judgment, pairId: undefined };
      const answers = await loadAnswers(c, schema, [
        { tenantId: task.tenantId, interactionId: task.interactionA },
        { tenantId: task.tenantId, interactionId: task.interactionB },
      ]);
      const a = answers.get(answerKey(task.tenantId, task.interactionA));
      const b = answers.get(answerKey(task.tenantId, task.interactionB));
      if (!a || !b) throw new AppError("internal", `task ${task.taskId} refers to answers that are not stored`);
      // The judgment is kept (the canary may read it); a canary-holdout conversation makes no training pair.
      if (heldOut(a) || heldOut(b)) {
        this.metrics.holdoutSkipped("review");
        return { ...judgment, pairId: undefined };
      }
      const [chosen, rejected] = judgment.choice === "a" ? [a, b] : [b, a];
      const pair: PairDraft = {
        pairId: stableId("pr_", rater.tenantId, "expert_review", judgment.judgmentId),
        tenantId: rater.tenantId,
        groupKey: a.groupKey,
        promptHash: a.promptHash,
        chosenId: chosen.interactionId,
        rejectedId: rejected.interactionId,
        source: "expert_review",
        contributions: [{ raterId: rater.raterId, source: "expert", segment: a.segment, weight: this.options.expertReviewWeight, evidenceId: judgment.judgmentId, atMs: judgment.submittedAtMs }],
        rubricVersion: judgment.rubricVersion,
        samplingWeight: task.samplingWeight,
        stratum: task.stratum,
        atMs: judgment.submittedAtMs,
        superseded: false,
      };
      await insertPairs(c, schema, [pair]);
      this.metrics.pair("expert_review");
      return { ...judgment, pairId: pair.pairId };
    });
    if (result.pairId !== undefined) this.onPairs();
    return result;
  }

  async rubric(tenantId: string, version: string): Promise<StoredRubric> {
    if (version === "") return this.requireRubric(tenantId);
    const r = await getRubric(this.pool, this.options.schema, tenantId, version);
    if (!r) throw new AppError("not_found", `no rubric version ${version}`);
    return r;
  }

  async publish(rater: Rater, draft: RubricDraft): Promise<Extract<PublishOutcome, { kind: "published" | "unchanged" }>> {
    if (rater.role !== "lead") throw new AppError("permission_denied", "publishing a rubric needs a lead's key");
    const violations = validateRubric(draft);
    if (violations.length > 0) throw AppError.invalid(violations);
    const out = await withTransaction(this.pool, (c) => publishRubric(c, this.options.schema, rater.tenantId, draft, rater.raterId));
    if (out.kind === "locked") {
      throw new AppError("already_exists", `rubric version ${draft.version} is published and locked; publish the change as a new version`, {
        fields: [{ path: "rubric.version", reason: "is locked with other content" }],
      });
    }
    if (out.kind === "published" && out.pausedVersion !== "") {
      this.metrics.rubricChange(rater.tenantId);
      this.logger.warn(
        { tenant: rater.tenantId, from: out.pausedVersion, to: out.rubric.version, by: rater.raterId, judgmentsMarked: out.judgmentsMarked, pairsMarked: out.pairsMarked, note: draft.changeNote },
        "rubric changed: collection under the old version is paused",
      );
    }
    return out;
  }

  /** Adds a known-answer item, mixed into every expert's tasks (leads only). */
  async addGold(rater: Rater, init: { interactionA: string; interactionB: string; gold: Verdict }): Promise<string> {
    if (rater.role !== "lead") throw new AppError("permission_denied", "adding gold items needs a lead's key");
    const { schema } = this.options;
    if (init.interactionA === init.interactionB) throw AppError.invalid([{ path: "interaction_b", reason: "must differ from interaction_a" }]);
    const answers = await loadAnswers(this.pool, schema, [
      { tenantId: rater.tenantId, interactionId: init.interactionA },
      { tenantId: rater.tenantId, interactionId: init.interactionB },
    ]);
    const missing = [init.interactionA, init.interactionB].filter((id) => !answers.has(answerKey(rater.tenantId, id)));
    if (missing.length > 0) throw AppError.invalid(missing.map((id) => ({ path: id === init.interactionA ? "interaction_a" : "interaction_b", reason: `no stored interaction ${id}` })));
    const key = `gold\u001f${candidateKey(rater.tenantId, init.interactionA, init.interactionB)}`;
    const existing = await taskForCandidate(this.pool, schema, rater.tenantId, key);
    if (existing) return existing.taskId;
    const taskId = stableId("gold_", key);
    await insertTask(this.pool, schema, {
      tenantId: rater.tenantId,
      taskId,
      candidateKey: key,
      interactionA: init.interactionA,
      interactionB: init.interactionB,
      stratum: "gold",
      inclusionProbability: 1,
      samplingWeight: 1,
      judgmentsRequired: undefined,
      goldChoice: init.gold,
    });
    return taskId;
  }
}
