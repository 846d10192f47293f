// Run requests: validated, stored idempotently (run_id), then executed one at a time in order.
import { AppError, type Logger } from "@rlhf-loop/kit";
import type { RlRunRequest } from "@rlhf-loop/proto";
import { resolveRunConfig, type RunConfigInput } from "../domain/run-config.js";
import type { RlStore, RunRow } from "../store/store.js";
import type { RunExecutor } from "./executor.js";

export function configInput(req: RlRunRequest): RunConfigInput {
  const c = req.config;
  return c
    ? { algorithm: c.algorithm, steps: c.steps, beta: c.beta, targetKl: c.targetKl, klEstimator: c.klEstimator, klBudget: c.klBudget, samplesPerPrompt: c.samplesPerPrompt, promptsPerStep: c.promptsPerStep, learningRate: c.learningRate, seed: c.seed }
    : {};
}

export class RunRequests {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly abort = new AbortController();

  constructor(
    private readonly store: RlStore,
    private readonly executor: RunExecutor,
    private readonly logger: Logger,
    private readonly opts: { requireKnownRewardModel: boolean },
  ) {}

  /** Validates and stores a request, queues its execution; returns the stored run. */
  async accept(req: RlRunRequest): Promise<RunRow> {
    const bad: { path: string; reason: string }[] = [];
    if (!/^[A-Za-z0-9._:@-]{1,128}$/.test(req.runId)) bad.push({ path: "run_id", reason: "1-128 characters of [A-Za-z0-9._:@-]" });
    if (!req.tenantId) bad.push({ path: "tenant_id", reason: "required" });
    if (!req.rewardModelId) bad.push({ path: "reward_model_id", reason: "required" });
    if (bad.length) throw AppError.invalid(bad);
    const input = configInput(req);
    resolveRunConfig(input); // throws invalid_argument naming the field
    if (this.opts.requireKnownRewardModel) {
      const rm = await this.store.rewardModel(req.rewardModelId);
      if (!rm) throw new AppError("failed_precondition", `reward model ${req.rewardModelId} has not been announced on rlhf.reward-models.v1`);
    }
    await this.store.createRun({ runId: req.runId, tenantId: req.tenantId, rewardModelId: req.rewardModelId, referenceId: req.referenceId, datasetId: req.datasetId, config: { ...input } });
    this.enqueue(req.runId);
    return (await this.store.getRun(req.runId))!;
  }

  /** Queues execution (also used at start for runs a crash left unfinished). */
  enqueue(runId: string): void {
    this.queue = this.queue
      .then(() => (this.abort.signal.aborted ? undefined : this.executor.execute(runId, this.abort.signal)))
      .catch((err: unknown) => this.logger.error({ err, runId }, "run execution failed"));
  }

  /** Waits for queued runs (tests). */
  idle(): Promise<unknown> {
    return this.queue;
  }

  /** Stops between steps; a run in progress stays "running" and resumes on the next start. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.queue;
  }
}
