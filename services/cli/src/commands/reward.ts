import { REWARD_SCORE_USAGE, REWARD_TRAIN_USAGE, runRewardScore, runRewardTrain } from "@rlhf-loop/reward";
import { delegatedCommand } from "../command.js";

// The reward service owns these flags (services/reward/src/cli/commands.ts).
export const rewardTrain = delegatedCommand(
  ["reward", "train"],
  "train a reward model on a dataset snapshot or a preference file, with its diagnostics",
  REWARD_TRAIN_USAGE,
  runRewardTrain,
);

export const rewardScore = delegatedCommand(
  ["reward", "score"],
  "score prompt/answer lines with any ONNX reward model and its tokenizer.json",
  REWARD_SCORE_USAGE,
  runRewardScore,
);
