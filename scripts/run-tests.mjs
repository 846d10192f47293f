#!/usr/bin/env node
// Collects every test file and runs them with node's test runner (through tsx for TypeScript).
// Usage: node scripts/run-tests.mjs [unit|integration|all] [extra node --test flags]
// unit = tests beside the code (services/, proto/, tools/); integration = tests/ (benchmarks excluded).
// The fault and soak suite (tests/reliability/run.ts, soak.ts: `make reliability`) has no *.test.ts,
// so it is never collected; tests/reliability-smoke and tests/reliability/security/*.test.ts are.
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { spawn } from "node:child_process";

const root = new URL("..", import.meta.url).pathname;
const [suite = "all", ...extra] = process.argv.slice(2);
const SKIP = new Set(["node_modules", "dist", ".run", "target", "bench", ".git"]);

function collect(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (SKIP.has(name)) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) collect(full, out);
    else if (/\.test\.(ts|mjs)$/.test(name)) out.push(relative(root, full));
  }
  return out;
}

const unitDirs = ["proto", "services", "tools"];
const integrationDirs = ["tests"];
const dirs = suite === "unit" ? unitDirs : suite === "integration" ? integrationDirs : [...unitDirs, ...integrationDirs];
const files = dirs.flatMap((d) => collect(join(root, d), [])).sort();
if (files.length === 0) {
  console.error(`no test files found for suite "${suite}"`);
  process.exit(1);
}
console.error(`running ${files.length} test files (${suite})`);
const child = spawn(
  process.execPath,
  ["--import", "tsx", "--test", "--test-concurrency=2", "--test-timeout=600000", ...extra, ...files],
  { cwd: root, stdio: "inherit" },
);
child.on("exit", (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
