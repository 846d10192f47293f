// gRPC Policy service: Generate and GenerateBatch (the reply names the policy version: asked for,
// the tenant's promoted one, or the newest final), StartRun, GetRun.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { AppError, type ServiceImpl } from "@rlhf-loop/kit";
import { Prng, WordVocab } from "@rlhf-loop/ml";
import { RlRunConfigSchema, RlRunSchema, RlRunStatus, RlStepStatsSchema, type Policy, type RlRun as RlRunMsg } from "@rlhf-loop/proto";
import { AnswerCodec } from "../domain/codec.js";
import { planBatch, policyChoice, resolveCheckpoint, samplingViolations } from "../domain/serving.js";
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

  /** The policy a request resolves to (see domain/serving.ts) and its sampling runtime. */
  async get(req: { readonly policyVersion: string; readonly tenantId: string }): Promise<{ version: string; rt: PolicyRuntime }> {
    const row = await resolveCheckpoint(this.store, policyChoice(req));
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

/** Rows sampled per ml `generate` call: large enough to batch, bounded in memory. */
const BATCH_CHUNK = 512;

export interface GenerationDeps {
  readonly cache: Pick<PolicyCache, "get">;
  readonly metrics: Pick<RlMetrics, "generateSeconds" | "generateBatchSeconds" | "generateAnswers">;
  /** max_tokens when a request leaves it 0. */
  readonly maxTokens: number;
}

/** Generate and GenerateBatch: sampling from the resolved policy, deterministic for a seed. */
export function generationImpl(deps: GenerationDeps): Pick<ServiceImpl<typeof Policy>, "generate" | "generateBatch"> {
  return {
    async generate(req) {
      const t0 = performance.now();
      const bad = samplingViolations(req);
      if (!req.prompt.trim()) bad.unshift({ path: "prompt", reason: "must not be empty" });
      if (bad.length > 0) throw AppError.invalid(bad);
      const { version, rt } = await deps.cache.get(req);
      const [s] = await rt.sample([req.prompt], {
        rng: new Prng(req.seed),
        maxTokens: req.maxTokens || deps.maxTokens,
        minTokens: req.minTokens,
        ...(req.temperature > 0 ? { temperature: req.temperature } : {}),
      });
      deps.metrics.generateSeconds.observe((performance.now() - t0) / 1000);
      deps.metrics.generateAnswers.inc({ method: "generate" });
      return { policyVersion: version, answer: s!.text, tokens: s!.tokens.length, logProb: s!.logp.reduce((a, b) => a + b, 0) };
    },
    async generateBatch(req, ctx) {
      const t0 = performance.now();
      const plan = planBatch(req);
      const { version, rt } = await deps.cache.get(req);
      // One generator for the whole call, rows in a fixed order and fixed chunks: the answers
      // depend only on (policy, prompts, samples, seed). A one-row batch equals Generate's answer.
      const rng = new Prng(req.seed);
      const opts = { rng, maxTokens: req.maxTokens || deps.maxTokens, minTokens: req.minTokens, ...(req.temperature > 0 ? { temperature: req.temperature } : {}) };
      const answers = [];
      for (let i = 0; i < plan.rows.length; i += BATCH_CHUNK) {
        if (ctx.signal.aborted) throw new AppError("unavailable", "GenerateBatch cancelled by the caller");
        const rows = plan.rows.slice(i, i + BATCH_CHUNK);
        const sampled = await rt.sample(rows.map((r) => r.prompt), opts);
        for (let j = 0; j < rows.length; j++) {
          const r = rows[j]!;
          const s = sampled[j]!;
          answers.push({ promptIndex: r.promptIndex, sampleIndex: r.sampleIndex, answer: s.text, tokens: s.tokens.length, logProb: s.logp.reduce((a, b) => a + b, 0) });
        }
      }
      deps.metrics.generateBatchSeconds.observe((performance.now() - t0) / 1000);
      deps.metrics.generateAnswers.inc({ method: "generate_batch" }, answers.length);
      return { policyVersion: version, answers };
    },
  };
}

export function policyGrpcImpl(deps: GenerationDeps & { store: RlStore; requests: RunRequests }): ServiceImpl<typeof Policy> {
  return {
    ...generationImpl(deps),
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
