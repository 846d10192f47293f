// The flags of `rlhf run`, parsed into RunLoopOptions; a bad flag is a usage error (exit 2).
import type { ParseArgsConfig } from "node:util";
import { FORMAT_HELP } from "./columns.js";
import type { RlChoice } from "./plan.js";
import type { RunLoopOptions } from "./run-loop.js";

export const RUN_USAGE = `rlhf run --feedback FILE [--format csv|jsonl|auto] [--rl | --no-rl] [--rl-steps 20] [--out DIR] [--skip-bad] [--seed 7]

Runs the loop on your own exported feedback in one process (embedded Postgres, in-process bus):
ingestion, labeling pairs and a snapshot, the reward model with its diagnostics, RL and the canary
when the data allows, and the weekly production watch. Each step says what it did, or why it cannot
run on this data. Progress on stderr, a summary on stdout. Exit 0: every possible step passed;
1: a step failed; 2: bad usage or bad rows (nothing is sent unless --skip-bad).

  --rl          run RL even with fewer than 500 logged answers (at least 20); fail if it cannot run
  --no-rl       never run RL (and so no canary)
  --out DIR     write summary.json, summary.md and the snapshot as dataset.{trl,openai-dpo,hh}.jsonl
  --skip-bad    send the good rows and list the bad ones, instead of sending nothing

${FORMAT_HELP}`;

export const RUN_OPTIONS: NonNullable<ParseArgsConfig["options"]> = {
  feedback: { type: "string" },
  format: { type: "string" },
  rl: { type: "boolean" },
  "no-rl": { type: "boolean" },
  "rl-steps": { type: "string" },
  out: { type: "string" },
  "skip-bad": { type: "boolean" },
  seed: { type: "string" },
};

/** Thrown for a bad flag; the CLI prints it with the usage and exits 2. */
export class RunUsageError extends Error {
  override readonly name = "RunUsageError";
}

function int(values: Record<string, unknown>, name: string, fallback: number, min: number, max: number): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = typeof v === "string" && /^\d+$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new RunUsageError(`--${name} must be an integer in ${min}..${max}, got "${String(v)}"`);
  return n;
}

export function parseRunArgs(values: Record<string, unknown>): RunLoopOptions {
  const feedback = values["feedback"];
  if (typeof feedback !== "string" || feedback === "") throw new RunUsageError("--feedback FILE is required (a CSV or JSONL export of your feedback)");
  const format = values["format"] ?? "auto";
  if (format !== "csv" && format !== "jsonl" && format !== "auto") throw new RunUsageError(`--format must be csv, jsonl or auto, got "${String(format)}"`);
  if (values["rl"] === true && values["no-rl"] === true) throw new RunUsageError("--rl and --no-rl contradict each other");
  const rl: RlChoice = values["rl"] === true ? "on" : values["no-rl"] === true ? "off" : "auto";
  const out = values["out"];
  if (out !== undefined && (typeof out !== "string" || out === "")) throw new RunUsageError("--out needs a folder");
  return {
    feedback,
    format,
    rl,
    rlSteps: int(values, "rl-steps", 20, 1, 1000),
    ...(typeof out === "string" ? { out } : {}),
    skipBad: values["skip-bad"] === true,
    seed: int(values, "seed", 7, 0, 2 ** 31 - 1),
  };
}
