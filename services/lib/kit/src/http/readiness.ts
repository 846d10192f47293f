/** One readiness check (Kafka reachable, Postgres answers...). */
export interface ReadinessCheck {
  name: string;
  /** Resolve (or return `{ ok: true }`) when ready; throw or return `{ ok: false, detail }` when not. */
  check(): Promise<void | { ok: boolean; detail?: string }>;
  /** Bound on one check (default 2 s). */
  timeoutMs?: number;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  detail?: string;
}

export interface Readiness {
  add(check: ReadinessCheck): void;
  /** From now on /readyz answers 503 (first shutdown step). */
  markUnready(reason?: string): void;
  readonly shuttingDown: boolean;
  evaluate(): Promise<{ ready: boolean; checks: CheckResult[] }>;
}

async function runCheck(c: ReadinessCheck): Promise<CheckResult> {
  const timeoutMs = c.timeoutMs ?? 2_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    const r = await Promise.race([
      c.check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs}ms`)), timeoutMs);
      }),
    ]);
    if (r && r.ok === false) return { name: c.name, ok: false, detail: r.detail ?? "not ready" };
    return { name: c.name, ok: true };
  } catch (err) {
    return { name: c.name, ok: false, detail: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

export function createReadiness(initial: readonly ReadinessCheck[] = []): Readiness {
  const checks = [...initial];
  let unready: string | undefined;
  return {
    add: (c) => void checks.push(c),
    markUnready(reason = "shutting down") {
      unready = reason;
    },
    get shuttingDown() {
      return unready !== undefined;
    },
    async evaluate() {
      const results = await Promise.all(checks.map(runCheck));
      if (unready !== undefined) results.unshift({ name: "shutdown", ok: false, detail: unready });
      return { ready: results.every((r) => r.ok), checks: results };
    },
  };
}
