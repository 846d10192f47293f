// The canary's answers and scores over gRPC: the RL trainer's Policy.GenerateBatch and the reward
// service's Reward.ScoreBatch, in chunks so no call carries too much.
import { createGrpcClient, rewardScoresClient, type RewardScores } from "@rlhf-loop/kit";
import { Policy } from "@rlhf-loop/proto";

export interface AnswerSource {
  generate(policyVersion: string, prompts: readonly string[], samples: number, seed: number): Promise<string[][]>;
  close(): void;
}

/** Reward-model scores for many rows (kit's chunked ScoreBatch client in production). */
export type ScoreSource = RewardScores;

/** GenerateBatch over `address`, sending `key` (a policy key, role service) as `authorization: Bearer`. */
export function grpcAnswers(address: string, opts: { promptsPerCall?: number; timeoutMs?: number; maxTokens?: number; key?: string } = {}): AnswerSource {
  const client = createGrpcClient(Policy, address, { "grpc.max_receive_message_length": 64 * 1024 * 1024 });
  const chunk = opts.promptsPerCall ?? 128;
  const metadata: Record<string, string> = opts.key ? { authorization: `Bearer ${opts.key}` } : {};
  return {
    async generate(policyVersion, prompts, samples, seed) {
      const out: string[][] = [];
      for (let i = 0; i < prompts.length; i += chunk) {
        const part = prompts.slice(i, i + chunk);
        // A seed per chunk keeps answers reproducible whatever the chunk size of the caller.
        const res = await client.generateBatch(
          { policyVersion, prompts: part, samplesPerPrompt: samples, seed: (seed + i) >>> 0, maxTokens: opts.maxTokens ?? 0 },
          { timeoutMs: opts.timeoutMs ?? 120_000, metadata },
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

/** The reward service's ScoreBatch, chunked (kit's client), with a reward key (role service). */
export function grpcScores(address: string, opts: { batch?: number; timeoutMs?: number; key?: string } = {}): ScoreSource {
  return rewardScoresClient(address, opts);
}
