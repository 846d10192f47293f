/**
 * Issue 9, Grafana dashboards: each JSON in infra/grafana/dashboards has the structure Grafana
 * loads (schemaVersion, uid, unique panel ids, gridPos on the 24-column grid, Prometheus targets
 * with an expr) and every metric a panel queries is defined in the code (or is a recording rule
 * or a prom-client default); every expr is valid PromQL (compiled by promtool); the files match
 * the specs in dashboards.ts; the provisioning files point at them. Grafana is not packaged for
 * Debian, so no Grafana instance loads them here.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parse, stringify } from "yaml";
import { createMetrics } from "@rlhf-loop/kit";
import { dashboardProblems, metricNames, type CheckContext } from "./dashboard-check.js";
import { DASHBOARDS, dashboardText } from "./dashboards.js";
import { havePromtool, promtool } from "./exposition.js";
import { metricCatalog, metricsMarkdown, ROOT, seriesNames } from "./metric-catalog.js";

const DIR = join(ROOT, "infra/grafana/dashboards");
const RULES = join(ROOT, "infra/prometheus/rules");
const files = readdirSync(DIR).filter((f) => f.endsWith(".json")).sort();
const load = (f: string) => JSON.parse(readFileSync(join(DIR, f), "utf8")) as Record<string, unknown>;

async function context(): Promise<CheckContext> {
  const catalog = metricCatalog();
  const recorded = new Set<string>();
  for (const f of readdirSync(RULES).filter((x) => x.endsWith(".yml") && !x.endsWith(".test.yml"))) {
    const doc = parse(readFileSync(join(RULES, f), "utf8")) as { groups: { rules: { record?: string }[] }[] };
    for (const g of doc.groups) for (const r of g.rules) if (r.record) recorded.add(r.record);
  }
  // prom-client's default collectors, as kit registers them for every service.
  const m = createMetrics({ service: "catalog" });
  const defaults = new Set<string>();
  for (const x of await m.registry.getMetricsAsJSON()) {
    defaults.add(x.name);
    if (String(x.type) === "histogram") for (const s of ["_bucket", "_sum", "_count"]) defaults.add(`${x.name}${s}`);
  }
  return { series: new Set([...catalog.byName.values()].flatMap(seriesNames)), recorded, defaults };
}

const exprsOf = (d: Record<string, unknown>): string[] =>
  (d["panels"] as { targets?: { expr?: string }[] }[]).flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ""));

test("one dashboard per audience, each file exactly what dashboards.ts generates", () => {
  assert.deepEqual(files, ["canary-drift.json", "ingestion-health.json", "labeling-quality.json", "training-runs.json"]);
  for (const spec of DASHBOARDS) {
    assert.equal(readFileSync(join(DIR, spec.file), "utf8"), dashboardText(spec), `${spec.file} is stale: node --import tsx tests/observability/write-dashboards.ts`);
  }
});

test("each dashboard has the structure Grafana loads, and queries only metrics that exist", async () => {
  const ctx = await context();
  assert.ok(ctx.series.size > 80 && ctx.recorded.size >= 5 && ctx.defaults.has("process_cpu_seconds_total"));
  const uids = new Set<string>();
  const problems: string[] = [];
  for (const f of files) {
    const d = load(f);
    for (const p of dashboardProblems(d, ctx)) problems.push(`${f}: ${p}`);
    const uid = String(d["uid"]);
    if (uids.has(uid)) problems.push(`${f}: uid ${uid} used twice`);
    uids.add(uid);
    const panels = (d["panels"] as { type: string }[]).filter((p) => p.type !== "row");
    if (panels.length < 8) problems.push(`${f}: only ${panels.length} panels`);
  }
  assert.deepEqual(problems, []);
});

test("every rlhf_* metric the code defines is on a dashboard or read by a rule", () => {
  const catalog = metricCatalog();
  const used = new Set<string>();
  for (const f of files) for (const e of exprsOf(load(f))) for (const n of metricNames(e)) used.add(n.replace(/_(bucket|sum|count)$/, ""));
  for (const f of readdirSync(RULES).filter((x) => x.endsWith(".yml") && !x.endsWith(".test.yml"))) {
    for (const m of readFileSync(join(RULES, f), "utf8").matchAll(/\b(rlhf_[a-z0-9_]+)\b/g)) used.add(m[1]!.replace(/_(bucket|sum|count)$/, ""));
  }
  const unwatched = [...catalog.byName.keys()].filter((n) => !used.has(n)).sort();
  assert.deepEqual(unwatched, []);
});

test("every panel query is valid PromQL (compiled by promtool)", { skip: !havePromtool() && "promtool not installed" }, () => {
  const rules: { record: string; expr: string }[] = [];
  for (const f of files) {
    exprsOf(load(f)).forEach((e, i) => {
      const expr = e.replaceAll("$__rate_interval", "5m").replace(/\$\{?(\w+)\}?/g, ".*");
      rules.push({ record: `dashboard:${f.replace(/\W/g, "_")}:${i}`, expr });
    });
  }
  assert.ok(rules.length > 60, `queries: ${rules.length}`);
  const dir = mkdtempSync(join(tmpdir(), "rlhf-dash-promql-"));
  try {
    writeFileSync(join(dir, "dashboards.yml"), stringify({ groups: [{ name: "dashboards", rules }] }));
    const r = promtool(["check", "rules", "dashboards.yml"], undefined, dir);
    assert.equal(r.code, 0, r.output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the checker catches what Grafana would refuse (the check can fail)", async () => {
  const ctx = await context();
  const d = load("ingestion-health.json");
  const panels = structuredClone(d["panels"]) as Record<string, unknown>[];
  const p2 = panels[2] as { id: number; gridPos: { x: number; y: number }; targets: { expr: string }[] };
  const p1 = panels[1] as { id: number; gridPos: { x: number; y: number } };
  p2.id = p1.id;
  p2.gridPos = { ...p1.gridPos };
  p2.targets[0]!.expr = `sum(rate(rlhf_ingestion_evnts_total[$__rate_interval])) by ($missing)`;
  const broken = { ...d, panels, schemaVersion: 16, uid: "has spaces" };
  const problems = dashboardProblems(broken, ctx).join("\n");
  assert.match(problems, /duplicate id/);
  assert.match(problems, /overlap/);
  assert.match(problems, /rlhf_ingestion_evnts_total is not a metric/);
  assert.match(problems, /schemaVersion 16/);
  assert.match(problems, /uid "has spaces"/);
  assert.deepEqual(metricNames(`sum by (kind) (rate(rlhf_x_total{a="rate(b)"}[5m])) / on (kind) group_left max(rlhf_y offset 1h) > bool 0`), ["rlhf_x_total", "rlhf_y"]);
});

test("provisioning: a Prometheus datasource and a file provider for the dashboards folder", () => {
  const ds = parse(readFileSync(join(ROOT, "infra/grafana/provisioning/datasources/prometheus.yml"), "utf8")) as { apiVersion: number; datasources: { type: string; url: string; uid: string }[] };
  assert.equal(ds.apiVersion, 1);
  assert.equal(ds.datasources.length, 1);
  assert.equal(ds.datasources[0]!.type, "prometheus");
  assert.match(ds.datasources[0]!.url, /^https?:\/\//);
  const prov = parse(readFileSync(join(ROOT, "infra/grafana/provisioning/dashboards/rlhf-loop.yml"), "utf8")) as { apiVersion: number; providers: { type: string; folder: string; options: { path: string } }[] };
  assert.equal(prov.apiVersion, 1);
  assert.equal(prov.providers[0]!.type, "file");
  assert.ok(prov.providers[0]!.options.path.length > 0);
});

test("the metrics list in infra/prometheus/README.md is the one the code defines", () => {
  const readme = readFileSync(join(ROOT, "infra/prometheus/README.md"), "utf8");
  const m = /(<!-- metrics:begin[^>]*-->\n)([\s\S]*?)\n?(<!-- metrics:end -->)/.exec(readme);
  assert.ok(m, "README has the metrics:begin/end markers");
  const want = metricsMarkdown(metricCatalog());
  if (process.env["UPDATE_METRICS_DOC"] === "1" && m[2] !== want) {
    writeFileSync(join(ROOT, "infra/prometheus/README.md"), readme.replace(m[0], `${m[1]}${want}\n${m[3]}`));
    return;
  }
  assert.equal(m[2], want, "stale list: UPDATE_METRICS_DOC=1 node --import tsx --test tests/observability/dashboards.test.ts");
});
