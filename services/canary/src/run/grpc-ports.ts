// The canary's answers and scores over gRPC: the RL trainer's Policy.GenerateBatch and the reward
// service's Reward.ScoreBatch, in chunks so no call carries too much; Reward.GetModel for the
// owner of a reward model a caller names.
import { AppError, OwnerCache, createGrpcClient, rewardScoresClient, type RewardScores } from "@rlhf-loop/kit";
import { Policy, Reward } from "@rlhf-loop/proto";

export interface AnswerSource {
  /** `signal` cancels the calls in flight (shutdown); sources that cannot cancel may ignore it. */
  generate(policyVersion: string, prompts: readonly string[], samples: number, seed: number, signal?: AbortSignal): Promise<string[][]>;
  close(): void;
}

/** Who owns a reward model: the reward service's registry, asked with the canary's every-tenant key. */
export interface RewardModelOwners {
  /** The model's tenant ("" = shared by every tenant, e.g. a brought model); undefined when unknown. */
  modelTenant(modelId: string): Promise<string | undefined>;
}

/**
 * Reward-model scores for many rows (kit's chunked ScoreBatch client in production) and the owner
 * of a model, so a run never scores with another tenant's model (required: the check fails closed).
 */
export type ScoreSource = RewardScores & RewardModelOwners;

/** GenerateBatch over `address`, sending `key` (a policy key, role service) as `authorization: Bearer`. */
export function grpcAnswers(address: string, opts: { promptsPerCall?: number; timeoutMs?: number; maxTokens?: number; key?: string } = {}): AnswerSource {
  const client = createGrpcClient(Policy, address, { "grpc.max_receive_message_length": 64 * 1024 * 1024 });
  const chunk = opts.promptsPerCall ?? 128;
  const metadata: Record<string, string> = opts.key ? { authorization: `Bearer ${opts.key}` } : {};
  return {
    async generate(policyVersion, prompts, samples, seed, signal) {
      const out: string[][] = [];
      for (let i = 0; i < prompts.length; i += chunk) {
        signal?.throwIfAborted();
        const part = prompts.slice(i, i + chunk);
        // A seed per chunk keeps answers reproducible whatever the chunk size of the caller.
        // min_tokens stays 0: a candidate that learned to stop at once must be seen doing so.
        const res = await client.generateBatch(
          { policyVersion, prompts: part, samplesPerPrompt: samples, seed: (seed + i) >>> 0, maxTokens: opts.maxTokens ?? 0 },
          { timeoutMs: opts.timeoutMs ?? 120_000, metadata, ...(signal ? { signal } : {}) },
        );
        const rows: string[][] = part.map(() => []);
        for (const a of res.answers) rows[a.promptIndex]?.push(a.answer);
        if (rows.some((r) => r.length !== samples)) throw new Error(`GenerateBatch returned ${res.answers.length} answers for ${part.length} prompts x ${samples}`);
        out.push(...rows);
      }
      return out;
    },
    close: () => client.close(),
  };
}

/**
 * The reward service's ScoreBatch, chunked (kit's client), and GetModel for a model's owner, with a
 * reward key (role service). A model's tenant never changes, so known owners are kept.
 */
export function grpcScores(address: string, opts: { batch?: number; timeoutMs?: number; key?: string } = {}): ScoreSource {
  const scores = rewardScoresClient(address, opts);
  const registry = createGrpcClient(Reward, address);
  const metadata: Record<string, string> = opts.key ? { authorization: `Bearer ${opts.key}` } : {};
  const owners = new OwnerCache(async (modelId) => {
    try {
      const res = await registry.getModel({ modelId }, { timeoutMs: opts.timeoutMs ?? 10_000, metadata });
      return res.model?.tenantId;
    } catch (err) {
      if (err instanceof AppError && err.code === "not_found") return undefined;
      // A refused key or an unreachable service says nothing about the model: retry later, cause logged.
      throw new AppError("unavailable", `the reward service could not confirm reward model ${modelId}`, { cause: err });
    }
  });
  return {
    score: (modelId, rows) => scores.score(modelId, rows),
    modelTenant: (modelId) => owners.get(modelId),
    close: () => {
      scores.close();
      registry.close();
    },
  };
}
