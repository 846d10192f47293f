/**
 * The security suite's runner (`make reliability` invokes it when present):
 *   node --import tsx tests/reliability/security/run.ts [--runs N] [--seed S] [--services a,b] [--no-10mb] [--json FILE]
 * Fuzzes every HTTP route and gRPC method of the five services, checks tenancy on every ingestion
 * write path, the labeling tenant-scoped reads, and every route and method of canary, reward and
 * RL trainer (no key, another tenant's key), and prints the counts. Exit 1 on any finding.
 */
import { writeFileSync } from "node:fs";
import { emptyStats, fuzzTarget, type FuzzStats } from "./fuzz.js";
import { SERVICE_NAMES, startTarget, type ServiceName } from "./targets.js";
import { checkTenancy, type TenancyStats } from "./tenancy.js";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const runs = Number(arg("runs") ?? 25);
const seed = arg("seed") !== undefined ? Number(arg("seed")) : undefined;
const services = (arg("services")?.split(",") ?? SERVICE_NAMES) as ServiceName[];
const tenMegabytes = !process.argv.includes("--no-10mb");

const stats: FuzzStats = emptyStats();
const t0 = Date.now();
for (const name of services) {
  const target = await startTarget(name);
  const s0 = { ...stats, findings: stats.findings.length };
  try {
    await fuzzTarget(target, { runs, tenMegabytes, ...(seed !== undefined ? { seed } : {}) }, stats);
  } finally {
    await target.close();
  }
  console.error(`${name}: ${stats.routes - s0.routes} routes, ${stats.methods - s0.methods} methods, ${stats.cases - s0.cases} cases, ${stats.findings.length - s0.findings} findings`);
}
let tenancy: TenancyStats = { paths: 0, leaks: [] };
if (!arg("services")) tenancy = await checkTenancy();

const row = (k: string, v: number | string) => console.log(`${k.padEnd(24)} ${v}`);
console.log("security suite");
row("routes fuzzed", stats.routes);
row("methods fuzzed", stats.methods);
row("cases run", stats.cases);
row("cases accepted (2xx/OK)", stats.accepted);
row("5xx found", stats.findings.filter((f) => f.kind === "5xx" || f.kind === "grpc-internal").length);
row("crashes/hangs", stats.findings.filter((f) => f.kind === "crash" || f.kind === "hang").length);
row("prototype pollution", stats.findings.filter((f) => f.kind === "pollution").length);
row("stored on rejection", stats.findings.filter((f) => f.kind === "stored-on-rejection").length);
row("tenancy paths checked", tenancy.paths);
row("leaks found", tenancy.leaks.length);
row("seconds", ((Date.now() - t0) / 1000).toFixed(1));
for (const f of stats.findings) console.log(`FINDING ${f.kind} ${f.service} ${f.target}: ${f.detail}`);
for (const l of tenancy.leaks) console.log(`LEAK ${l}`);
const out = arg("json");
if (out) writeFileSync(out, JSON.stringify({ ...stats, tenancy }, null, 2));
process.exit(stats.findings.length + tenancy.leaks.length > 0 ? 1 : 0);
