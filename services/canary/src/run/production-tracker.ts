// Weekly tracking at the edge: the served policy (or, before any promotion, production's logged
// answers) answers the tenant's current canary set; the week's figures are stored and compared with
// the previous week's, and regressions raise a gauge. On a timer and on request.
import { AppError, type Logger } from "@rlhf-loop/kit";
import { evaluateAnswers, type AnswerRow } from "../domain/evaluate.js";
import type { CanaryJudge } from "../domain/judge.js";
import { trackingFigures, trackingRegressions, type TrackingPoint, type TrackingRegression } from "../domain/tracking.js";
import type { CanaryMetrics } from "../metrics.js";
import type { CanaryStore } from "../store/canary-store.js";
import { weekStartOf } from "../watch/index.js";
import { ShutdownInterrupt, abortable } from "./abortable.js";
import type { AnswerSource, ScoreSource } from "./grpc-ports.js";

export interface TrackerOptions {
  readonly samplesPerTask: number;
  readonly seed: number;
  /** Reward model for the figures when no promotion names one ("" = no reward figure). */
  readonly rewardModelOverride: string;
  /** Milliseconds between scheduled runs over every tenant with a canary set (0 = on request only). */
  readonly intervalMs: number;
}

export class ProductionTracker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  /** Aborted by stop(): a scheduled pass stops waiting at once (a tenant's point is stored whole or not at all). */
  private readonly shutdown = new AbortController();

  constructor(
    private readonly deps: { store: CanaryStore; answers: AnswerSource; scores: ScoreSource; judge: CanaryJudge; metrics: CanaryMetrics; logger: Logger; options: TrackerOptions; now?: () => Date },
  ) {}

  start(): void {
    const ms = this.deps.options.intervalMs;
    if (ms <= 0) return;
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.trackAll()).catch((err: unknown) => this.deps.logger.error({ err }, "weekly tracking failed"));
    }, ms);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.shutdown.abort(new ShutdownInterrupt());
    await this.running;
  }

  private async trackAll(): Promise<void> {
    const signal = this.shutdown.signal;
    try {
      for (const tenant of await this.deps.store.tenantsWithSets()) {
        signal.throwIfAborted();
        await abortable(this.track(tenant, undefined, signal), signal);
      }
    } catch (err) {
      // The week's pass is tried again at the next interval after a restart.
      if (!signal.aborted) throw err;
    }
  }

  /** Tracks now, or for the week of `at` (backfills, simulations); `signal` cancels the policy calls. */
  async track(tenantId: string, at?: Date, signal?: AbortSignal): Promise<{ point: TrackingPoint; regressions: TrackingRegression[] }> {
    const { store, options, metrics, logger } = this.deps;
    if (!tenantId) throw AppError.invalid([{ path: "tenant", reason: "required" }]);
    const set = await store.latestSet(tenantId);
    if (!set) throw new AppError("failed_precondition", `tenant ${tenantId} has no canary set to track`);
    const serving = await store.serving(tenantId);
    const promotedBy = serving ? await store.report(serving.reportId) : undefined;
    const rewardModelId = options.rewardModelOverride || promotedBy?.rewardModelId || "";
    const prompts = set.tasks.map((t) => t.prompt);
    const answers = serving
      ? await this.deps.answers.generate(serving.policyVersion, prompts, options.samplesPerTask, options.seed, signal)
      : set.tasks.map((t) => (t.loggedAnswer !== undefined ? [t.loggedAnswer] : []));
    const rows: AnswerRow[] = answers.flatMap((list, t) => list.map((answer, sample) => ({ taskIndex: t, side: "production" as const, sample, answer })));
    const rewards = rewardModelId ? await this.deps.scores.score(rewardModelId, rows.map((r) => ({ prompt: prompts[r.taskIndex]!, answer: r.answer }))) : undefined;
    const evals = evaluateAnswers(set.tasks, rows, rewards, this.deps.judge);
    const weekStart = weekStartOf((at ?? this.deps.now?.() ?? new Date()).getTime());
    const point: TrackingPoint = { weekStart, setId: set.setId, policyVersion: serving?.policyVersion ?? "", rewardModelId, tasks: set.tasks.length, figures: trackingFigures(evals, set.tasks.length, options.seed) };
    signal?.throwIfAborted();
    const history = await store.tracking<TrackingPoint>(tenantId);
    const previous = history.filter((p) => p.weekStart < weekStart && p.setId === set.setId).at(-1);
    const regressions = trackingRegressions(previous, point);
    await store.saveTracking(tenantId, weekStart, set.setId, point);
    for (const [name, v] of Object.entries(point.figures)) metrics.trackingFigure.set({ tenant: tenantId, metric: name }, v.estimate);
    for (const name of ["hard_check_pass", "gold", "escalation_rate", "refusal_rate", "reward"]) metrics.trackingRegression.set({ tenant: tenantId, metric: name }, regressions.some((r) => r.metric === name) ? 1 : 0);
    if (regressions.length) logger.warn({ tenant: tenantId, week: weekStart, regressions: regressions.map((r) => r.message) }, "production regressed on the canary set");
    else logger.info({ tenant: tenantId, week: weekStart, policy: point.policyVersion || "(logged answers)" }, "production tracked on the canary set");
    return { point, regressions };
  }
}
