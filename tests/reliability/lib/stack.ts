/**
 * The reliability suite's own Kafka + Postgres: a separate run dir (RLHF_RUN_DIR) and ports, so
 * restarting them never touches the shared dev stack (127.0.0.1:19092 / 15432, .run/).
 * Started, restarted and stopped through infra/*.sh, which act on their pid files only.
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export interface IsolatedStackConfig {
  runDir: string;
  kafkaPort: number;
  kafkaControllerPort: number;
  pgPort: number;
}

export interface StackEndpoints {
  brokers: string;
  databaseUrl: string;
}

/** From RELIABILITY_* env (set by scripts/reliability.sh), else .run/reliability on 39092/39093/35432. */
export function isolatedStackConfig(env: NodeJS.ProcessEnv = process.env): IsolatedStackConfig {
  const cfg = {
    runDir: resolve(env["RELIABILITY_RUN_DIR"] ?? `${ROOT}.run/reliability`),
    kafkaPort: Number(env["RELIABILITY_KAFKA_PORT"] ?? 39092),
    kafkaControllerPort: Number(env["RELIABILITY_KAFKA_CONTROLLER_PORT"] ?? 39093),
    pgPort: Number(env["RELIABILITY_PG_PORT"] ?? 35432),
  };
  // Refuse the shared stack's dir and ports: this suite restarts what it points at.
  if (cfg.runDir === resolve(`${ROOT}.run`)) throw new Error("the reliability stack must not use the shared .run dir");
  if ([19092, 19093, 15432].some((p) => p === cfg.kafkaPort || p === cfg.kafkaControllerPort || p === cfg.pgPort)) {
    throw new Error("the reliability stack must not use the shared stack's ports");
  }
  return cfg;
}

export function endpointsOf(cfg: IsolatedStackConfig): StackEndpoints {
  return { brokers: `127.0.0.1:${cfg.kafkaPort}`, databaseUrl: `postgres://postgres:postgres@127.0.0.1:${cfg.pgPort}/rlhf` };
}

function run(script: string, args: string[], cfg: IsolatedStackConfig, timeoutMs = 180_000): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn("bash", [`${ROOT}${script}`, ...args], {
      cwd: ROOT,
      env: {
        ...process.env,
        RLHF_RUN_DIR: cfg.runDir,
        KAFKA_PORT: String(cfg.kafkaPort),
        KAFKA_CONTROLLER_PORT: String(cfg.kafkaControllerPort),
        PG_PORT: String(cfg.pgPort),
        // Smaller broker heap than the dev stack: the machine is shared.
        KAFKA_HEAP: process.env["KAFKA_HEAP"] ?? "-Xmx384m -Xms128m",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise();
      else reject(new Error(`${script} ${args.join(" ")} exited ${code}: ${out.slice(-2000)}`));
    });
  });
}

/** Control of the isolated stack; every call goes through the infra scripts and their pid files. */
export function isolatedStack(cfg: IsolatedStackConfig = isolatedStackConfig()) {
  return {
    cfg,
    endpoints: endpointsOf(cfg),
    up: () => run("infra/stack.sh", ["up"], cfg),
    down: () => run("infra/stack.sh", ["down"], cfg),
    stopKafka: () => run("infra/kafka/stop.sh", [], cfg),
    startKafka: () => run("infra/kafka/start.sh", [], cfg),
    stopPostgres: () => run("infra/postgres/stop.sh", [], cfg),
    startPostgres: () => run("infra/postgres/start.sh", [], cfg),
  };
}
export type IsolatedStack = ReturnType<typeof isolatedStack>;
