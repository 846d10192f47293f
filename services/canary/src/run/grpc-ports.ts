// The canary's answers and scores over gRPC: the RL trainer's Policy.GenerateBatch and the reward
// service's Reward.ScoreBatch, in chunks so no call carries too much.
import { createGrpcClient } from "@rlhf-loop/kit";
import { Policy, Reward } from "@rlhf-loop/proto";

export interface AnswerSource {
  generate(policyVersion: string, prompts: readonly string[], samples: number, seed: number): Promise<string[][]>;
  close(): void;
}

export interface ScoreSource {
  score(rewardModelId: string, rows: readonly { prompt: string; answer: string }[]): Promise<number[]>;
  close(): void;
}

export function grpcAnswers(address: string, opts: { promptsPerCall?: number; timeoutMs?: number; maxTokens?: number } = {}): AnswerSource {
  const client = createGrpcClient(Policy, address, { "grpc.max_receive_message_length": 64 * 1024 * 1024 });
  const chunk = opts.promptsPerCall ?? 128;
  return {
    async generate(policyVersion, prompts, samples, seed) {
      const out: string[][] = [];
      for (let i = 0; i < prompts.length; i += chunk) {
        const part = prompts.slice(i, i + chunk);
        // A seed per chunk keeps answers reproducible whatever the chunk size of the caller.
        const res = await client.generateBatch(
          { policyVersion, prompts: part, samplesPerPrompt: samples, seed: (seed + i) >>> 0, maxTokens: opts.maxTokens ?? 0 },
          { timeoutMs: opts.timeoutMs ?? 120_000 },
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

export function grpcScores(address: string, opts: { batch?: number; timeoutMs?: number } = {}): ScoreSource {
  const client = createGrpcClient(Reward, address, { "grpc.max_receive_message_length": 64 * 1024 * 1024 });
  const batch = opts.batch ?? 512;
  return {
    async score(modelId, rows) {
      const out: number[] = [];
      for (let i = 0; i < rows.length; i += batch) {
        const part = rows.slice(i, i + batch);
        // The reward service refuses empty answers; an empty answer scores as a single space.
        const res = await client.scoreBatch({ modelId, items: part.map((r) => ({ prompt: r.prompt, answer: r.answer || " " })) }, { timeoutMs: opts.timeoutMs ?? 60_000 });
        if (res.scores.length !== part.length) throw new Error(`ScoreBatch returned ${res.scores.length} scores for ${part.length} rows`);
        out.push(...res.scores);
      }
      return out;
    },
    close: () => client.close(),
  };
}
