import { runServiceProcess } from "@rlhf-loop/kit";
import { defaultWorldConfig } from "@rlhf-loop/sim";
import { loadCanaryConfig } from "./config.js";
import { keywordJudge } from "./domain/judge.js";
import { simJudge } from "./domain/sim-judge.js";
import { grpcAnswers, grpcScores } from "./run/grpc-ports.js";
import { createCanaryService } from "./service.js";

// Process entry (cluster mode): config from the environment, Kafka bus, answers from the RL trainer
// and scores from the reward service over gRPC, stop on SIGTERM/SIGINT.
void runServiceProcess({
  service: "canary",
  loadConfig: loadCanaryConfig,
  build: ({ config, ...deps }) => {
    const answers = grpcAnswers(config.policyAddress, { key: config.policyKey });
    const scores = grpcScores(config.rewardAddress, { key: config.rewardKey });
    const service = createCanaryService({
      ...deps,
      answers,
      scores,
      judge: config.judge === "sim" ? simJudge(defaultWorldConfig()) : keywordJudge,
      options: {
        dbSchema: config.dbSchema,
        migrate: config.migrate,
        topics: config.topics,
        groupPrefix: config.groupPrefix,
        httpPort: config.port,
        grpcPort: config.grpcPort,
        host: config.host,
        autoRun: config.autoRun,
        samplesPerTask: config.samplesPerTask,
        seed: config.seed,
        gate: config.gateConfig,
        rewardModelOverride: config.rewardModel,
        bootstrapResamples: config.bootstrapResamples,
        template: config.template,
        runTimeoutMs: config.runTimeoutMs,
        trackIntervalMs: config.trackIntervalMs,
      },
    });
    return {
      start: () => service.start(),
      registerShutdown: (lifecycle) => {
        service.registerShutdown(lifecycle);
        lifecycle.onShutdown("policy and reward clients", () => {
          answers.close();
          scores.close();
        }, { phase: "pools" });
      },
    };
  },
});
