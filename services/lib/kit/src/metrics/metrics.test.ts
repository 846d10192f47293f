import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { register as globalRegistry } from "prom-client";
import { createMetrics } from "./metrics.js";

describe("createMetrics", () => {
  it("uses its own registry with default process metrics and the service label", async () => {
    const m = createMetrics({ service: "ingestion" });
    const c = m.counter({ name: "rlhf_events_total", help: "events", labelNames: ["kind"] as const });
    c.inc({ kind: "thumb" }, 3);
    const text = await m.render();
    assert.match(text, /process_cpu_user_seconds_total/);
    assert.match(text, /nodejs_eventloop_lag_seconds/);
    assert.match(text, /rlhf_events_total\{kind="thumb",service="ingestion"\} 3/);
    assert.equal(globalRegistry.getSingleMetric("rlhf_events_total"), undefined, "global registry untouched");
    // Two processes' worth of metrics objects do not clash.
    const other = createMetrics({ service: "labeling", defaultMetrics: false });
    other.counter({ name: "rlhf_events_total", help: "events" }).inc();
    assert.doesNotMatch(await other.render(), /process_cpu/);
  });

  it("returns the existing metric for a repeated name and rejects names outside rlhf_", async () => {
    const m = createMetrics({ service: "s", defaultMetrics: false });
    const a = m.histogram({ name: "rlhf_latency_seconds", help: "h", labelNames: ["route"] as const });
    const b = m.histogram({ name: "rlhf_latency_seconds", help: "h", labelNames: ["route"] as const });
    assert.equal(a, b);
    a.observe({ route: "/x" }, 0.003);
    assert.match(await m.render(), /rlhf_latency_seconds_bucket\{le="0.005",service="s",route="\/x"\} 1/);
    assert.throws(() => m.counter({ name: "events_total", help: "x" }), /rlhf_/);
  });

  it("collects gauges on scrape", async () => {
    const m = createMetrics({ service: "s", defaultMetrics: false });
    let n = 0;
    m.gauge({ name: "rlhf_parked", help: "parked", collect: (g) => g.set(++n) });
    assert.match(await m.render(), /rlhf_parked\{service="s"\} 1/);
    assert.match(await m.render(), /rlhf_parked\{service="s"\} 2/);
  });
});
