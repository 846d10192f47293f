// `rlhf rl run --reward-model ID --beta 0.05 --steps N`: StartRun on the Policy service, then (unless
// --no-wait) polls GetRun and prints each new step until the run ends.
import { parseArgs } from "node:util";
import { randomBytes } from "node:crypto";
import { createGrpcClient } from "@rlhf-loop/kit";
import { Policy, RlRunStatus, type RlRun } from "@rlhf-loop/proto";

export const RL_RUN_USAGE = `usage: rlhf rl run --reward-model ID [--beta 0.05] [--steps 50] [--algorithm rloo|ppo] [--target-kl NATS]
                   [--kl-estimator k1|k2|k3] [--kl-budget NATS] [--samples-per-prompt 4] [--prompts-per-step 64]
                   [--lr 0.002] [--seed 1] [--tenant default] [--run-id ID] [--reference ID] [--dataset ID]
                   [--target 127.0.0.1:9094] [--key KEY] [--no-wait] [--json]
  --key (or POLICY_KEY): an operator key of the tenant (rlhf policy keys create --tenant T --role operator)`;

export class RlUsageError extends Error {
  override readonly name = "RlUsageError";
}

export interface RlRunArgs {
  rewardModel: string;
  beta: number;
  steps: number;
  algorithm: string;
  targetKl: number;
  klEstimator: string;
  klBudget: number;
  samplesPerPrompt: number;
  promptsPerStep: number;
  lr: number;
  seed: number;
  tenant: string;
  runId: string;
  reference: string;
  dataset: string;
  target: string;
  /** Policy service key (operator of the tenant); POLICY_KEY when not given. */
  key: string;
  wait: boolean;
  json: boolean;
}

function num(flag: string, v: string | undefined, def: number, ok: (x: number) => boolean): number {
  if (v === undefined) return def;
  const x = Number(v);
  if (v.trim() === "" || !Number.isFinite(x) || !ok(x)) throw new RlUsageError(`--${flag}: bad value ${JSON.stringify(v)}`);
  return x;
}

export function parseRlRunArgs(argv: readonly string[]): RlRunArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    const options: Record<string, { type: "string" | "boolean" }> = { "no-wait": { type: "boolean" }, json: { type: "boolean" } };
    for (const k of ["reward-model", "beta", "steps", "algorithm", "target-kl", "kl-estimator", "kl-budget", "samples-per-prompt", "prompts-per-step", "lr", "seed", "tenant", "run-id", "reference", "dataset", "target", "key"]) {
      options[k] = { type: "string" };
    }
    values = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options }).values as Record<string, string | boolean | undefined>;
  } catch (err) {
    throw new RlUsageError(err instanceof Error ? err.message : String(err));
  }
  const s = (k: string): string | undefined => values[k] as string | undefined;
  const rewardModel = s("reward-model");
  if (!rewardModel) throw new RlUsageError("--reward-model is required");
  const algorithm = s("algorithm") ?? "rloo";
  if (algorithm !== "rloo" && algorithm !== "ppo") throw new RlUsageError(`--algorithm must be rloo or ppo`);
  const klEstimator = s("kl-estimator") ?? "k1";
  if (!["k1", "k2", "k3"].includes(klEstimator)) throw new RlUsageError(`--kl-estimator must be k1, k2 or k3`);
  return {
    rewardModel,
    beta: num("beta", s("beta"), 0.05, (x) => x > 0 && x <= 100),
    steps: num("steps", s("steps"), 50, (x) => Number.isInteger(x) && x >= 1),
    algorithm,
    targetKl: num("target-kl", s("target-kl"), 0, (x) => x >= 0),
    klEstimator,
    klBudget: num("kl-budget", s("kl-budget"), 0, (x) => x >= 0),
    samplesPerPrompt: num("samples-per-prompt", s("samples-per-prompt"), 4, (x) => Number.isInteger(x) && x >= 2),
    promptsPerStep: num("prompts-per-step", s("prompts-per-step"), 64, (x) => Number.isInteger(x) && x >= 1),
    lr: num("lr", s("lr"), 0.002, (x) => x > 0 && x < 1),
    seed: num("seed", s("seed"), 1, (x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32),
    tenant: s("tenant") ?? "default",
    runId: s("run-id") ?? `rl-${randomBytes(6).toString("hex")}`,
    reference: s("reference") ?? "",
    dataset: s("dataset") ?? "",
    target: s("target") ?? "127.0.0.1:9094",
    key: s("key") ?? process.env["POLICY_KEY"] ?? "",
    wait: values["no-wait"] !== true,
    json: values["json"] === true,
  };
}

export interface RlCommandIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  pollMs?: number;
}

const DONE = new Set([RlRunStatus.COMPLETED, RlRunStatus.STOPPED, RlRunStatus.FAILED]);

/** Exit codes: 0 completed (or accepted with --no-wait), 1 stopped by a guardrail or failed, 2 bad flags. */
export async function runRlRun(argv: readonly string[], io: RlCommandIo = { stdout: process.stdout, stderr: process.stderr }): Promise<{ exitCode: number; run?: RlRun }> {
  let a: RlRunArgs;
  try {
    a = parseRlRunArgs(argv);
  } catch (err) {
    if (err instanceof RlUsageError) {
      io.stderr.write(`error: ${err.message}\n${RL_RUN_USAGE}\n`);
      return { exitCode: 2 };
    }
    throw err;
  }
  const client = createGrpcClient(Policy, a.target);
  const metadata: Record<string, string> = a.key ? { authorization: `Bearer ${a.key}` } : {};
  const call = { metadata };
  try {
    const started = await client.startRun({
      run: {
        runId: a.runId, tenantId: a.tenant, rewardModelId: a.rewardModel, referenceId: a.reference, datasetId: a.dataset,
        config: { algorithm: a.algorithm, steps: a.steps, beta: a.beta, targetKl: a.targetKl, klEstimator: a.klEstimator, klBudget: a.klBudget, samplesPerPrompt: a.samplesPerPrompt, promptsPerStep: a.promptsPerStep, learningRate: a.lr, seed: a.seed },
      },
    }, call);
    io.stderr.write(`run ${a.runId} accepted (${RlRunStatus[started.run?.status ?? 0]})\n`);
    if (!a.wait) return { exitCode: 0, ...(started.run ? { run: started.run } : {}) };
    let seen = 0;
    for (;;) {
      const { run } = await client.getRun({ runId: a.runId }, call);
      if (!run) throw new Error("GetRun returned no run");
      for (const s of run.recentSteps.filter((x) => x.step > seen)) {
        io.stderr.write(`step ${s.step}: reward ${s.reward.toFixed(3)} KL ${s.kl.toFixed(3)} beta ${s.beta.toFixed(4)} entropy ${s.entropy.toFixed(3)} length ${s.length.toFixed(1)}${s.hasGold ? ` gold ${s.gold.toFixed(3)}` : ""}\n`);
        seen = s.step;
      }
      if (DONE.has(run.status)) {
        const line = { runId: run.runId, status: RlRunStatus[run.status], steps: run.stepsDone, policyVersion: run.policyVersion, stopReason: run.stopReason, stopDetail: run.stopDetail };
        io.stdout.write(a.json ? `${JSON.stringify(line)}\n` : `run ${run.runId} ${line.status} after ${run.stepsDone} steps; policy ${run.policyVersion}${run.stopReason ? ` (${run.stopReason}: ${run.stopDetail})` : ""}\n`);
        return { exitCode: run.status === RlRunStatus.COMPLETED ? 0 : 1, run };
      }
      await new Promise((r) => setTimeout(r, io.pollMs ?? 1000));
    }
  } catch (err) {
    io.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return { exitCode: 1 };
  } finally {
    client.close();
  }
}
