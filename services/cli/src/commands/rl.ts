import { RL_RUN_USAGE, runRlRun } from "@rlhf-loop/rl-trainer";
import { delegatedCommand } from "../command.js";

// The RL trainer owns these flags (services/rl-trainer/src/cli/rl-run.ts).
export const rlRun = delegatedCommand(
  ["rl", "run"],
  "improve the policy against a reward model with KL-regularized RL (RLOO or PPO)",
  RL_RUN_USAGE,
  runRlRun,
);
