/** Something to write progress to: process.stderr, or a buffer in tests. */
export interface ProgressSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * A one-line progress bar. On a terminal it redraws in place; elsewhere (CI logs, pipes) it
 * prints a line at most every `plainEveryMs`, so logs stay readable.
 */
export class ProgressBar {
  private lastPlain = -Infinity;
  private drawn = false;

  constructor(
    private readonly out: ProgressSink,
    private readonly label: string,
    private readonly width = 24,
    private readonly plainEveryMs = 2000,
  ) {}

  update(fraction: number, detail: string, nowMs: number): void {
    const f = Math.max(0, Math.min(1, fraction));
    const filled = Math.round(f * this.width);
    const bar = `${"#".repeat(filled)}${"-".repeat(this.width - filled)}`;
    const line = `${this.label} [${bar}] ${(f * 100).toFixed(0).padStart(3)}% ${detail}`;
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[2K${line}`);
      this.drawn = true;
    } else if (nowMs - this.lastPlain >= this.plainEveryMs) {
      this.out.write(`${line}\n`);
      this.lastPlain = nowMs;
    }
  }

  /** Final line, always printed. */
  done(detail: string): void {
    const line = `${this.label} [${"#".repeat(this.width)}] 100% ${detail}`;
    this.out.write(this.out.isTTY && this.drawn ? `\r\x1b[2K${line}\n` : `${line}\n`);
  }
}
