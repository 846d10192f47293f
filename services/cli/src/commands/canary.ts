import { CANARY_USAGE, runCanaryCli } from "@rlhf-loop/canary";
import { delegatedCommand } from "../command.js";

// The canary owns these flags (services/canary/src/cli/commands.ts).
const io = { out: (l: string) => process.stdout.write(`${l}\n`), err: (l: string) => process.stderr.write(`${l}\n`) };
const sub = (word: string, summary: string) => delegatedCommand(["canary", word], summary, CANARY_USAGE, (argv) => runCanaryCli([word, ...argv], io));

export const canaryCreate = sub("create", "sample a canary set from held-out traffic (stratified by intent and segment)");
export const canaryImport = sub("import", "import a canary set from a JSONL file of tasks");
export const canaryRun = sub("run", "run the canary for a checkpoint and print the gate's decision");
export const canaryReport = sub("report", "write a canary report as a self-contained HTML page");
export const canaryWatch = sub("watch", "weekly production drift, alerts and the 'should we use RLHF here' summary");
