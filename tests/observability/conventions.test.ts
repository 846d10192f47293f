/**
 * The convention checks themselves, on hand-written expositions (no services): each kind of
 * violation is reported, and a clean exposition passes. Guards metrics-exposition.test.ts
 * against checks that could never fail.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { labelProblems, lintExposition, namingProblems, UPSTREAM_LINT } from "./conventions.js";
import { havePromtool, parseExposition } from "./exposition.js";
import { metricCatalog, type Catalog } from "./metric-catalog.js";

const catalog: Catalog = metricCatalog();

const clean = [
  "# HELP rlhf_ingestion_events_total Events answered",
  "# TYPE rlhf_ingestion_events_total counter",
  'rlhf_ingestion_events_total{service="ingestion",kind="interaction",feedback_kind="",source="",result="accepted"} 3',
  "# HELP rlhf_ingestion_persist_lag_seconds Lag",
  "# TYPE rlhf_ingestion_persist_lag_seconds histogram",
  'rlhf_ingestion_persist_lag_seconds_bucket{le="0.1",service="ingestion",kind="feedback"} 1',
  'rlhf_ingestion_persist_lag_seconds_bucket{le="+Inf",service="ingestion",kind="feedback"} 1',
  'rlhf_ingestion_persist_lag_seconds_sum{service="ingestion",kind="feedback"} 0.05',
  'rlhf_ingestion_persist_lag_seconds_count{service="ingestion",kind="feedback"} 1',
  "",
].join("\n");

test("the catalog reads every metric registration in the code", () => {
  assert.deepEqual(catalog.unreadable, []);
  assert.ok(catalog.byName.size >= 80, `metrics found: ${catalog.byName.size}`);
  const h = catalog.byName.get("rlhf_http_request_duration_seconds");
  assert.deepEqual(h && { type: h.type, labels: h.labels, owner: h.owner }, { type: "histogram", labels: ["method", "route", "status"], owner: "kit" });
  assert.equal(catalog.byName.get("rlhf_labeling_collection_paused")?.file, "services/labeling/src/service.ts");
});

test("the parser puts histogram series in their family and unescapes label values", () => {
  const fams = parseExposition(`${clean}# HELP rlhf_bus_published_total p\n# TYPE rlhf_bus_published_total counter\nrlhf_bus_published_total{service="s",topic="a\\"b"} 1\n`);
  assert.equal(fams.get("rlhf_ingestion_persist_lag_seconds")?.samples.length, 4);
  assert.equal(fams.get("rlhf_bus_published_total")?.samples[0]?.labels["topic"], 'a"b');
});

test("a clean exposition has no problems", () => {
  const fams = parseExposition(clean);
  assert.deepEqual(namingProblems("ingestion", fams, catalog), []);
  assert.deepEqual(labelProblems("ingestion", fams, catalog, new Set(["ix-1"])), []);
});

test("naming: missing prefix, unknown metric, wrong type, _total on a gauge, non-base units", () => {
  const text = [
    "# HELP events_total e", "# TYPE events_total counter", 'events_total{service="s"} 1',
    "# HELP rlhf_not_in_code_total x", "# TYPE rlhf_not_in_code_total counter", 'rlhf_not_in_code_total{service="s"} 1',
    "# HELP rlhf_rl_kl x", "# TYPE rlhf_rl_kl counter", 'rlhf_rl_kl{service="s"} 1',
    "# HELP rlhf_queue_total x", "# TYPE rlhf_queue_total gauge", 'rlhf_queue_total{service="s"} 1',
    "# HELP rlhf_latency_ms x", "# TYPE rlhf_latency_ms gauge", 'rlhf_latency_ms{service="s"} 1',
    "",
  ].join("\n");
  const p = namingProblems("s", parseExposition(text), catalog).join("\n");
  assert.match(p, /events_total lacks the rlhf_ prefix/);
  assert.match(p, /rlhf_not_in_code_total is not defined/);
  assert.match(p, /rlhf_rl_kl is a counter, the code says gauge/);
  assert.match(p, /counter rlhf_rl_kl does not end in _total/);
  assert.match(p, /gauge rlhf_queue_total ends in _total/);
  assert.match(p, /rlhf_latency_ms is not in base units/);
});

test("labels: wrong service, forbidden names, undeclared labels, ids sent by the client, long values, too many series", () => {
  const long = "x".repeat(120);
  const text = [
    "# HELP rlhf_labeling_judgments_total j", "# TYPE rlhf_labeling_judgments_total counter",
    'rlhf_labeling_judgments_total{service="other",result="accepted"} 1',
    'rlhf_labeling_judgments_total{service="labeling",result="accepted",rater_id="r1"} 1',
    'rlhf_labeling_judgments_total{service="labeling",result="ix-42"} 1',
    `rlhf_labeling_judgments_total{service="labeling",result="${long}"} 1`,
    "",
  ].join("\n");
  const p = labelProblems("labeling", parseExposition(text), catalog, new Set(["ix-42"]), 3).join("\n");
  assert.match(p, /has service=other/);
  assert.match(p, /has label rater_id$/m);
  assert.match(p, /has label rater_id, not declared in services\/labeling\/src\/metrics.ts/);
  assert.match(p, /result="ix-42"\} carries an id the client sent/);
  assert.match(p, /value is 120 chars/);
  assert.match(p, /rlhf_labeling_judgments_total has 4 series/);
});

test("promtool's lint is read, and only the listed upstream findings are tolerated", { skip: !havePromtool() && "promtool not installed" }, () => {
  const ok = lintExposition(clean);
  assert.deepEqual(ok, { code: 0, problems: [], tolerated: [] });
  const bad = lintExposition([
    "# HELP rlhf_requests r", "# TYPE rlhf_requests counter", 'rlhf_requests{service="s"} 1',
    "# HELP nodejs_active_handles_total h", "# TYPE nodejs_active_handles_total gauge", "nodejs_active_handles_total 2",
    "",
  ].join("\n"));
  assert.equal(bad.code, 3);
  assert.deepEqual(bad.problems, ['rlhf_requests counter metrics should have "_total" suffix']);
  assert.deepEqual(bad.tolerated, [UPSTREAM_LINT[0]]);
  const broken = lintExposition("this is not an exposition\n");
  assert.ok(broken.problems.length > 0, "a parse error is a problem");
});
