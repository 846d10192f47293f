/**
 * The fault scenarios of issue 10 on the isolated reliability stack (never the shared dev stack):
 *   node --import tsx tests/reliability/run.ts [--only NAME,...] [--rate N]
 * (NAME matches part of a scenario name: `--only labeling,reward,rl-trainer,canary` runs the later consumers only.)
 * Needs the isolated stack up (scripts/reliability.sh starts it). Prints a table, writes
 * <run dir>/results/scenarios.json, exits 1 on any loss, duplicate or failed check.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { CONSUMER_SCENARIOS, CONSUMER_STAGES, runConsumerScenarios } from "./lib/consumers.js";
import { consumerPause, dlqPoison, intakeSigterm, kafkaRestart, persisterSigkill, postgresRestart } from "./lib/faults.js";
import { runReplay } from "./lib/replay.js";
import { runScenario, type ScenarioRow, type ScenarioSpec } from "./lib/scenario.js";
import { isolatedStack } from "./lib/stack.js";
import { fmtSeconds, renderTable } from "./lib/table.js";

const { values } = parseArgs({ options: { only: { type: "string" }, rate: { type: "string" } } });
const stack = isolatedStack();
const env = { endpoints: stack.endpoints, logDir: `${stack.cfg.runDir}/logs`, keep: false, log: (l: string) => console.error(`[reliability] ${l}`), timeoutMs: 300_000 };
const rate = values.rate ? Number(values.rate) : undefined;

const specs: ScenarioSpec[] = [persisterSigkill, kafkaRestart(stack), postgresRestart(stack), intakeSigterm, dlqPoison(stack.endpoints.brokers), consumerPause];
const only = values.only?.split(",").map((s) => s.trim().toLowerCase());
const pick = (name: string) => !only || only.some((o) => name.toLowerCase().includes(o));

const rows: ScenarioRow[] = [];
for (const spec of specs) {
  if (!pick(spec.name)) continue;
  env.log(`scenario: ${spec.name}`);
  const row = await runScenario(rate ? { ...spec, ratePerSec: rate } : spec, env);
  env.log(`${spec.name}: ${JSON.stringify({ ...row, notes: undefined })} ${row.notes.join("; ")}`);
  rows.push(row);
}
if (pick("replay a full day")) {
  env.log("scenario: replay a full day");
  rows.push(await runReplay(env));
}
// The later consumers run as one chain (each stage feeds the next); each picked stage is a row.
const stages = CONSUMER_STAGES.filter((s) => pick(CONSUMER_SCENARIOS[s]));
if (stages.length > 0) {
  env.log(`scenarios: ${stages.map((s) => CONSUMER_SCENARIOS[s]).join(", ")}`);
  rows.push(...(await runConsumerScenarios({ ...env, timeoutMs: 900_000 }, { stages, ...(rate ? { ratePerSec: rate } : {}) })));
}

const resultsDir = `${stack.cfg.runDir}/results`;
mkdirSync(resultsDir, { recursive: true });
writeFileSync(`${resultsDir}/scenarios.json`, JSON.stringify(rows, null, 2));
console.log(
  renderTable(
    ["scenario", "sent", "acknowledged", "stored", "lost", "duplicated", "recovery s", "dropped", "topic re-sent"],
    rows.map((r) => [r.scenario, r.sent, r.acknowledged, r.stored, r.lost, r.duplicated, fmtSeconds(r.recoverySeconds), r.dropped, r.topicRedelivered]),
  ),
);
for (const r of rows) {
  console.log(`  ${r.scenario}: ${r.notes.join("; ")}${r.failures.length ? `  FAILED: ${r.failures.join("; ")}` : ""}`);
}
const bad = rows.filter((r) => r.lost > 0 || r.duplicated > 0 || r.topicLost > 0 || r.failures.length > 0);
process.exitCode = bad.length > 0 ? 1 : 0;
