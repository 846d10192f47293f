import { parseArgs } from "node:util";
import { defaultWorldConfig, loadWorldConfig, SimConfigError } from "../config/load.js";
import type { WorldConfig } from "../config/schema.js";
import { exportWorld, type ExportFormat, type ExportResult } from "../export/export.js";
import { streamWorld, type StreamResult } from "../stream/stream.js";
import { parseRate } from "../stream/token-bucket.js";
import { createWorld } from "../world/world.js";
import { ProgressBar, type ProgressSink } from "./progress.js";

/** Bad command-line input; the message names the flag. */
export class SimUsageError extends Error {
  override readonly name = "SimUsageError";
}

export interface SimStreamArgs {
  /** World file (.yaml/.json); the built-in default world when absent. */
  config?: string;
  seed: string;
  days: number;
  fromDay: number;
  /** Events per second. */
  rate: number;
  target: string;
  apiKey?: string;
  maxEvents?: number;
  /** Stop after this many seconds (default 3600). */
  maxSeconds: number;
  tail: boolean;
  quiet: boolean;
}

export interface SimExportArgs {
  config?: string;
  seed: string;
  days: number;
  fromDay: number;
  format: ExportFormat;
  out: string;
  truth: boolean;
  tail: boolean;
  quiet: boolean;
}

export const SIM_STREAM_USAGE = `usage: rlhf sim stream --target http://HOST:PORT|grpc://HOST:PORT [--config world.yaml] [--seed 7] [--days 1] [--from-day 0]
                       [--rate 2000/s] [--api-key KEY | env RLHF_API_KEY] [--max-events N]
                       [--max-seconds 3600] [--tail] [--quiet]`;
export const SIM_EXPORT_USAGE = `usage: rlhf sim export --out DIR [--config world.yaml] [--seed 7] [--days 1] [--from-day 0]
                       [--format jsonl|csv] [--truth] [--tail] [--quiet]`;

function int(flag: string, value: string | undefined, def: number, min: number): number {
  if (value === undefined) return def;
  if (!/^\d+$/.test(value) || Number(value) < min) throw new SimUsageError(`--${flag} must be an integer >= ${min} (got ${JSON.stringify(value)})`);
  return Number(value);
}

type ArgOptions = Record<string, { type: "string" | "boolean" }>;

function parse(argv: readonly string[], options: ArgOptions): { values: Record<string, string | boolean | undefined> } {
  try {
    const { values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
    return { values: values as Record<string, string | boolean | undefined> };
  } catch (err) {
    throw new SimUsageError(err instanceof Error ? err.message : String(err));
  }
}

export function parseSimStreamArgs(argv: readonly string[], env: Record<string, string | undefined> = process.env): SimStreamArgs {
  const { values: v } = parse(argv, {
    config: { type: "string" },
    seed: { type: "string" },
    days: { type: "string" },
    "from-day": { type: "string" },
    rate: { type: "string" },
    target: { type: "string" },
    "api-key": { type: "string" },
    "max-events": { type: "string" },
    "max-seconds": { type: "string" },
    tail: { type: "boolean" },
    quiet: { type: "boolean" },
  });
  const str = (k: string) => (typeof v[k] === "string" ? (v[k] as string) : undefined);
  const target = str("target");
  if (!target) throw new SimUsageError("--target is required (the ingestion base URL, e.g. http://127.0.0.1:8080, or grpc://127.0.0.1:9090)");
  if (!/^(https?:\/\/[^\s/]+|grpc:\/\/[^\s/:]+:\d+\/?$)/.test(target)) {
    throw new SimUsageError(`--target must be an http(s):// URL or grpc://host:port (got ${JSON.stringify(target)})`);
  }
  let rate: number;
  try {
    rate = parseRate(str("rate") ?? "2000/s");
  } catch (err) {
    throw new SimUsageError(`--${(err as Error).message}`);
  }
  const maxEvents = str("max-events");
  const apiKey = str("api-key") ?? env["RLHF_API_KEY"];
  const config = str("config");
  return {
    ...(config !== undefined ? { config } : {}),
    seed: str("seed") ?? "7",
    days: int("days", str("days"), 1, 1),
    fromDay: int("from-day", str("from-day"), 0, 0),
    rate,
    target,
    ...(apiKey !== undefined && apiKey !== "" ? { apiKey } : {}),
    ...(maxEvents !== undefined ? { maxEvents: int("max-events", maxEvents, 0, 1) } : {}),
    maxSeconds: int("max-seconds", str("max-seconds"), 3600, 1),
    tail: v["tail"] === true,
    quiet: v["quiet"] === true,
  };
}

export function parseSimExportArgs(argv: readonly string[]): SimExportArgs {
  const { values: v } = parse(argv, {
    config: { type: "string" },
    seed: { type: "string" },
    days: { type: "string" },
    "from-day": { type: "string" },
    format: { type: "string" },
    out: { type: "string" },
    truth: { type: "boolean" },
    tail: { type: "boolean" },
    quiet: { type: "boolean" },
  });
  const str = (k: string) => (typeof v[k] === "string" ? (v[k] as string) : undefined);
  const out = str("out");
  if (!out) throw new SimUsageError("--out is required (the folder to write events and manifest.json to)");
  const format = str("format") ?? "jsonl";
  if (format !== "jsonl" && format !== "csv") throw new SimUsageError(`--format must be jsonl or csv (got ${JSON.stringify(format)})`);
  const config = str("config");
  return {
    ...(config !== undefined ? { config } : {}),
    seed: str("seed") ?? "7",
    days: int("days", str("days"), 1, 1),
    fromDay: int("from-day", str("from-day"), 0, 0),
    format,
    out,
    truth: v["truth"] === true,
    tail: v["tail"] === true,
    quiet: v["quiet"] === true,
  };
}

export interface SimCommandIo {
  stderr: ProgressSink;
  now?: () => number;
}

export interface SimCommandResult<R> {
  /** 0 success, 1 incomplete delivery, 2 bad usage or config. */
  exitCode: number;
  result?: R;
}

function loadConfig(path: string | undefined): WorldConfig {
  return path === undefined ? defaultWorldConfig() : loadWorldConfig(path);
}

function usageFailure<R>(io: SimCommandIo, err: unknown, usage: string): SimCommandResult<R> {
  if (err instanceof SimUsageError) {
    io.stderr.write(`error: ${err.message}\n${usage}\n`);
    return { exitCode: 2 };
  }
  if (err instanceof SimConfigError) {
    io.stderr.write(`error: ${err.message}\n`);
    return { exitCode: 2 };
  }
  throw err;
}

/** `rlhf sim stream ...`: streams the world into ingestion with a progress bar on stderr. */
export async function runSimStream(
  args: readonly string[] | SimStreamArgs,
  io: SimCommandIo = { stderr: process.stderr },
): Promise<SimCommandResult<StreamResult>> {
  let opts: SimStreamArgs;
  let config: WorldConfig;
  try {
    opts = Array.isArray(args) ? parseSimStreamArgs(args as readonly string[]) : (args as SimStreamArgs);
    config = loadConfig(opts.config);
  } catch (err) {
    return usageFailure(io, err, SIM_STREAM_USAGE);
  }
  const now = io.now ?? (() => performance.now());
  const world = createWorld(config, opts.seed);
  const bar = opts.quiet ? undefined : new ProgressBar(io.stderr, `sim ${world.id}`);
  const result = await streamWorld(world, {
    days: opts.days,
    fromDay: opts.fromDay,
    tail: opts.tail,
    ratePerSec: opts.rate,
    target: opts.target,
    ...(opts.apiKey !== undefined ? { apiKey: opts.apiKey } : {}),
    ...(opts.maxEvents !== undefined ? { maxEvents: opts.maxEvents } : {}),
    maxDurationMs: opts.maxSeconds * 1000,
    onProgress: (p) => {
      const secs = p.elapsedMs / 1000;
      bar?.update(p.fraction, `day ${p.day} sent ${p.sent} acked ${p.delivered} dropped ${p.dropped} ${(p.sent / Math.max(secs, 1e-3)).toFixed(0)}/s`, now());
    },
  });
  const summary = `sent ${result.sent}, acknowledged ${result.delivered} (${result.duplicates} duplicates), dropped ${result.dropped}, retries ${result.retries}, ${(result.elapsedMs / 1000).toFixed(1)} s, stopped: ${result.stoppedBy}`;
  if (bar) bar.done(summary);
  else io.stderr.write(`${summary}\n`);
  for (const e of result.errors) io.stderr.write(`  ${e}\n`);
  return { exitCode: result.complete ? 0 : 1, result };
}

/** `rlhf sim export ...`: writes the world's events to files with a progress bar on stderr. */
export async function runSimExport(
  args: readonly string[] | SimExportArgs,
  io: SimCommandIo = { stderr: process.stderr },
): Promise<SimCommandResult<ExportResult>> {
  let opts: SimExportArgs;
  let config: WorldConfig;
  try {
    opts = Array.isArray(args) ? parseSimExportArgs(args as readonly string[]) : (args as SimExportArgs);
    config = loadConfig(opts.config);
  } catch (err) {
    return usageFailure(io, err, SIM_EXPORT_USAGE);
  }
  const now = io.now ?? (() => performance.now());
  const world = createWorld(config, opts.seed);
  const bar = opts.quiet ? undefined : new ProgressBar(io.stderr, `export ${world.id}`);
  const result = await exportWorld(world, {
    days: opts.days,
    fromDay: opts.fromDay,
    format: opts.format,
    outDir: opts.out,
    truth: opts.truth,
    tail: opts.tail,
    onProgress: (p) => bar?.update((p.day - opts.fromDay + 1) / opts.days, `day ${p.day} events ${p.events}`, now()),
  });
  const summary = `${result.events} events (${result.counts.interaction} interactions, ${result.counts.feedback} feedback, ${result.counts.outcome} outcomes) -> ${result.files.join(", ")}`;
  if (bar) bar.done(summary);
  else io.stderr.write(`${summary}\n`);
  return { exitCode: 0, result };
}
