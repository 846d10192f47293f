// Canary runs: queued idempotently per (tenant, candidate, set), executed one at a time, progress
// stored as they go, the report stored and announced, a promotion recorded.
import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { AppError, type Bus, type Logger } from "@rlhf-loop/kit";
import { CanaryReportAnnouncementSchema } from "@rlhf-loop/proto";
import type { GateConfig } from "../domain/gate.js";
import type { CanaryJudge } from "../domain/judge.js";
import { runCanary } from "../domain/run.js";
import type { CanaryReportDoc } from "../domain/types.js";
import type { CanaryMetrics } from "../metrics.js";
import type { CanaryStore, ReportRow } from "../store/canary-store.js";
import { reportMessage } from "../api/wire.js";
import { ShutdownInterrupt, abortable } from "./abortable.js";
import type { AnswerSource, ScoreSource } from "./grpc-ports.js";

export interface RunnerOptions {
  readonly samplesPerTask: number;
  readonly seed: number;
  readonly gate: GateConfig;
  /** Score with this reward model instead of the candidate's own ("" = the candidate's). */
  readonly rewardModelOverride: string;
  readonly bootstrapResamples: number;
  readonly topic: string;
}

export interface RunnerDeps {
  readonly store: CanaryStore;
  readonly bus: Bus;
  readonly logger: Logger;
  readonly metrics: CanaryMetrics;
  readonly answers: AnswerSource;
  readonly scores: ScoreSource;
  readonly judge: CanaryJudge;
  readonly options: RunnerOptions;
}

export interface QueueRequest {
  readonly tenantId: string;
  readonly candidateVersion: string;
  /** "" = the tenant's latest set. */
  readonly canarySetId: string;
  /**
   * "" = the candidate's reward model (or the override). A model named here must be the tenant's
   * own or shared: the canary scores with an every-tenant key, so reward cannot refuse it for us.
   */
  readonly rewardModelId: string;
}

export class CanaryRunner {
  private queue: Promise<unknown> = Promise.resolve();
  private stopped = false;
  /** Aborted by stop(): the running canary stops at its next call and stays resumable. */
  private readonly shutdown = new AbortController();
  private readonly waiters = new Map<string, ((row: ReportRow) => void)[]>();

  constructor(private readonly deps: RunnerDeps) {}

  /** Validates and queues a run; an existing run for the same candidate and set is returned instead. */
  async request(req: QueueRequest): Promise<ReportRow> {
    const bad: { path: string; reason: string }[] = [];
    if (!req.tenantId) bad.push({ path: "tenant_id", reason: "required" });
    if (!req.candidateVersion) bad.push({ path: "candidate_version", reason: "required" });
    if (bad.length) throw AppError.invalid(bad);
    const { store } = this.deps;
    const set = req.canarySetId ? await store.getSet(req.canarySetId) : await store.latestSet(req.tenantId);
    // Another tenant's set or checkpoint is "not found", as one that does not exist: the answer
    // names neither that tenant nor anything of it.
    if (!set || set.tenantId !== req.tenantId) throw new AppError(req.canarySetId ? "not_found" : "failed_precondition", req.canarySetId ? `canary set ${req.canarySetId} not found` : `tenant ${req.tenantId} has no canary set: create one with \`rlhf canary create --from-traffic\` or import one`);
    const policy = await store.policy(req.candidateVersion);
    if (policy && policy.tenantId && policy.tenantId !== req.tenantId) throw new AppError("not_found", `policy version ${req.candidateVersion} not found`);
    if (req.rewardModelId) await this.checkRewardModel(req.tenantId, req.rewardModelId);
    // Not checked: the override is the operator's own configuration, and the model from the policy
    // announcement is the candidate's own (the RL trainer trained this tenant's policy against it).
    const rewardModelId = req.rewardModelId || this.deps.options.rewardModelOverride || policy?.rewardModelId || "";
    const { row, created } = await store.queueReport({
      reportId: `canary-${randomUUID()}`,
      tenantId: req.tenantId,
      candidateVersion: req.candidateVersion,
      canarySetId: set.setId,
      productionVersion: "",
      rewardModelId,
      runId: policy?.runId ?? "",
    });
    if (row.status === "failed") await store.requeue(row.reportId);
    if (created || row.status === "failed") this.enqueue(row.reportId);
    return (await store.report(row.reportId))!;
  }

  /**
   * A reward model named by a caller: the tenant's own, or shared (empty tenant, e.g. a brought
   * model). Another tenant's model reads exactly as one that does not exist.
   */
  private async checkRewardModel(tenantId: string, modelId: string): Promise<void> {
    const owner = await this.deps.scores.modelTenant(modelId);
    if (owner === undefined || (owner !== "" && owner !== tenantId)) throw new AppError("not_found", `reward model ${modelId} not found`);
  }

  enqueue(reportId: string): void {
    this.queue = this.queue
      .then(() => (this.stopped ? undefined : this.execute(reportId)))
      .catch((err: unknown) => this.deps.logger.error({ err, reportId }, "canary run failed"));
  }

  /** Resolves when the run is done or failed. */
  async wait(reportId: string, timeoutMs: number): Promise<ReportRow> {
    const now = await this.deps.store.report(reportId);
    if (!now) throw new AppError("not_found", `report ${reportId} not found`);
    if (now.status === "done" || now.status === "failed") return now;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new AppError("unavailable", `canary run ${reportId} still ${now.status} after ${timeoutMs} ms`)), timeoutMs);
      const list = this.waiters.get(reportId) ?? [];
      list.push((row) => {
        clearTimeout(timer);
        resolve(row);
      });
      this.waiters.set(reportId, list);
    });
  }

  idle(): Promise<unknown> {
    return this.queue;
  }

  /** Stops promptly: queued runs wait for the next start, a running one is interrupted and resumed then. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.shutdown.abort(new ShutdownInterrupt());
    await this.queue;
  }

  private async execute(reportId: string): Promise<void> {
    const { store, logger, metrics, options } = this.deps;
    const row = await store.report(reportId);
    if (!row || row.status === "done") return;
    const log = logger.child({ reportId, tenant: row.tenantId, candidate: row.candidateVersion });
    const t0 = performance.now();
    try {
      const set = await store.getSet(row.canarySetId);
      if (!set) throw new AppError("not_found", `canary set ${row.canarySetId} not found`);
      if (!row.rewardModelId) throw new AppError("failed_precondition", `no reward model to score with: policy ${row.candidateVersion} was not announced and none was given`);
      const serving = await store.serving(row.tenantId);
      const policy = await store.policy(row.candidateVersion);
      const productionVersion = serving && serving.policyVersion !== row.candidateVersion ? serving.policyVersion : "";
      await store.progress(reportId, "running", "starting", 0, set.tasks.length);
      log.info({ tasks: set.tasks.length, productionVersion: productionVersion || "(logged answers)" }, "canary run started");
      let lastWrite = 0;
      const signal = this.shutdown.signal;
      const { doc } = await abortable(runCanary(
        {
          reportId,
          tenantId: row.tenantId,
          set,
          candidateVersion: row.candidateVersion,
          productionVersion,
          rewardModelId: row.rewardModelId,
          runId: row.runId,
          samplesPerTask: options.samplesPerTask,
          seed: options.seed,
          gate: options.gate,
          now: new Date(),
          bootstrapResamples: options.bootstrapResamples,
          ...(policy?.stopReason ? { trainer: { stopReason: policy.stopReason, stopDetail: policy.stopDetail } } : {}),
        },
        {
          // After a shutdown the abandoned run makes no further call and stores nothing more.
          generate: (v, p, s, seed) => {
            signal.throwIfAborted();
            return this.deps.answers.generate(v, p, s, seed, signal);
          },
          score: (m, rows) => {
            signal.throwIfAborted();
            return this.deps.scores.score(m, rows);
          },
          judge: this.deps.judge,
          progress: (stage, done, total) => {
            signal.throwIfAborted();
            metrics.runProgress.set({ stage }, total ? done / total : 0);
            log.info({ stage, done, total }, "canary progress");
            const now = Date.now();
            if (now - lastWrite > 250 || done === total) {
              lastWrite = now;
              void store.progress(reportId, "running", stage, done, total).catch((err: unknown) => log.warn({ err }, "progress not stored"));
            }
          },
        },
      ), signal);
      // Announced before it is marked done: a crash in between reruns the (seeded, same) run and
      // announces again, which consumers treat as a replay; the other order could lose a promotion.
      await this.deps.bus.publish(options.topic, CanaryReportAnnouncementSchema, [{ key: doc.candidateVersion, message: create(CanaryReportAnnouncementSchema, { report: reportMessage(doc) }) }]);
      if (doc.decision === "promote") {
        await store.promote(row.tenantId, row.candidateVersion, reportId, new Date(doc.createdAt));
        metrics.servedPolicyPromotions.inc({ tenant: row.tenantId });
      }
      await store.finishReport(reportId, doc);
      this.record(doc, (performance.now() - t0) / 1000);
      log.info({ decision: doc.decision, reasons: doc.reasons.map((r) => r.code), seconds: ((performance.now() - t0) / 1000).toFixed(1) }, "canary run done");
    } catch (err) {
      if (this.shutdown.signal.aborted) {
        // Left queued or running, not failed: the next start resumes it (a seeded, identical run).
        log.info("canary run interrupted by shutdown; it resumes at the next start");
        return;
      }
      const message = err instanceof Error ? err.message : String(err);
      await store.failReport(reportId, message);
      metrics.runs.inc({ tenant: row.tenantId, decision: "failed" });
      log.error({ err }, "canary run failed");
    } finally {
      const final = await store.report(reportId);
      for (const w of this.waiters.get(reportId) ?? []) w(final!);
      this.waiters.delete(reportId);
    }
  }

  private record(doc: CanaryReportDoc, seconds: number): void {
    const m = this.deps.metrics;
    const tenant = doc.tenantId;
    m.runs.inc({ tenant, decision: doc.decision });
    m.runSeconds.observe(seconds);
    m.lastDecision.set({ tenant }, doc.decision === "promote" ? 1 : doc.decision === "hold" ? 0 : -1);
    m.gateFailed.set({ tenant }, doc.decision === "promote" ? 0 : 1);
    for (const r of doc.metrics) {
      if (r.intent !== "") continue;
      m.metricCandidate.set({ tenant, metric: r.name }, r.candidate.estimate);
      m.metricProduction.set({ tenant, metric: r.name }, r.production.estimate);
      m.metricDelta.set({ tenant, metric: r.name }, r.delta.estimate);
      m.metricDeltaLow.set({ tenant, metric: r.name }, r.delta.low);
      m.metricDeltaHigh.set({ tenant, metric: r.name }, r.delta.high);
    }
    const codes = new Set(doc.reasons.map((r) => r.code));
    for (const metric of ["length_words", "refusal_rate", "disclaimer_rate", "hedge_rate", "clarifying_rate"]) {
      const fired = doc.reasons.some((r) => r.metrics[0] === metric && r.code.endsWith("_everywhere"));
      m.shapeShift.set({ tenant, metric }, fired ? 1 : 0);
    }
    for (const reason of ["hard_check_regression", "gold_regression", "escalation_regression", "reward_prefers_production"]) m.regression.set({ tenant, reason }, codes.has(reason) ? 1 : 0);
  }
}
