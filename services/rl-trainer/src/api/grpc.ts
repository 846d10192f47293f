// gRPC Policy service: Generate (the reply names the policy version), StartRun, GetRun.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { AppError, type ServiceImpl } from "@rlhf-loop/kit";
import { Prng, WordVocab } from "@rlhf-loop/ml";
import { RlRunConfigSchema, RlRunSchema, RlRunStatus, RlStepStatsSchema, type Policy, type RlRun as RlRunMsg } from "@rlhf-loop/proto";
import { AnswerCodec } from "../domain/codec.js";
import type { RlMetrics } from "../metrics.js";
import type { PolicyModelJson } from "../run/executor.js";
import type { RunRequests } from "../run/requests.js";
import { unpackCheckpoint } from "../store/blob.js";
import type { RlStore, RunRow } from "../store/store.js";
import { PolicyRuntime } from "../train/policy.js";

const STATUS: Record<RunRow["status"], RlRunStatus> = {
  queued: RlRunStatus.QUEUED,
  running: RlRunStatus.RUNNING,
  completed: RlRunStatus.COMPLETED,
  stopped: RlRunStatus.STOPPED,
  failed: RlRunStatus.FAILED,
};

export async function runMessage(store: RlStore, row: RunRow): Promise<RlRunMsg> {
  const stats = await store.stats(row.runId, 20);
  return create(RlRunSchema, {
    runId: row.runId,
    tenantId: row.tenantId,
    status: STATUS[row.status],
    rewardModelId: row.rewardModelId,
    referenceId: row.referenceId,
    datasetId: row.datasetId,
    config: create(RlRunConfigSchema, row.config as object),
    stepsDone: row.stepsDone,
    stopReason: row.stopReason,
    stopDetail: row.stopDetail,
    policyVersion: row.policyVersion,
    recentSteps: stats.map((s) =>
      create(RlStepStatsSchema, {
        step: s.step, beta: s.beta, reward: s.reward, kl: s.kl, entropy: s.entropy, length: s.length,
        refusalRate: s.refusalRate, hedgeRate: s.hedgeRate, disclaimerRate: s.disclaimerRate,
        hasGold: s.gold !== undefined, gold: s.gold ?? 0,
      }),
    ),
    updatedAt: timestampFromDate(row.updatedAt),
  });
}

/** Sampling runtimes per policy version, kept for reuse (a few versions at a time). */
export class PolicyCache {
  private readonly cache = new Map<string, Promise<PolicyRuntime>>();
  constructor(private readonly store: RlStore, private readonly max = 4, private readonly threads?: number) {}

  async get(version: string): Promise<{ version: string; rt: PolicyRuntime }> {
    const row = version ? await this.store.checkpoint(version) : await this.store.latestFinal();
    if (!row) throw new AppError(version ? "not_found" : "failed_precondition", version ? `policy version ${version} not found` : "no policy has been trained yet");
    let p = this.cache.get(row.policyVersion);
    if (!p) {
      const ck = unpackCheckpoint(row.checkpoint);
      const model = ck.model as unknown as PolicyModelJson;
      p = PolicyRuntime.create(model.config, new AnswerCodec(WordVocab.fromJSON(model.vocab)), ck.state.params, this.threads !== undefined ? { threads: this.threads } : {});
      this.cache.set(row.policyVersion, p);
      if (this.cache.size > this.max) {
        const [oldest, rt] = this.cache.entries().next().value!;
        this.cache.delete(oldest);
        void rt.then((r) => r.release());
      }
    }
    return { version: row.policyVersion, rt: await p };
  }

  async close(): Promise<void> {
    for (const p of this.cache.values()) await (await p).release();
    this.cache.clear();
  }
}

export function policyGrpcImpl(deps: { store: RlStore; cache: PolicyCache; requests: RunRequests; metrics: RlMetrics; maxTokens: number }): ServiceImpl<typeof Policy> {
  return {
    async generate(req) {
      const t0 = performance.now();
      if (!req.prompt.trim()) throw AppError.invalid([{ path: "prompt", reason: "must not be empty" }]);
      if (req.maxTokens < 0 || req.maxTokens > 1000) throw AppError.invalid([{ path: "max_tokens", reason: "must be in 0..1000" }]);
      if (req.temperature < 0 || req.temperature > 5) throw AppError.invalid([{ path: "temperature", reason: "must be in 0..5" }]);
      const { version, rt } = await deps.cache.get(req.policyVersion);
      const [s] = await rt.sample([req.prompt], {
        rng: new Prng(req.seed),
        maxTokens: req.maxTokens || deps.maxTokens,
        ...(req.temperature > 0 ? { temperature: req.temperature } : {}),
      });
      deps.metrics.generateSeconds.observe((performance.now() - t0) / 1000);
      return { policyVersion: version, answer: s!.text, tokens: s!.tokens.length, logProb: s!.logp.reduce((a, b) => a + b, 0) };
    },
    async startRun(req) {
      if (!req.run) throw AppError.invalid([{ path: "run", reason: "required" }]);
      const row = await deps.requests.accept(req.run);
      return { run: await runMessage(deps.store, row) };
    },
    async getRun(req) {
      if (!req.runId) throw AppError.invalid([{ path: "run_id", reason: "required" }]);
      const row = await deps.store.getRun(req.runId);
      if (!row) throw new AppError("not_found", `run ${req.runId} not found`);
      return { run: await runMessage(deps.store, row) };
    },
  };
}
