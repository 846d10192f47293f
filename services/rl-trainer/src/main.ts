import { runServiceProcess } from "@rlhf-loop/kit";
import { createWorld, defaultWorldConfig } from "@rlhf-loop/sim";
import { loadRlTrainerConfig } from "./config.js";
import { grpcReward } from "./reward-client.js";
import { createRlTrainerService, defaultRlTrainerOptions } from "./service.js";
import { simJudge } from "./sim/sim-product.js";

// Process entry (cluster mode): config from the environment, Kafka bus, rewards from the reward
// service over gRPC, stop on SIGTERM/SIGINT.
void runServiceProcess({
  service: "rl-trainer",
  loadConfig: loadRlTrainerConfig,
  build: ({ config, ...deps }) => {
    const reward = grpcReward(config.rewardAddress, { key: config.rewardKey });
    const service = createRlTrainerService({
      ...deps,
      rewardFor: reward.rewardFor,
      // Gold reads only the product's policy numbers, so any seed of the default world judges alike.
      ...(config.judge === "sim" ? { judge: simJudge(createWorld(defaultWorldConfig(), 0)) } : {}),
      options: {
        dbSchema: config.dbSchema,
        migrate: config.migrate,
        topics: config.topics,
        groupPrefix: config.groupPrefix,
        httpPort: config.port,
        grpcPort: config.grpcPort,
        host: config.host,
        consumeRuns: config.consumeRuns,
        executor: { ...defaultRlTrainerOptions.executor, checkpointEvery: config.checkpointEvery, threads: config.threads },
      },
    });
    return {
      start: () => service.start(),
      registerShutdown: (lifecycle) => {
        service.registerShutdown(lifecycle);
        lifecycle.onShutdown("reward client", () => reward.close(), { phase: "pools" });
      },
    };
  },
});
