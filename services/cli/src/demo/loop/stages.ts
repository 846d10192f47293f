// Runs the scenario's stages in order, timing each and printing progress; a failed stage ends the
// run (later stages are recorded as skipped) and the command exits non-zero.
import type { StageFacts } from "../report/types.js";

export class Stages {
  readonly facts: StageFacts[] = [];
  private failed = false;

  constructor(private readonly say: (line: string) => void) {}

  get ok(): boolean {
    return !this.failed;
  }

  async run<T>(name: string, body: () => Promise<{ value: T; detail: string }>): Promise<T | undefined> {
    if (this.failed) {
      this.facts.push({ name, seconds: 0, status: "skipped", detail: "an earlier stage failed" });
      return undefined;
    }
    this.say(`\n== ${name}`);
    const t0 = performance.now();
    try {
      const { value, detail } = await body();
      const seconds = (performance.now() - t0) / 1000;
      this.facts.push({ name, seconds, status: "ok", detail });
      this.say(`   ok in ${seconds.toFixed(1)} s: ${detail}`);
      return value;
    } catch (err) {
      const seconds = (performance.now() - t0) / 1000;
      const detail = err instanceof Error ? err.message : String(err);
      this.facts.push({ name, seconds, status: "failed", detail });
      this.say(`   FAILED after ${seconds.toFixed(1)} s: ${detail}`);
      this.failed = true;
      return undefined;
    }
  }

  /** Marks a finished stage as failed after the fact (an expected outcome did not happen). */
  fail(name: string, detail: string): void {
    this.facts.push({ name, seconds: 0, status: "failed", detail });
    this.say(`   FAILED: ${detail}`);
    this.failed = true;
  }
}
