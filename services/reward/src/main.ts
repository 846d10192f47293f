import { runServiceProcess } from "@rlhf-loop/kit";
import { loadRewardConfig, optionsFromConfig } from "./config.js";
import { createRewardService } from "./service.js";

// Process entry (cluster mode): config from the environment, Kafka bus, stop on SIGTERM/SIGINT.
void runServiceProcess({
  service: "reward",
  loadConfig: loadRewardConfig,
  build: ({ config, ...deps }) => createRewardService({ ...deps, options: optionsFromConfig(config) }),
});
