// Serving the compact reward model: features computed by the same code as in training, scores from
// the self-contained inference graph.
import { readFile } from "node:fs/promises";
import type { Params } from "../params.js";
import { readModelMetadata } from "../../onnx/metadata.js";
import { createSession, floatData, type Session } from "../../runtime/session.js";
import { buildRewardInference, REWARD_INPUTS, scoreFeeds, type RewardModelConfig } from "./reward-model.js";

export class RewardScorer {
  private constructor(
    private readonly session: Session,
    readonly config: RewardModelConfig,
  ) {}

  /** Loads an inference .onnx written by buildRewardInference (its config travels in its metadata). */
  static async load(model: Uint8Array | string, opts: { threads?: number } = {}): Promise<RewardScorer> {
    const bytes = typeof model === "string" ? new Uint8Array(await readFile(model)) : model;
    const meta = readModelMetadata(bytes);
    if (meta["rlhf.kind"] !== "reward-scorer" || !meta["rlhf.config"]) {
      throw new Error("not a compact reward scorer model (metadata rlhf.kind / rlhf.config missing)");
    }
    const cfg = JSON.parse(meta["rlhf.config"]) as RewardModelConfig;
    return new RewardScorer(await createSession(bytes, opts), cfg);
  }

  static async fromParams(cfg: RewardModelConfig, params: Params, opts: { threads?: number } = {}): Promise<RewardScorer> {
    return new RewardScorer(await createSession(buildRewardInference(cfg, params).bytes, opts), cfg);
  }

  /** One score per (prompt, answer), computed in batches. */
  async score(rows: readonly { prompt: string; answer: string }[], opts: { batchSize?: number } = {}): Promise<number[]> {
    const size = Math.max(1, opts.batchSize ?? 256);
    const out: number[] = [];
    for (let i = 0; i < rows.length; i += size) {
      const res = await this.session.run(scoreFeeds(this.config, rows.slice(i, i + size)));
      out.push(...floatData(res[REWARD_INPUTS.score], REWARD_INPUTS.score));
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
