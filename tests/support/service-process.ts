// A service's process entry (services/<svc>/src/main.ts) started by a test, as a Deployment runs
// it: its output collected, readiness polled (bounded), stopped by process id.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface StartedService {
  readonly child: ChildProcess;
  /** Resolves with the exit code once the process ended. */
  readonly exited: Promise<number | null>;
  output(): string;
  /** Polls GET /readyz on the port until 200 (at most `tries` × 500 ms, or until the process exits). */
  waitReady(httpPort: number, tries?: number): Promise<boolean>;
  /** SIGKILL if it still runs (for `finally`). */
  kill(): void;
}

export function startServiceProcess(svc: string, env: Record<string, string>): StartedService {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: path.join(ROOT, "services", svc),
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 120_000,
  });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => output,
    async waitReady(httpPort, tries = 120) {
      for (let i = 0; i < tries && child.exitCode === null; i++) {
        if (await fetch(`http://127.0.0.1:${httpPort}/readyz`).then((r) => r.ok, () => false)) return true;
        await new Promise((r) => setTimeout(r, 500));
      }
      return false;
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}
