import type { Logger } from "../log/logger.js";

/**
 * Shutdown phases, run in this order: mark unready, stop HTTP/gRPC intake (bounded grace),
 * stop consumers, flush producers and writers, close pools.
 */
export const ShutdownPhases = ["unready", "intake", "consumers", "flush", "pools"] as const;
export type ShutdownPhase = (typeof ShutdownPhases)[number];

export interface ShutdownStepOptions {
  /** Default "flush". */
  phase?: ShutdownPhase;
  /** Step deadline (default the lifecycle's stepTimeoutMs). */
  timeoutMs?: number;
}

export interface LifecycleOptions {
  logger: Logger;
  /** Default bound per step (10 s). */
  stepTimeoutMs?: number;
  /** Called with the exit code after a signal-driven shutdown (default process.exit). */
  exit?: (code: number) => void;
}

export interface ShutdownReport {
  code: number;
  steps: { name: string; phase: ShutdownPhase; ms: number; outcome: "ok" | "timeout" | "error" }[];
}

export interface Lifecycle {
  /** Registers a step; steps run by phase, then in registration order. */
  onShutdown(name: string, step: () => Promise<void> | void, options?: ShutdownStepOptions): void;
  /** Runs the shutdown once on SIGTERM/SIGINT, then exits with its code. */
  installSignalHandlers(signals?: readonly NodeJS.Signals[]): void;
  /** Runs every step once (later calls get the same result). Code 0 when every step finished in time. */
  shutdown(reason?: string): Promise<ShutdownReport>;
  readonly shuttingDown: boolean;
  /** Aborted when shutdown begins (long loops can watch it). */
  readonly signal: AbortSignal;
}

interface Step {
  name: string;
  phase: ShutdownPhase;
  timeoutMs: number;
  run: () => Promise<void> | void;
}

export function createLifecycle(options: LifecycleOptions): Lifecycle {
  const { logger } = options;
  const defaultTimeout = options.stepTimeoutMs ?? 10_000;
  const steps: Step[] = [];
  const abort = new AbortController();
  let running: Promise<ShutdownReport> | undefined;
  let handlersInstalled = false;

  async function runStep(step: Step): Promise<ShutdownReport["steps"][number]> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), step.timeoutMs);
    });
    let outcome: "ok" | "timeout" | "error";
    try {
      const r = await Promise.race([Promise.resolve().then(step.run).then(() => "ok" as const), timeout]);
      outcome = r;
      if (r === "timeout") logger.error({ step: step.name, phase: step.phase, timeoutMs: step.timeoutMs }, "shutdown step timed out");
    } catch (err) {
      outcome = "error";
      logger.error({ err, step: step.name, phase: step.phase }, "shutdown step failed");
    } finally {
      clearTimeout(timer);
    }
    const ms = Math.round(performance.now() - started);
    if (outcome === "ok") logger.info({ step: step.name, phase: step.phase, ms }, "shutdown step done");
    return { name: step.name, phase: step.phase, ms, outcome };
  }

  async function run(reason: string): Promise<ShutdownReport> {
    abort.abort(new Error(`shutdown: ${reason}`));
    logger.info({ reason }, "shutting down");
    const ordered = ShutdownPhases.flatMap((phase) => steps.filter((s) => s.phase === phase));
    const results: ShutdownReport["steps"] = [];
    // A timed-out step does not stop the later ones: pools still close, so the exit is prompt.
    for (const step of ordered) results.push(await runStep(step));
    const code = results.every((r) => r.outcome === "ok") ? 0 : 1;
    logger.info({ code, steps: results }, "shutdown complete");
    return { code, steps: results };
  }

  return {
    get shuttingDown() {
      return running !== undefined;
    },
    signal: abort.signal,
    onShutdown(name, step, o = {}) {
      steps.push({ name, phase: o.phase ?? "flush", timeoutMs: o.timeoutMs ?? defaultTimeout, run: step });
    },
    shutdown(reason = "requested") {
      running ??= run(reason);
      return running;
    },
    installSignalHandlers(signals = ["SIGTERM", "SIGINT"]) {
      if (handlersInstalled) return;
      handlersInstalled = true;
      const exit = options.exit ?? ((code: number) => process.exit(code));
      for (const sig of signals) {
        process.on(sig, () => {
          if (running) {
            logger.warn({ signal: sig }, "shutdown already in progress");
            return;
          }
          void this.shutdown(sig).then(
            (r) => exit(r.code),
            (err: unknown) => {
              logger.error({ err }, "shutdown crashed");
              exit(1);
            },
          );
        });
      }
    },
  };
}
