// The reward model as the service path sees it: the reward service's gRPC ScoreBatch.
import { createGrpcClient } from "@rlhf-loop/kit";
import { Reward } from "@rlhf-loop/proto";
import type { RewardFn } from "./train/rl.js";

/** RewardFn over ScoreBatch for one model id, in chunks of `batch` rows. */
export function grpcReward(address: string, opts: { batch?: number; timeoutMs?: number } = {}): { rewardFor: (modelId: string) => Promise<RewardFn>; close: () => void } {
  const client = createGrpcClient(Reward, address);
  const batch = opts.batch ?? 512;
  return {
    rewardFor: async (modelId) => async (rows) => {
      const out: number[] = [];
      for (let i = 0; i < rows.length; i += batch) {
        const res = await client.scoreBatch({ modelId, items: rows.slice(i, i + batch).map((r) => ({ prompt: r.prompt, answer: r.answer || " " })) }, { timeoutMs: opts.timeoutMs ?? 60_000 });
        if (res.scores.length !== Math.min(batch, rows.length - i)) throw new Error(`ScoreBatch returned ${res.scores.length} scores for ${Math.min(batch, rows.length - i)} rows`);
        out.push(...res.scores);
      }
      return out;
    },
    close: () => client.close(),
  };
}
