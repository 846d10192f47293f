// Child processes for cluster mode: the local broker and database, and one process per service.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../../../../", import.meta.url));

/** Starts Kafka and Postgres (infra/stack.sh) unless running or given; returns whether this call started them. */
export function ensureInfra(say: (line: string) => void): boolean {
  if (process.env["KAFKA_BROKERS"] && process.env["DATABASE_URL"]) return false;
  const stack = `${repoRoot}infra/stack.sh`;
  try {
    execFileSync("bash", [stack, "status"], { stdio: "ignore" });
    return false;
  } catch {
    say("starting Kafka and Postgres (infra/stack.sh up)");
    execFileSync("bash", [stack, "up"], { stdio: ["ignore", "ignore", "inherit"] });
    return true;
  }
}

export function stopInfra(): void {
  execFileSync("bash", [`${repoRoot}infra/stack.sh`, "down"], { stdio: "ignore" });
}

/** KAFKA_BROKERS and DATABASE_URL from the environment, else as infra/stack.sh wrote them. */
export function infraEnv(): Record<string, string> {
  const given = { KAFKA_BROKERS: process.env["KAFKA_BROKERS"], DATABASE_URL: process.env["DATABASE_URL"] };
  if (given.KAFKA_BROKERS && given.DATABASE_URL) return { KAFKA_BROKERS: given.KAFKA_BROKERS, DATABASE_URL: given.DATABASE_URL };
  const env: Record<string, string> = {};
  for (const line of readFileSync(`${repoRoot}.run/stack.env`, "utf8").split("\n")) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}

export function startService(name: string, entry: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", `${repoRoot}${entry}`], { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "inherit"] });
}

export async function waitReady(name: string, url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} not ready at ${url} within ${timeoutMs} ms`);
}

/** SIGTERM, then SIGKILL after a grace period; resolves once the process is gone. */
export async function stopChild(child: ChildProcess, graceMs = 20_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}
