import { runServiceProcess } from "@rlhf-loop/kit";
import { loadIngestionConfig } from "./config.js";
import { createIngestionService } from "./service.js";
import { optionsFromConfig } from "./service-options.js";

// Process entry (cluster mode): config from the environment, Kafka bus, stop on SIGTERM/SIGINT.
void runServiceProcess({
  service: "ingestion",
  loadConfig: loadIngestionConfig,
  build: ({ config, ...deps }) => createIngestionService({ ...deps, options: optionsFromConfig(config) }),
});
