// Executes one RL run end to end: reference (loaded, or fitted on logged answers), resume from the
// last checkpoint, steps with stats stored, checkpoints stored with lineage and announced.
import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import type { Bus, Logger } from "@rlhf-loop/kit";
import { freshOptimizerState, WordVocab, type Json, type PolicyConfig, type VocabJson } from "@rlhf-loop/ml";
import { PolicyAnnouncementSchema, Topics } from "@rlhf-loop/proto";
import { AnswerCodec } from "../domain/codec.js";
import { resolveRunConfig, type RunConfigInput } from "../domain/run-config.js";
import type { AnswerJudge } from "../domain/shape.js";
import type { RlMetrics } from "../metrics.js";
import { packCheckpoint, unpackCheckpoint } from "../store/blob.js";
import type { RlStore } from "../store/store.js";
import { fitReference, type ReferenceFitOptions } from "../train/reference.js";
import { RlRun, type RewardFn, type StepStats } from "../train/rl.js";

export interface PolicyModelJson {
  readonly kind: "policy";
  readonly config: PolicyConfig;
  readonly vocab: VocabJson;
  readonly referenceId: string;
}

export interface ExecutorOptions {
  readonly checkpointEvery: number;
  readonly referenceFit: Omit<ReferenceFitOptions, "seed" | "onProgress">;
  readonly loggedAnswerLimit: number;
  /** Logged prompts kept out of training for the guardrail's probe set. */
  readonly probePrompts: number;
  readonly threads?: number;
  readonly preferCuda?: boolean;
}

export interface ExecutorDeps {
  readonly store: RlStore;
  readonly bus: Bus;
  readonly logger: Logger;
  readonly metrics: RlMetrics;
  readonly rewardFor: (modelId: string) => Promise<RewardFn>;
  readonly judge: AnswerJudge;
  readonly options: ExecutorOptions;
  /** Topic names (tests use their own). */
  readonly topics?: { readonly policies: string };
}

export function policyModelJson(m: PolicyModelJson): Json {
  return m as unknown as Json;
}

export class RunExecutor {
  constructor(private readonly d: ExecutorDeps) {}

  /** Runs (or resumes) `runId` until done, stopped by a guardrail, or `signal` aborts between steps
   * (as a crash would: the run stays "running" and resumes from its last checkpoint). */
  async execute(runId: string, signal?: AbortSignal): Promise<"completed" | "stopped" | "aborted" | "failed"> {
    const { store, logger } = this.d;
    const row = await store.getRun(runId);
    if (!row) throw new Error(`run ${runId} not found`);
    if (row.status === "completed" || row.status === "stopped" || row.status === "failed") return row.status;
    const log = logger.child({ runId, tenant: row.tenantId });
    try {
      await store.updateRun(runId, { status: "running" });
      this.d.metrics.runsActive.inc();
      const cfg = resolveRunConfig(row.config as RunConfigInput);
      const logged = await store.loggedAnswers(row.tenantId, this.d.options.loggedAnswerLimit);
      if (logged.length < 20) throw new Error(`tenant ${row.tenantId} has ${logged.length} logged answers; RL needs at least 20`);
      const probeN = Math.min(this.d.options.probePrompts, Math.floor(logged.length / 5));
      const probe = logged.slice(0, probeN).map((r) => r.prompt);
      const trainRows = logged.slice(probeN);
      const ref = await this.reference(row.referenceId || `ref-${runId}`, row.datasetId, trainRows, cfg.rl.seed, log);
      if (!row.referenceId) await store.updateRun(runId, { referenceId: ref.id });
      const last = await store.lastCheckpoint(runId);
      const resume = last ? { state: unpackCheckpoint(last.checkpoint).state, beta: last.beta, step: last.step } : undefined;
      if (resume) log.info({ step: resume.step, version: last!.policyVersion }, "resuming from checkpoint");
      const reward = await this.d.rewardFor(row.rewardModelId);
      const run = await RlRun.create({
        config: ref.config,
        codec: ref.codec,
        reference: ref.params,
        prompts: trainRows.map((r) => r.prompt),
        probePrompts: probe,
        reward,
        judge: this.d.judge,
        rl: cfg.rl,
        ...(resume ? { resume } : {}),
        ...(this.d.options.threads !== undefined ? { threads: this.d.options.threads } : {}),
        ...(this.d.options.preferCuda ? { preferCuda: true } : {}),
      });
      let parent = last?.policyVersion ?? "";
      const announce = (c: { version: string; parentVersion: string; step: number; sha256: string; final: boolean; stop?: { reason: string; detail: string } }) =>
        this.d.bus.publish(this.d.topics?.policies ?? Topics.policies, PolicyAnnouncementSchema, [
          {
            key: c.version,
            message: create(PolicyAnnouncementSchema, {
              policyVersion: c.version, runId, tenantId: row.tenantId, referenceId: ref.id, rewardModelId: row.rewardModelId, datasetId: row.datasetId,
              parentVersion: c.parentVersion, step: c.step, configJson: JSON.stringify(row.config), checkpointSha256: c.sha256, final: c.final, createdAt: timestampNow(),
              // The canary holds a checkpoint the trainer's own shape guardrail stopped.
              ...(c.stop ? { stopReason: c.stop.reason, stopDetail: c.stop.detail } : {}),
            }),
          },
        ]);
      // A final checkpoint ends the run: a crash after storing it (with its stop reason, in the same
      // insert) but before the run row said so resumes to that end, not to more training.
      const ended = last?.final ? { stop: last.stopReason ? { reason: last.stopReason, detail: last.stopDetail } : undefined } : undefined;
      // The run row names a checkpoint only once it is announced: a crash between storing the last
      // checkpoint and announcing it left it unannounced (a final one would never reach the canary).
      if (last && row.policyVersion !== last.policyVersion) {
        await announce({ version: last.policyVersion, parentVersion: last.parentVersion, step: last.step, sha256: last.sha256, final: last.final, ...(ended?.stop ? { stop: ended.stop } : {}) });
        await store.updateRun(runId, { policyVersion: last.policyVersion, stepsDone: last.step });
        log.warn({ version: last.policyVersion, final: last.final }, "announced a checkpoint stored before a crash");
      }
      const checkpoint = async (final: boolean): Promise<void> => {
        const step = run.steps;
        const version = `${runId}@${step}`;
        if (version === parent) {
          // Already stored (a crash right after the checkpoint): only the final mark is missing.
          if (final) await store.markFinal(version);
          return;
        }
        const model: PolicyModelJson = { kind: "policy", config: ref.config, vocab: ref.codec.vocab.toJSON(), referenceId: ref.id };
        const blob = packCheckpoint({ model: policyModelJson(model), state: run.state() });
        const stop = final && run.stopped ? { reason: run.stopped.reason ?? "", detail: run.stopped.detail } : undefined;
        await store.saveCheckpoint({
          policyVersion: version, runId, parentVersion: parent === version ? "" : parent, step, referenceId: ref.id, rewardModelId: row.rewardModelId,
          datasetId: row.datasetId, config: row.config, beta: run.beta, checkpoint: blob.bytes, sha256: blob.sha256, final,
          ...(stop ? { stopReason: stop.reason, stopDetail: stop.detail } : {}),
        });
        await announce({ version, parentVersion: parent === version ? "" : parent, step, sha256: blob.sha256, final, ...(stop ? { stop } : {}) });
        parent = version;
        await store.updateRun(runId, { policyVersion: version, stepsDone: step });
        this.d.metrics.checkpoints.inc();
      };
      try {
        while (!ended && run.steps < cfg.steps && !run.stopped) {
          if (signal?.aborted) return "aborted";
          const s = await run.step();
          await this.recordStep(runId, s);
          const last = run.steps >= cfg.steps || run.stopped !== undefined;
          if (!last && s.step % this.d.options.checkpointEvery === 0) await checkpoint(false);
        }
        if (!ended) await checkpoint(true);
        const stopped = ended ? ended.stop : run.stopped;
        if (stopped) {
          await store.updateRun(runId, { status: "stopped", stopReason: stopped.reason ?? "", stopDetail: stopped.detail });
          this.d.metrics.guardrailStops.inc({ reason: stopped.reason ?? "unknown" });
          log.warn({ reason: stopped.reason, detail: stopped.detail }, "run stopped by a guardrail");
          return "stopped";
        }
        await store.updateRun(runId, { status: "completed" });
        log.info({ steps: run.steps }, "run completed");
        return "completed";
      } finally {
        await run.release();
      }
    } catch (err) {
      log.error({ err }, "run failed");
      await store.updateRun(runId, { status: "failed", error: err instanceof Error ? err.message : String(err) });
      return "failed";
    } finally {
      this.d.metrics.runsActive.dec();
    }
  }

  private async recordStep(runId: string, s: StepStats): Promise<void> {
    await this.d.store.saveStats(runId, s);
    const m = this.d.metrics;
    m.steps.inc();
    m.stepSeconds.observe(s.seconds);
    m.reward.set(s.reward);
    m.kl.set(s.kl);
    m.beta.set(s.beta);
    m.entropy.set(s.entropy);
    m.length.set(s.length);
    m.rates.set({ kind: "refusal" }, s.refusalRate);
    m.rates.set({ kind: "hedge" }, s.hedgeRate);
    m.rates.set({ kind: "disclaimer" }, s.disclaimerRate);
    if (s.gold !== undefined) m.gold.set(s.gold);
    m.tokens.inc(s.tokens);
  }

  private async reference(id: string, datasetId: string, rows: readonly { prompt: string; answer: string }[], seed: number, log: Logger) {
    const stored = await this.d.store.reference(id);
    if (stored) {
      const ck = unpackCheckpoint(stored.checkpoint);
      const model = ck.model as unknown as PolicyModelJson;
      return { id, config: model.config, codec: new AnswerCodec(WordVocab.fromJSON(model.vocab)), params: ck.state.params };
    }
    log.info({ referenceId: id, answers: rows.length }, "fitting the reference on logged answers");
    const fit = await fitReference(rows, { ...this.d.options.referenceFit, seed });
    const model: PolicyModelJson = { kind: "policy", config: fit.config, vocab: fit.codec.vocab.toJSON(), referenceId: id };
    const blob = packCheckpoint({ model: policyModelJson(model), state: { params: fit.params, ...freshOptimizerState(fit.params) } });
    await this.d.store.saveReference({ referenceId: id, datasetId, model, checkpoint: blob.bytes, heldOutPerplexity: fit.heldOutPerplexity });
    this.d.metrics.referencePerplexity.set(fit.heldOutPerplexity);
    log.info({ referenceId: id, perplexity: fit.heldOutPerplexity, seconds: fit.seconds }, "reference fitted");
    return { id, config: fit.config, codec: fit.codec, params: fit.params };
  }
}
