// `rlhf demo`: the full loop on the simulated product, in embedded or cluster mode, with progress
// on stderr, a summary table on stdout and a self-contained HTML report.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { createWorld } from "@rlhf-loop/sim";
import { renderDemoReport, summaryTable } from "../report/index.js";
import { startClusterStack } from "./cluster-stack.js";
import { DayTracker } from "./day-tracker.js";
import { demoWorldConfig } from "./demo-world.js";
import { startEmbeddedStack } from "./embedded-stack.js";
import { MAIN_ARM, runScenario, type ScenarioOptions } from "./scenario.js";

export interface DemoOptions extends ScenarioOptions {
  readonly mode: "embedded" | "cluster";
  readonly interactionsPerDay: number;
  readonly out: string;
}

export const DEFAULT_DEMO: Omit<DemoOptions, "mode" | "out"> = {
  seed: 7,
  interactionsPerDay: 1500,
  ratePerSec: 6_000,
  canaryTasks: 200,
  rlSteps: 20,
  promptsPerStep: 32,
  firstCycleDays: 6,
};

const TENANT = "northwind";

export async function runDemo(o: DemoOptions, say: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<number> {
  const t0 = Date.now();
  const world = createWorld(demoWorldConfig({ interactionsPerDay: o.interactionsPerDay, tenantId: TENANT }), o.seed);
  const tracker = new DayTracker(MAIN_ARM);
  say(`rlhf-loop demo (${o.mode} mode): the simulated support product "${world.id}", seed ${o.seed}, ${o.interactionsPerDay} chats a day, two weeks`);
  const stack = o.mode === "cluster" ? await startClusterStack(world, TENANT, say) : await startEmbeddedStack(world, TENANT, say);
  let ok: boolean;
  try {
    const { data, ok: passed } = await runScenario(stack, world, tracker, o, say);
    ok = passed;
    const out = resolve(o.out);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, renderDemoReport(data));
    process.stdout.write(`\n${summaryTable(data)}\n`);
    process.stdout.write(`\nreport: ${out}\n`);
    process.stdout.write(`${ok ? "demo passed" : "demo FAILED"} in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  } finally {
    say("stopping the services");
    await stack.stop();
  }
  return ok ? 0 : 1;
}
