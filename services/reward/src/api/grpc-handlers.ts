// gRPC Reward: Score, ScoreBatch, Compare, GetModel. Errors are AppErrors; kit maps them to gRPC
// status codes (INVALID_ARGUMENT with field paths, NOT_FOUND, FAILED_PRECONDITION).
import { AppError, type ServiceImpl } from "@rlhf-loop/kit";
import type { Reward } from "@rlhf-loop/proto";
import { sigmoid } from "../domain/stats.js";
import type { RewardServing } from "../serve/reward-serving.js";
import type { RegistryStore } from "../store/registry-store.js";
import { toProtoModel } from "./wire.js";

/** `onRows` counts scored rows (the same series the HTTP API feeds, labelled grpc). */
export function grpcRewardImpl(serving: RewardServing, registry: RegistryStore, onRows: (n: number) => void = () => undefined): ServiceImpl<typeof Reward> {
  return {
    async score(req) {
      const r = await serving.score(req.modelId, [{ prompt: req.prompt, answer: req.answer }], (i) => (i < 0 ? "answer" : ""));
      onRows(1);
      return { modelId: r.modelId, score: r.scores[0]! };
    },
    async scoreBatch(req) {
      const r = await serving.score(req.modelId, req.items);
      onRows(req.items.length);
      return { modelId: r.modelId, scores: Array.from(r.scores) };
    },
    async compare(req) {
      const r = await serving.score(
        req.modelId,
        [
          { prompt: req.prompt, answer: req.answerA },
          { prompt: req.prompt, answer: req.answerB },
        ],
        (i) => (i < 0 ? "answer_a" : i === 0 ? "answer_a." : "answer_b."),
      );
      onRows(2);
      const [a, b] = [r.scores[0]!, r.scores[1]!];
      return { modelId: r.modelId, pABeatsB: sigmoid(a - b), scoreA: a, scoreB: b };
    },
    async getModel(req) {
      const id = req.modelId || serving.servingModelId;
      if (!id) throw new AppError("not_found", "no model_id given and no approved model is being served");
      const m = await registry.get(id);
      if (!m) throw new AppError("not_found", `unknown reward model ${id}`);
      return { model: toProtoModel(m) };
    },
  };
}
