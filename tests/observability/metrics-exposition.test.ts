/**
 * Issue 9, metric conventions: the five services run in-process on real Kafka and Postgres (as
 * `make up` runs them, each with its own registry), a simulated day flows through ingestion, and
 * every /metrics answer is checked by `promtool check metrics` (counters end in _total, base
 * units, no abbreviated units, help text...) and by the rules promtool does not know: only rlhf_*
 * and the default process series, every rlhf_* series defined in the code with the same type,
 * the service label on every sample, and bounded labels (no ids, prompts or keys as label names,
 * and none of the ids the simulated product sent appear in any label value).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createWorld, defaultWorldConfig, streamWorld } from "@rlhf-loop/sim";
import { readStackEnv } from "../support/stack-env.js";
import { scrape, startCluster, type Cluster } from "./cluster.js";
import { labelProblems, lintExposition, namingProblems, UPSTREAM_LINT } from "./conventions.js";
import { havePromtool, parseExposition, type Family } from "./exposition.js";
import { metricCatalog } from "./metric-catalog.js";

const env = readStackEnv();
const skip = !env ? "needs KAFKA_BROKERS and DATABASE_URL (bash infra/stack.sh up)" : !havePromtool() ? "promtool not found (apt-get install prometheus; or set PROMTOOL)" : false;

let cluster: Cluster | undefined;
/** Every id and key the simulated product sent, to look for in label values. */
const sentIds = new Set<string>();
const bodies = new Map<string, Map<string, Family>>();
const texts = new Map<string, string>();

before(async () => {
  if (skip) return;
  cluster = await startCluster(env!);
  const config = defaultWorldConfig();
  const world = createWorld({ ...config, traffic: { ...config.traffic, interactionsPerDay: 150 } }, 5);
  sentIds.add(cluster.apiKey);
  const result = await streamWorld(world, {
    days: 1, tail: true, ratePerSec: 3_000, target: cluster.ingestUrl, apiKey: cluster.apiKey, maxDurationMs: 60_000,
    onEvent: (e) => {
      sentIds.add(e.idempotencyKey);
      const ev = e.event.event;
      if (ev.case === "interaction") {
        sentIds.add(ev.value.interactionId);
        sentIds.add(ev.value.conversationId);
        for (const v of Object.values(ev.value.metadata)) if (v.length >= 6) sentIds.add(v);
      } else if (ev.case === "feedback") {
        sentIds.add(ev.value.interactionId);
        if (ev.value.raterId) sentIds.add(ev.value.raterId);
      } else if (ev.case === "outcome") {
        sentIds.add(ev.value.interactionId);
      }
    },
  });
  assert.equal(result.dropped, 0, `stream errors: ${JSON.stringify(result)}`);
  // Refusals too, so the error paths' series carry their labels: a bad key and a wrong tenant.
  await fetch(`${cluster.ingestUrl}/v1/interactions`, { method: "POST", headers: { authorization: "Bearer rlhf_nobody_secret", "content-type": "application/json" }, body: "{}" });
  await fetch(`${cluster.ingestUrl}/v1/feedback`, {
    method: "POST", headers: { authorization: `Bearer ${cluster.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ tenantId: "someone-else", interactionId: "x1", thumb: { direction: "THUMB_DIRECTION_UP" }, source: "FEEDBACK_SOURCE_END_USER" }),
  });
  // Until the consumers have caught up far enough that their labeled series exist (bounded).
  const deadline = Date.now() + 60_000;
  for (;;) {
    for (const t of cluster.targets) {
      const { text } = await scrape(t.address);
      texts.set(t.service, text);
      bodies.set(t.service, parseExposition(text));
    }
    const has = (svc: string, fam: string) => (bodies.get(svc)?.get(fam)?.samples.length ?? 0) > 0;
    if ((has("ingestion", "rlhf_ingestion_persisted_total") && has("labeling", "rlhf_labeling_feedback_total") && has("canary", "rlhf_canary_traffic_held_out_total") && has("rl-trainer", "rlhf_bus_consumed_total")) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
});

after(async () => {
  await cluster?.close();
});

test("every service's /metrics passes promtool check metrics", { skip, timeout: 60_000 }, () => {
  assert.equal(texts.size, 5);
  const problems: string[] = [];
  const tolerated = new Set<string>();
  for (const [service, text] of texts) {
    const r = lintExposition(text);
    for (const p of r.problems) problems.push(`${service}: ${p}`);
    for (const t of r.tolerated) tolerated.add(t);
  }
  assert.deepEqual(problems, []);
  // The upstream allowance must stay exact: once kit drops those gauges, trim UPSTREAM_LINT.
  assert.deepEqual([...tolerated].sort(), [...UPSTREAM_LINT].sort(), "UPSTREAM_LINT lists findings promtool no longer reports");
});

test("traffic reached every service, so labeled series were checked too", { skip }, () => {
  const count = (svc: string, fam: string) => bodies.get(svc)?.get(fam)?.samples.length ?? 0;
  assert.ok(count("ingestion", "rlhf_ingestion_events_total") > 0, "ingestion answered events");
  assert.ok(count("ingestion", "rlhf_ingestion_persisted_total") > 0, "ingestion persisted");
  assert.ok(count("ingestion", "rlhf_ingestion_rejected_events_total") > 0, "a refusal was counted");
  assert.ok(count("labeling", "rlhf_labeling_feedback_total") > 0, "labeling consumed feedback");
  assert.ok(count("canary", "rlhf_canary_traffic_held_out_total") > 0, "canary stored held-out traffic");
  assert.ok(count("rl-trainer", "rlhf_bus_consumed_total") > 0, "rl-trainer consumed logged answers");
  assert.ok(sentIds.size > 300, `ids sent: ${sentIds.size}`);
});

test("only rlhf_* and default process series; each rlhf_* family is defined in the code with its type", { skip }, () => {
  const catalog = metricCatalog();
  assert.deepEqual(catalog.unreadable, [], "metric registrations the catalog could not read");
  const problems = [...bodies].flatMap(([service, families]) => namingProblems(service, families, catalog));
  assert.deepEqual(problems, []);
});

test("every sample carries its service label; labels are bounded (no ids, prompts or keys)", { skip }, () => {
  const catalog = metricCatalog();
  const samples = [...bodies.values()].reduce((n, fams) => n + [...fams.values()].reduce((m, f: Family) => m + f.samples.length, 0), 0);
  assert.ok(samples > 500, `samples checked: ${samples}`);
  const problems = [...bodies].flatMap(([service, families]) => labelProblems(service, families, catalog, sentIds));
  assert.deepEqual(problems, []);
});

test("each service exposes the series its code registers at start", { skip }, () => {
  const catalog = metricCatalog();
  const missing: string[] = [];
  for (const d of catalog.defs) {
    if (d.owner === "kit" || d.owner === "sim" || d.owner === "ml" || d.owner === "client") continue;
    if (!bodies.get(d.owner)?.has(d.name)) missing.push(`${d.owner}: ${d.name} (${d.file})`);
  }
  assert.deepEqual(missing, []);
  // kit's series: HTTP on every service, the bus counters wherever a bus has a registry.
  for (const [service, families] of bodies) {
    for (const name of ["rlhf_http_requests_total", "rlhf_http_request_duration_seconds", "rlhf_bus_published_total", "rlhf_bus_consumed_total", "rlhf_bus_dead_lettered_total"]) {
      assert.ok(families.has(name), `${service} exposes ${name}`);
    }
  }
});
