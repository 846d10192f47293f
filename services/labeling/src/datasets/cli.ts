import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { once } from "node:events";
import { parseArgs } from "node:util";
import { AppError, createPool } from "@rlhf-loop/kit";
import type { Pool } from "@rlhf-loop/kit";
import type { FormatName } from "../formats/formats.js";
import { FORMAT_NAMES, isFormatName } from "../formats/formats.js";
import { migrateLabeling } from "../migrate.js";
import { DEFAULT_SCHEMA, table } from "../store/sql.js";
import { exportSnapshot, importSnapshot } from "./snapshots.js";

/** Bad command-line input; the message names the flag. */
export class DatasetUsageError extends Error {
  override readonly name = "DatasetUsageError";
}

export const DATASET_EXPORT_USAGE = `usage: rlhf dataset export --dataset NAME[@VERSION] --format trl|trl-conversational|openai-dpo|hh [--conversational]
                         [--out FILE] [--weights] [--tenant ID] [--database-url URL | env DATABASE_URL] [--schema labeling]`;
export const DATASET_IMPORT_USAGE = `usage: rlhf dataset import --file FILE --name NAME [--format auto|trl|trl-conversational|openai-dpo|hh]
                         [--tenant ID] [--database-url URL | env DATABASE_URL] [--schema labeling]`;

export interface DatasetExportArgs {
  databaseUrl: string;
  schema: string;
  tenantId: string;
  /** "name@version", or "name" for its latest version. */
  dataset: string;
  format: FormatName;
  /** File path; "-" or absent writes to stdout. */
  out?: string | undefined;
  /** Add each pair's final weight as a "weight" field. */
  weights: boolean;
}

export interface DatasetImportArgs {
  databaseUrl: string;
  schema: string;
  tenantId: string;
  file: string;
  name: string;
  format: FormatName | "auto";
}

export interface DatasetCommandIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
}

export interface DatasetCommandResult<R> {
  /** 0 success, 1 failure (message on stderr), 2 bad usage. */
  exitCode: number;
  result?: R;
}

type Flags = Record<string, string | boolean | undefined>;

function parse(argv: readonly string[], options: Record<string, { type: "string" | "boolean" }>): Flags {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values as Flags;
  } catch (err) {
    throw new DatasetUsageError(err instanceof Error ? err.message : String(err));
  }
}

function str(v: Flags, name: string, env?: string): string {
  const x = v[name];
  if (typeof x === "string" && x !== "") return x;
  const e = env ? process.env[env] : undefined;
  if (e) return e;
  throw new DatasetUsageError(`--${name} is required${env ? ` (or set ${env})` : ""}`);
}

const common = { "database-url": { type: "string" }, schema: { type: "string" }, tenant: { type: "string" } } as const;

export function parseDatasetExportArgs(argv: readonly string[]): DatasetExportArgs {
  const v = parse(argv, { ...common, dataset: { type: "string" }, format: { type: "string" }, conversational: { type: "boolean" }, out: { type: "string" }, weights: { type: "boolean" } });
  let format = str(v, "format");
  if (v["conversational"] === true) {
    if (format !== "trl") throw new DatasetUsageError("--conversational goes with --format trl");
    format = "trl-conversational";
  }
  if (!isFormatName(format)) throw new DatasetUsageError(`--format must be one of ${FORMAT_NAMES.join(", ")} (got ${JSON.stringify(format)})`);
  return {
    databaseUrl: str(v, "database-url", "DATABASE_URL"),
    schema: typeof v["schema"] === "string" ? v["schema"] : DEFAULT_SCHEMA,
    tenantId: typeof v["tenant"] === "string" ? v["tenant"] : "",
    dataset: str(v, "dataset"),
    format,
    out: typeof v["out"] === "string" ? v["out"] : undefined,
    weights: v["weights"] === true,
  };
}

export function parseDatasetImportArgs(argv: readonly string[]): DatasetImportArgs {
  const v = parse(argv, { ...common, file: { type: "string" }, name: { type: "string" }, format: { type: "string" } });
  const format = typeof v["format"] === "string" ? v["format"] : "auto";
  if (format !== "auto" && !isFormatName(format)) throw new DatasetUsageError(`--format must be auto or one of ${FORMAT_NAMES.join(", ")} (got ${JSON.stringify(format)})`);
  return {
    databaseUrl: str(v, "database-url", "DATABASE_URL"),
    schema: typeof v["schema"] === "string" ? v["schema"] : DEFAULT_SCHEMA,
    tenantId: typeof v["tenant"] === "string" ? v["tenant"] : "",
    file: str(v, "file"),
    name: str(v, "name"),
    format,
  };
}

async function withPool<T>(url: string, fn: (pool: Pool) => Promise<T>): Promise<T> {
  const pool = createPool({ url, max: 2, applicationName: "rlhf-dataset" });
  try {
    return await fn(pool);
  } finally {
    await pool.end();
  }
}

/** "name" means its latest version. */
async function resolveDataset(pool: Pool, schema: string, tenantId: string, ref: string): Promise<string> {
  if (ref.includes("@")) return ref;
  const res = await pool.query<{ dataset_id: string }>(`select dataset_id from ${table(schema, "datasets")} where tenant_id = $1 and name = $2 order by version desc limit 1`, [tenantId, ref]);
  const id = res.rows[0]?.dataset_id;
  if (!id) throw new AppError("not_found", `no dataset named ${ref}`);
  return id;
}

function fail<R>(io: DatasetCommandIo, err: unknown, usage: string): DatasetCommandResult<R> {
  if (err instanceof DatasetUsageError) {
    io.stderr.write(`error: ${err.message}\n${usage}\n`);
    return { exitCode: 2 };
  }
  if (err instanceof AppError) {
    io.stderr.write(`error: ${err.message}\n`);
    for (const f of err.fields) io.stderr.write(`  ${f.path}: ${f.reason}\n`);
    return { exitCode: 1 };
  }
  throw err;
}

/** `rlhf dataset export`: writes a snapshot in a trainer format (stdout or --out FILE). */
export async function runDatasetExport(
  args: readonly string[] | DatasetExportArgs,
  io: DatasetCommandIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<DatasetCommandResult<{ datasetId: string; pairs: number; out: string }>> {
  try {
    const a = Array.isArray(args) ? parseDatasetExportArgs(args as readonly string[]) : (args as DatasetExportArgs);
    return await withPool(a.databaseUrl, async (pool) => {
      const datasetId = await resolveDataset(pool, a.schema, a.tenantId, a.dataset);
      const toFile = a.out !== undefined && a.out !== "-";
      const file = toFile ? createWriteStream(a.out as string) : undefined;
      const write = async (chunk: string) => {
        if (file) {
          if (!file.write(chunk)) await once(file, "drain");
        } else io.stdout.write(chunk);
      };
      try {
        const { pairs } = await exportSnapshot(pool, a.schema, { tenantId: a.tenantId, datasetId, format: a.format, includeWeight: a.weights }, write);
        if (file) {
          file.end();
          await once(file, "finish");
        }
        io.stderr.write(`exported ${pairs} pairs of ${datasetId} as ${a.format}${toFile ? ` to ${a.out}` : ""}\n`);
        return { exitCode: 0, result: { datasetId, pairs, out: toFile ? (a.out as string) : "-" } };
      } catch (err) {
        file?.destroy();
        throw err;
      }
    });
  } catch (err) {
    return fail(io, err, DATASET_EXPORT_USAGE);
  }
}

/**
 * `rlhf dataset import`: reads a trainer-format JSONL file into a new snapshot (all or nothing;
 * a malformed line fails the import with its line number and reason). The running labeling
 * service announces the snapshot on rlhf.datasets.v1 from its outbox.
 */
export async function runDatasetImport(
  args: readonly string[] | DatasetImportArgs,
  io: DatasetCommandIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<DatasetCommandResult<{ datasetId: string; pairs: number; format: string }>> {
  try {
    const a = Array.isArray(args) ? parseDatasetImportArgs(args as readonly string[]) : (args as DatasetImportArgs);
    let text: string;
    try {
      text = await readFile(a.file, "utf8");
    } catch (err) {
      throw new AppError("invalid_argument", `cannot read ${a.file}: ${err instanceof Error ? err.message : String(err)}`);
    }
    return await withPool(a.databaseUrl, async (pool) => {
      await migrateLabeling(pool, { schema: a.schema });
      const m = await importSnapshot(pool, a.schema, { tenantId: a.tenantId, name: a.name, format: a.format, text });
      io.stdout.write(`imported ${m.pairCount} pairs as ${m.datasetId} (${m.origin})\n`);
      return { exitCode: 0, result: { datasetId: m.datasetId, pairs: Number(m.pairCount), format: m.origin.replace(/^import:/, "") } };
    });
  } catch (err) {
    return fail(io, err, DATASET_IMPORT_USAGE);
  }
}
