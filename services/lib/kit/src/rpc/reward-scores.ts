// The reward service's ScoreBatch as its callers (RL trainer, canary) use it: many rows, in chunks.
import { Reward } from "@rlhf-loop/proto";
import { createGrpcClient } from "./client.js";

export interface RewardScores {
  /** One score per row, in order. */
  score(rewardModelId: string, rows: readonly { prompt: string; answer: string }[]): Promise<number[]>;
  close(): void;
}

/**
 * ScoreBatch over `address` in chunks of `batch` rows (default 512), each call bounded by
 * `timeoutMs`, sending `key` (a reward service key, role service) as `authorization: Bearer`.
 */
export function rewardScoresClient(address: string, opts: { batch?: number; timeoutMs?: number; key?: string } = {}): RewardScores {
  const client = createGrpcClient(Reward, address, { "grpc.max_receive_message_length": 64 * 1024 * 1024 });
  const batch = opts.batch ?? 512;
  const metadata: Record<string, string> = opts.key ? { authorization: `Bearer ${opts.key}` } : {};
  return {
    async score(modelId, rows) {
      const out: number[] = [];
      for (let i = 0; i < rows.length; i += batch) {
        const part = rows.slice(i, i + batch);
        // The reward service refuses empty answers; an empty answer scores as a single space.
        const res = await client.scoreBatch({ modelId, items: part.map((r) => ({ prompt: r.prompt, answer: r.answer || " " })) }, { timeoutMs: opts.timeoutMs ?? 60_000, metadata });
        if (res.scores.length !== part.length) throw new Error(`ScoreBatch returned ${res.scores.length} scores for ${part.length} rows`);
        out.push(...res.scores);
      }
      return out;
    },
    close: () => client.close(),
  };
}
