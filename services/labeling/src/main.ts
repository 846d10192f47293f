import { runServiceProcess } from "@rlhf-loop/kit";
import { loadLabelingConfig, optionsFromConfig } from "./config.js";
import { createLabelingService } from "./service.js";

// Process entry (cluster mode): config from the environment, Kafka bus, stop on SIGTERM/SIGINT.
void runServiceProcess({
  service: "labeling",
  loadConfig: loadLabelingConfig,
  build: ({ config, ...deps }) => createLabelingService({ ...deps, options: optionsFromConfig(config) }),
});
