// The services' own config loaders and the variables they read, so the k8s and compose tests
// check an environment against the code that will parse it, not against a copy of its rules.
import { readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { loadIngestionConfig } from "@rlhf-loop/ingestion";
import { loadLabelingConfig } from "@rlhf-loop/labeling";
import { loadRewardConfig } from "@rlhf-loop/reward";
import { loadRlTrainerConfig } from "@rlhf-loop/rl-trainer";
import { loadCanaryConfig } from "@rlhf-loop/canary";
import { serviceProcessFields } from "@rlhf-loop/kit";
import { repoRoot } from "./kustomize.js";
import type { ServiceName } from "./objects.js";

type Env = Record<string, string | undefined>;

/** Where a loaded config says the process listens and whom it calls (host:port). */
export interface Bindings {
  httpHost: string;
  httpPort: number;
  grpcHost: string;
  grpcPort: number;
  calls: Record<string, string>;
  /** LABELING_CONSUMER_GROUP-like group name, or the prefix of the service's group names. */
  group: string;
}

/** Runs the service's loader on `env` (throws its ConfigError naming every bad variable). */
export function loadService(svc: ServiceName, env: Env): Bindings {
  switch (svc) {
    case "ingestion": {
      const c = loadIngestionConfig(env);
      return { httpHost: c.httpHost, httpPort: c.httpPort, grpcHost: c.grpcHost, grpcPort: c.grpcPort, calls: {}, group: c.consumerGroup };
    }
    case "labeling": {
      const c = loadLabelingConfig(env);
      return { httpHost: c.httpHost, httpPort: c.httpPort, grpcHost: c.grpcHost, grpcPort: c.grpcPort, calls: {}, group: c.consumerGroup };
    }
    case "reward": {
      const c = loadRewardConfig(env);
      return { httpHost: c.httpHost, httpPort: c.httpPort, grpcHost: c.grpcHost, grpcPort: c.grpcPort, calls: { REWARD_LABELING_ADDRESS: c.labelingAddress }, group: c.consumerGroup };
    }
    case "rl-trainer": {
      const c = loadRlTrainerConfig(env);
      return { httpHost: c.host, httpPort: c.port, grpcHost: c.host, grpcPort: c.grpcPort, calls: { REWARD_GRPC_ADDRESS: c.rewardAddress }, group: c.groupPrefix };
    }
    case "canary": {
      const c = loadCanaryConfig(env);
      return { httpHost: c.host, httpPort: c.port, grpcHost: c.host, grpcPort: c.grpcPort, calls: { POLICY_GRPC_ADDRESS: c.policyAddress, REWARD_GRPC_ADDRESS: c.rewardAddress }, group: c.groupPrefix };
    }
  }
}

/** The service a `host:port` address is meant to reach, by the variable naming it. */
export const CALLEE: Record<string, ServiceName> = { REWARD_LABELING_ADDRESS: "labeling", REWARD_GRPC_ADDRESS: "reward", POLICY_GRPC_ADDRESS: "rl-trainer" };

const known = new Map<ServiceName, Set<string>>();

/** Every variable the service's process entries read: `env: "NAME"` in src/config.ts and src/job.ts. */
export function knownVariables(svc: ServiceName): Set<string> {
  let names = known.get(svc);
  if (!names) {
    names = new Set();
    for (const file of ["config.ts", "job.ts"]) {
      const p = path.join(repoRoot, "services", svc, "src", file);
      if (!existsSync(p)) continue;
      const text = readFileSync(p, "utf8");
      for (const m of text.matchAll(/\benv:\s*"([A-Z0-9_]+)"/g)) names.add(m[1]!);
      // Fields the services share from kit, by the name they are imported under.
      if (/\.\.\.serviceProcessFields\b/.test(text)) for (const f of Object.values(serviceProcessFields)) names.add(f.options.env!);
    }
    if (names.size === 0) throw new Error(`no variables found for ${svc}`);
    known.set(svc, names);
  }
  return names;
}
