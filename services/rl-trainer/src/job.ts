// One-shot job for Kubernetes GPU trainer pods: take ONE run request from rlhf.rl-runs.v1, execute
// it (sampling and scoring on CUDA where onnxruntime-node has it, the CPU otherwise), exit.
// Exit codes: 0 completed, 1 stopped by a guardrail or failed, 2 bad config, 3 no message in time.
import { ConfigError, createProcessDeps, decodeRecord, field, loadConfig } from "@rlhf-loop/kit";
import { RlRunRequestSchema } from "@rlhf-loop/proto";
import { loadRlTrainerConfig } from "./config.js";
import { grpcReward } from "./reward-client.js";
import { createRlTrainerService, defaultRlTrainerOptions } from "./service.js";
import { availableProviders } from "./train/providers.js";

async function job(): Promise<number> {
  let config;
  let jobCfg;
  try {
    config = loadRlTrainerConfig();
    jobCfg = loadConfig({
      waitSeconds: field.int({ env: "RL_JOB_WAIT_SECONDS", default: 300, min: 1, max: 86_400 }),
      preferCuda: field.bool({ env: "RL_PREFER_CUDA", default: true }),
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const { logger, metrics, pool, bus } = createProcessDeps("rl-trainer-job", config);
  logger.info({ providers: availableProviders(), preferCuda: jobCfg.preferCuda }, "rl-trainer job starting");
  const reward = grpcReward(config.rewardAddress, { key: config.rewardKey });
  const service = createRlTrainerService({
    bus, pool, logger, metrics, rewardFor: reward.rewardFor,
    options: {
      dbSchema: config.dbSchema, migrate: config.migrate, topics: config.topics, groupPrefix: config.groupPrefix, httpPort: config.port, grpcPort: config.grpcPort, host: config.host, consumeRuns: false,
      executor: { ...defaultRlTrainerOptions.executor, checkpointEvery: config.checkpointEvery, threads: config.threads, preferCuda: jobCfg.preferCuda },
    },
  });
  let status: string | undefined;
  let failure: unknown;
  try {
    await service.start();
    // One message per job: batches of one, and the subscription stops after the first, so its
    // offset commits and every other request stays for the next pod.
    let took: (() => void) | undefined;
    let received: (() => void) | undefined;
    const done = new Promise<void>((r) => (took = r));
    const arrived = new Promise<void>((r) => (received = r));
    const sub = await bus.subscribe({
      groupId: `${config.groupPrefix}.jobs`, topics: [config.topics.rlRuns], fromBeginning: true, maxBatchSize: 1, maxAttempts: 3,
      handleBatch: async (records) => {
        // After a failure the job only waits to stop: never let a retry commit the failed request.
        if (failure !== undefined) throw failure;
        if (status !== undefined || records.length === 0) return;
        received?.();
        try {
          const req = decodeRecord(records[0]!, RlRunRequestSchema);
          const row = await service.requests.accept(req);
          await service.requests.idle();
          status = (await service.store.getRun(row.runId))?.status ?? "failed";
        } catch (err) {
          failure = err;
          throw err;
        } finally {
          took?.();
        }
      },
    });
    // RL_JOB_WAIT_SECONDS bounds the wait for a request, not the run: a taken run goes to its end.
    const timer = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), jobCfg.waitSeconds * 1000).unref());
    if ((await Promise.race([arrived, timer])) !== "timeout") await done;
    await sub.stop();
  } finally {
    await service.stop();
    reward.close();
    await bus.close();
    await pool.end();
  }
  if (failure !== undefined) {
    logger.error({ err: failure }, "rl-trainer job failed on its request; the request stays for the next pod");
    return 1;
  }
  if (status === undefined) return 3;
  return status === "completed" ? 0 : 1;
}

job().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
