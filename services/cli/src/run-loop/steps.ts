// The steps of `rlhf run`, each recorded with what happened: ok, failed, not possible with this
// data (and why), or skipped (by an option, or because a step it needs did not succeed).
export type StepStatus = "ok" | "failed" | "not_possible" | "skipped";

export interface StepFact {
  readonly name: string;
  readonly status: StepStatus;
  readonly seconds: number;
  readonly detail: string;
}

/** Thrown inside a step: the data cannot support it (not a failure of the run). */
export class NotPossible extends Error {
  override readonly name = "NotPossible";
}

const MARK: Record<StepStatus, string> = { ok: "ok", failed: "FAILED", not_possible: "not possible", skipped: "skipped" };

export class Steps {
  readonly facts: StepFact[] = [];

  constructor(private readonly say: (line: string) => void) {}

  get failed(): boolean {
    return this.facts.some((f) => f.status === "failed");
  }

  /** Runs a step; returns its value, or undefined when it failed or was not possible. */
  async run<T>(name: string, body: () => Promise<{ value: T; detail: string }>): Promise<T | undefined> {
    this.say(`\n== ${name}`);
    const t0 = performance.now();
    try {
      const { value, detail } = await body();
      this.record(name, "ok", detail, t0);
      return value;
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      this.record(name, err instanceof NotPossible ? "not_possible" : "failed", detail, t0);
      return undefined;
    }
  }

  /** Records a step that did not run, with the reason. */
  note(name: string, status: "skipped" | "not_possible" | "failed", detail: string): void {
    this.say(`\n== ${name}`);
    this.record(name, status, detail, performance.now());
  }

  private record(name: string, status: StepStatus, detail: string, t0: number): void {
    const seconds = (performance.now() - t0) / 1000;
    this.facts.push({ name, status, seconds, detail });
    this.say(`   ${MARK[status]}${status === "ok" || status === "failed" ? ` in ${seconds.toFixed(1)} s` : ""}: ${detail}`);
  }
}

export function statusMark(s: StepStatus): string {
  return MARK[s];
}
