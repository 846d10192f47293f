// The reward model as the service path sees it: the reward service's gRPC ScoreBatch (kit's chunked client).
import { rewardScoresClient } from "@rlhf-loop/kit";
import type { RewardFn } from "./train/rl.js";

/** RewardFn over ScoreBatch for one model id, in chunks of `batch` rows, sending `key` (a reward key, role service). */
export function grpcReward(address: string, opts: { batch?: number; timeoutMs?: number; key?: string } = {}): { rewardFor: (modelId: string) => Promise<RewardFn>; close: () => void } {
  const client = rewardScoresClient(address, opts);
  return {
    rewardFor: async (modelId) => async (rows) => client.score(modelId, rows),
    close: () => client.close(),
  };
}
