import { parseArgs, type ParseArgsConfig } from "node:util";

export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** A CLI command: its words (e.g. ["tenant", "create"]), a one-line summary and a runner. */
export interface Command {
  readonly path: readonly string[];
  readonly summary: string;
  readonly usage: string;
  readonly options: NonNullable<ParseArgsConfig["options"]>;
  run(values: OptionValues, positionals: string[]): Promise<number>;
  /** Commands that parse their own flags (the library owns them) get the raw words instead. */
  readonly raw?: (argv: string[]) => Promise<number>;
}

/** A usage mistake: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export function parseCommandArgs(command: Command, argv: string[]) {
  try {
    return parseArgs({ args: argv, options: command.options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

export function requireString(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== "string" || v.length === 0) throw new UsageError(`--${name} is required`);
  return v;
}

export function optionalInt(values: Record<string, unknown>, name: string, fallback: number, min = 0): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got "${String(v)}"`);
  return n;
}

/** A command whose flags a library owns and parses itself; the CLI only routes the words to it. */
export function delegatedCommand(
  path: readonly string[],
  summary: string,
  usage: string,
  handler: (argv: string[]) => Promise<{ exitCode: number }>,
): Command {
  return {
    path,
    summary,
    usage: usage.replace(/^usage: /, ""),
    options: {},
    run: () => Promise.resolve(2),
    raw: async (argv) => (await handler(argv)).exitCode,
  };
}
