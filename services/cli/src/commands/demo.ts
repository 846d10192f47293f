import { DEFAULT_DEMO, runDemo } from "../demo/loop/run-demo.js";
import { optionalInt, UsageError, type Command } from "../command.js";

export const demo: Command = {
  path: ["demo"],
  summary: "run the whole loop on the simulated product: traffic, labeling, reward model, RL, canary, promotion, drift",
  usage: "rlhf demo [--mode embedded|cluster] [--seed 7] [--per-day 700] [--canary-tasks 200] [--rl-steps 20] [--out .run/demo/report.html]",
  options: {
    mode: { type: "string" },
    seed: { type: "string" },
    "per-day": { type: "string" },
    "canary-tasks": { type: "string" },
    "rl-steps": { type: "string" },
    rate: { type: "string" },
    out: { type: "string" },
  },
  async run(values) {
    const mode = values["mode"] ?? "embedded";
    if (mode !== "embedded" && mode !== "cluster") throw new UsageError(`--mode must be embedded or cluster, got "${String(mode)}"`);
    return runDemo({
      ...DEFAULT_DEMO,
      mode,
      seed: optionalInt(values, "seed", DEFAULT_DEMO.seed, 0),
      interactionsPerDay: optionalInt(values, "per-day", DEFAULT_DEMO.interactionsPerDay, 100),
      canaryTasks: optionalInt(values, "canary-tasks", DEFAULT_DEMO.canaryTasks, 20),
      rlSteps: optionalInt(values, "rl-steps", DEFAULT_DEMO.rlSteps, 1),
      ratePerSec: optionalInt(values, "rate", DEFAULT_DEMO.ratePerSec, 1),
      out: typeof values["out"] === "string" ? values["out"] : ".run/demo/report.html",
    });
  },
};
