/**
 * The one table of `make reliability`: the fault scenarios and the soak (results/*.json under the
 * run dir), plus the security suite's fuzz and tenancy counts when tests/reliability/security/run.ts
 * exists. Exits 1 on any loss, duplicate or failed check, or a missing result.
 *   node --import tsx tests/reliability/report.ts [--security-log FILE --security-exit N]
 */
import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { ScenarioRow } from "./lib/scenario.js";
import { isolatedStackConfig, ROOT } from "./lib/stack.js";
import { fmtSeconds, renderTable } from "./lib/table.js";

const { values } = parseArgs({ options: { "security-log": { type: "string" }, "security-exit": { type: "string" } } });
const dir = `${isolatedStackConfig().runDir}/results`;
const problems: string[] = [];
const rows: ScenarioRow[] = [];

const scenarios = `${dir}/scenarios.json`;
if (existsSync(scenarios)) rows.push(...(JSON.parse(readFileSync(scenarios, "utf8")) as ScenarioRow[]));
else problems.push("no scenario results (run.ts did not finish)");
const soak = `${dir}/soak.json`;
if (existsSync(soak)) rows.push((JSON.parse(readFileSync(soak, "utf8")) as { row: ScenarioRow }).row);
else problems.push("no soak results (soak.ts did not finish)");

console.log("\n== reliability ==");
console.log(
  renderTable(
    ["scenario", "events sent", "acknowledged", "stored", "lost", "duplicated", "recovery s"],
    rows.map((r) => [r.scenario, r.sent, r.acknowledged, r.stored, r.lost, r.duplicated, fmtSeconds(r.recoverySeconds)]),
  ),
);
for (const r of rows) {
  const topic = r.topicLost > 0 ? `; ${r.topicLost} acknowledged events missing from the topics` : "";
  console.log(`  ${r.scenario}: ${r.notes.join("; ")}${topic}${r.dropped ? `; client dropped ${r.dropped}` : ""}`);
  if (r.lost > 0 || r.duplicated > 0 || r.topicLost > 0) problems.push(`${r.scenario}: lost ${r.lost}, duplicated ${r.duplicated}, missing from topics ${r.topicLost}`);
  for (const f of r.failures) problems.push(`${r.scenario}: ${f}`);
}

// The security suite is another helper's; its runner prints its own counts.
if (!existsSync(`${ROOT}tests/reliability/security/run.ts`)) console.log("\nsecurity suite: not present");
else if (values["security-log"] && existsSync(values["security-log"])) {
  console.log("\n== security (tests/reliability/security/run.ts) ==");
  console.log(readFileSync(values["security-log"], "utf8").trimEnd().split("\n").slice(-40).join("\n"));
  if (values["security-exit"] !== "0") problems.push(`security suite exited ${values["security-exit"]}`);
} else problems.push("security suite present but not run");

if (problems.length > 0) {
  console.log(`\nFAILED:\n  ${problems.join("\n  ")}`);
  process.exitCode = 1;
} else console.log("\nreliability: no loss, no duplicates, every check passed");
