/**
 * Issue 9, alert and recording rules: `promtool check rules` on every rules file in
 * infra/prometheus/rules, `promtool test rules` on its *.test.yml twin, every alert seen firing
 * and every recording rule evaluated by some test, every metric a rule reads defined in the code,
 * and the scrape configs valid (promtool check config) and loading exactly these rule files.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { havePromtool, promtool } from "./exposition.js";
import { metricCatalog, ROOT, seriesNames } from "./metric-catalog.js";

const skip = !havePromtool() && "promtool not found (Debian: apt-get install prometheus; or set PROMTOOL=/path/to/promtool)";
const PROM = join(ROOT, "infra/prometheus");
const RULES = join(PROM, "rules");

const files = readdirSync(RULES).filter((f) => f.endsWith(".yml")).sort();
const ruleFiles = files.filter((f) => !f.endsWith(".test.yml"));
const testFiles = files.filter((f) => f.endsWith(".test.yml"));

interface Rule { alert?: string; record?: string; expr: string }
interface RuleFile { groups: { name: string; rules: Rule[] }[] }
interface UnitTests {
  rule_files: string[];
  tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[]; promql_expr_test?: { expr: string }[] }[];
}

const rulesOf = (f: string): Rule[] => (parse(readFileSync(join(RULES, f), "utf8")) as RuleFile).groups.flatMap((g) => g.rules);
const unitTestsOf = (f: string): UnitTests => parse(readFileSync(join(RULES, f), "utf8")) as UnitTests;

test("every rules file passes promtool check rules", { skip }, () => {
  assert.ok(ruleFiles.length >= 7, `rules files: ${ruleFiles.join(", ")}`);
  const r = promtool(["check", "rules", ...ruleFiles], undefined, RULES);
  assert.equal(r.code, 0, r.output);
});

test("each rules file has one *.test.yml that loads it, and promtool test rules passes on each", { skip }, () => {
  assert.deepEqual(testFiles.map((f) => f.replace(/\.test\.yml$/, ".yml")), ruleFiles);
  for (const f of testFiles) assert.deepEqual(unitTestsOf(f).rule_files, [f.replace(/\.test\.yml$/, ".yml")], `${f} loads its own rules file`);
  const failures: string[] = [];
  for (const f of testFiles) {
    const r = promtool(["test", "rules", f], undefined, RULES);
    if (r.code !== 0 || !/SUCCESS/.test(r.output)) failures.push(`${f}:\n${r.output}`);
  }
  assert.deepEqual(failures, []);
});

test("every alert is seen firing, and every recording rule evaluated, by a unit test", { skip }, () => {
  const firing = new Set<string>();
  const exprs: string[] = [];
  for (const f of testFiles) {
    for (const t of unitTestsOf(f).tests) {
      for (const a of t.alert_rule_test ?? []) if ((a.exp_alerts ?? []).length > 0) firing.add(a.alertname);
      for (const e of t.promql_expr_test ?? []) exprs.push(e.expr);
    }
  }
  const rules = ruleFiles.flatMap(rulesOf);
  const untested = rules.filter((r) => r.alert && !firing.has(r.alert)).map((r) => r.alert);
  const unevaluated = rules.filter((r) => r.record && !exprs.some((e) => e.includes(r.record!))).map((r) => r.record);
  assert.deepEqual({ untested, unevaluated }, { untested: [], unevaluated: [] });
  // Alert names are unique across files.
  const names = rules.flatMap((r) => (r.alert ? [r.alert] : []));
  assert.equal(new Set(names).size, names.length, "duplicate alert names");
});

test("every metric a rule reads is defined in services/*/src", () => {
  const catalog = metricCatalog();
  const known = new Set([...catalog.byName.values()].flatMap(seriesNames));
  const unknown: string[] = [];
  for (const f of ruleFiles) {
    for (const r of rulesOf(f)) {
      for (const m of r.expr.matchAll(/\b(rlhf_[a-z0-9_]+)\b/g)) if (!known.has(m[1]!)) unknown.push(`${f}: ${r.alert ?? r.record}: ${m[1]}`);
      // Every alert says what to do about it.
      if (r.alert) {
        const ann = (r as { annotations?: Record<string, string> }).annotations ?? {};
        if (!ann["summary"] || !ann["description"]) unknown.push(`${f}: ${r.alert} lacks a summary or description`);
        if (!["info", "warning", "critical"].includes((r as { labels?: Record<string, string> }).labels?.["severity"] ?? "")) unknown.push(`${f}: ${r.alert} lacks a severity`);
      }
    }
  }
  assert.deepEqual(unknown, []);
});

test("a broken rule fails its unit test (the tests can fail)", { skip }, () => {
  const mutations: { file: string; from: string; to: string; alert: string }[] = [
    // Sum consumer lag over replicas without de-duplicating them: labeling's 9000 becomes 18000.
    { file: "bus.yml", from: "sum by (service, group) (max by (service, group, topic, partition) (rlhf_bus_consumer_lag)) > 10000", to: "sum by (service, group) (rlhf_bus_consumer_lag) > 10000", alert: "RlhfConsumerLagHigh" },
    // increase() alone misses the stop that creates the {reason="shape_drift"} series.
    { file: "rl-trainer.yml", from: '\n            or sum by (service) (rlhf_rl_guardrail_stops_total{reason="shape_drift"} unless rlhf_rl_guardrail_stops_total{reason="shape_drift"} offset 1h) > 0', to: "", alert: "RlhfRlShapeDrift" },
  ];
  for (const m of mutations) {
    const dir = mkdtempSync(join(tmpdir(), "rlhf-rules-"));
    try {
      const original = readFileSync(join(RULES, m.file), "utf8");
      const broken = original.replace(m.from, m.to);
      assert.notEqual(broken, original, `the mutation of ${m.file} applies`);
      const testFile = m.file.replace(/\.yml$/, ".test.yml");
      writeFileSync(join(dir, m.file), broken);
      writeFileSync(join(dir, testFile), readFileSync(join(RULES, testFile), "utf8"));
      const r = promtool(["test", "rules", testFile], undefined, dir);
      assert.notEqual(r.code, 0, r.output);
      assert.match(r.output, new RegExp(m.alert));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test("prometheus.yml is valid and loads exactly the rules files; the Kubernetes variant too", { skip }, () => {
  for (const cfg of ["prometheus.yml", "prometheus-kubernetes.yml"]) {
    const doc = parse(readFileSync(join(PROM, cfg), "utf8")) as { rule_files: string[]; scrape_configs: { job_name: string }[] };
    assert.deepEqual([...doc.rule_files].sort(), ruleFiles.map((f) => `rules/${f}`).sort(), `${cfg} rule_files`);
    assert.ok(doc.scrape_configs.every((s) => s.job_name.startsWith("rlhf")), `${cfg}: jobs start with rlhf (RlhfTargetDown)`);
  }
  const main = promtool(["check", "config", "prometheus.yml"], undefined, PROM);
  assert.equal(main.code, 0, main.output);
  const jobs = (parse(readFileSync(join(PROM, "prometheus.yml"), "utf8")) as { scrape_configs: { job_name: string }[] }).scrape_configs.map((s) => s.job_name);
  assert.deepEqual(jobs, ["rlhf-ingestion", "rlhf-labeling", "rlhf-reward", "rlhf-rl-trainer", "rlhf-canary"]);

  // Debian builds promtool without Kubernetes discovery: then check everything else by putting a
  // static target where kubernetes_sd_configs is (the relabeling and rule files still load).
  const k8s = promtool(["check", "config", "prometheus-kubernetes.yml"], undefined, PROM);
  if (k8s.code !== 0 && /field kubernetes_sd_configs not found/.test(k8s.output)) {
    const text = readFileSync(join(PROM, "prometheus-kubernetes.yml"), "utf8");
    const swapped = text.replace(/kubernetes_sd_configs:\n\s+- role: pod\n/, 'static_configs:\n      - targets: ["127.0.0.1:8080"]\n');
    assert.notEqual(swapped, text, "the kubernetes_sd_configs block was found");
    const dir = mkdtempSync(join(tmpdir(), "rlhf-k8s-config-"));
    try {
      writeFileSync(join(dir, "prometheus.yml"), swapped.replaceAll("  - rules/", `  - ${RULES}/`));
      const r = promtool(["check", "config", "prometheus.yml"], undefined, dir);
      assert.equal(r.code, 0, r.output);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } else {
    assert.equal(k8s.code, 0, k8s.output);
  }
});
