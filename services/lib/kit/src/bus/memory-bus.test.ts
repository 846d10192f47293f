import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { OutcomeReportSchema } from "@rlhf-loop/proto";
import { waitFor } from "../testing/wait.js";
import { runBusSuite } from "./bus-suite.js";
import { createMemoryBus } from "./memory-bus.js";
import type { BusRecord } from "./types.js";

runBusSuite("memory", async () => ({ bus: createMemoryBus(), cleanup: async () => {} }));

describe("memory bus specifics", () => {
  it("shares partitions between members of a group and hands them over when one leaves", async () => {
    const bus = createMemoryBus();
    await bus.ensureTopics(["t", "t.dlq"], { partitions: 4 });
    const a: BusRecord[] = [];
    const b: BusRecord[] = [];
    const sa = await bus.subscribe({ groupId: "g", topics: ["t"], handleBatch: async (rs) => void a.push(...rs) });
    const sb = await bus.subscribe({ groupId: "g", topics: ["t"], handleBatch: async (rs) => void b.push(...rs) });
    const msgs = Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, message: create(OutcomeReportSchema, { interactionId: `k${i}` }) }));
    await bus.publish("t", OutcomeReportSchema, msgs);
    await waitFor(() => a.length + b.length === 40, { what: "40 records" });
    assert.ok(a.length > 0 && b.length > 0, "both members got partitions");
    const pa = new Set(a.map((r) => r.partition));
    for (const r of b) assert.ok(!pa.has(r.partition), "a partition has one owner");
    await sb.stop();
    const [aBefore, bBefore] = [a.length, b.length];
    await bus.publish("t", OutcomeReportSchema, msgs);
    await waitFor(() => a.length === aBefore + 40, { what: "the remaining member takes every partition" });
    assert.equal(b.length, bBefore);
    await sa.stop();
    await bus.close();
  });

  it("refuses unknown topics unless auto-creation is on", async () => {
    const bus = createMemoryBus();
    await assert.rejects(bus.publishRaw("nope", [{ key: null, value: new Uint8Array([1]) }]), /unknown topic/);
    const auto = createMemoryBus({ autoCreateTopics: true });
    await auto.publishRaw("yes", [{ key: null, value: new Uint8Array([1]) }]);
    assert.equal((await auto.lag("g", ["yes"])).reduce((s, p) => s + p.lag, 0), 1);
  });

  it("stores a copy of the published bytes", async () => {
    const bus = createMemoryBus({ autoCreateTopics: true });
    const v = new Uint8Array([1, 2, 3]);
    await bus.publishRaw("c", [{ key: "x", value: v }]);
    v[0] = 9;
    const got: BusRecord[] = [];
    const s = await bus.subscribe({ groupId: "g", topics: ["c"], fromBeginning: true, handleBatch: async (rs) => void got.push(...rs) });
    await waitFor(() => got.length === 1);
    assert.deepEqual([...got[0]!.value], [1, 2, 3]);
    await s.stop();
  });
});
