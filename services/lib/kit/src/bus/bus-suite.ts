/**
 * One behavioural suite for every Bus implementation (memory, kafkajs, @platformatic/kafka):
 * round trip, commit only after success, DLQ with error headers, isolation of a poison record,
 * stop during retries leaves the batch uncommitted. Not a test file itself: *.test.ts files call it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { OutcomeReportSchema, TYPE_HEADER } from "@rlhf-loop/proto";
import { AppError } from "../errors/app-error.js";
import { randomSuffix, waitFor } from "../testing/wait.js";
import { decodeRecord } from "./decode.js";
import { DlqHeaders, type Bus, type BusRecord, type SubscribeOptions, type Subscription } from "./types.js";

export interface BusFixture {
  bus: Bus;
  /** Deletes what the suite created (topics). */
  cleanup(topics: string[]): Promise<void>;
}

const fastBackoff = { initialMs: 20, maxMs: 100 };

function report(i: number, key = `k${i}`) {
  return create(OutcomeReportSchema, { interactionId: key, idempotencyKey: `idem-${i}`, tenantId: "t1", reasonCodes: [`r${i}`] });
}

export function runBusSuite(name: string, makeFixture: () => Promise<BusFixture>, skip: string | false = false): void {
  describe(`bus behaviour: ${name}`, { skip }, () => {
    let fx: BusFixture;
    const created: string[] = [];
    const subs: Subscription[] = [];
    const timeout = 60_000;

    async function freshTopic(): Promise<string> {
      const t = `test.kit.${randomSuffix()}`;
      await fx.bus.ensureTopics([t, `${t}.dlq`], { partitions: 3 });
      created.push(t, `${t}.dlq`);
      return t;
    }
    async function sub(o: SubscribeOptions): Promise<Subscription> {
      const s = await fx.bus.subscribe(o);
      subs.push(s);
      return s;
    }
    /** Collects every record of a topic (for reading a DLQ). */
    async function collect(topic: string): Promise<BusRecord[]> {
      const out: BusRecord[] = [];
      await sub({ groupId: `reader-${randomSuffix()}`, topics: [topic], fromBeginning: true, handleBatch: async (rs) => void out.push(...rs) });
      return out;
    }

    before(async () => {
      fx = await makeFixture();
    });
    after(async () => {
      await Promise.all(subs.map((s) => s.stop()));
      await fx?.cleanup(created);
      await fx?.bus.close();
    });

    it("publishes protobuf messages with a type header and consumes them in key order", { timeout }, async () => {
      const topic = await freshTopic();
      const msgs = Array.from({ length: 30 }, (_, i) => ({ key: `k${i % 5}`, message: report(i, `k${i % 5}`), headers: { trace: `t${i}` } }));
      await fx.bus.publish(topic, OutcomeReportSchema, msgs);
      const seen: BusRecord[] = [];
      await sub({ groupId: `g-${randomSuffix()}`, topics: [topic], fromBeginning: true, handleBatch: async (rs) => void seen.push(...rs) });
      await waitFor(() => seen.length >= 30, { timeoutMs: 30_000, what: "30 records" });
      assert.equal(seen.length, 30);
      for (const r of seen) {
        assert.equal(r.headers[TYPE_HEADER], OutcomeReportSchema.typeName);
        const m = decodeRecord(r, OutcomeReportSchema);
        assert.equal(r.key, m.interactionId);
        const i = Number(m.idempotencyKey.slice(5));
        assert.equal(r.headers.trace, `t${i}`);
        assert.deepEqual(m.reasonCodes, [`r${i}`]);
        assert.ok(r.timestamp > Date.now() - 120_000);
      }
      // Same key => same partition, in publish order.
      for (let k = 0; k < 5; k++) {
        const mine = seen.filter((r) => r.key === `k${k}`);
        assert.equal(new Set(mine.map((r) => r.partition)).size, 1);
        const order = mine.map((r) => Number(decodeRecord(r, OutcomeReportSchema).idempotencyKey.slice(5)));
        assert.deepEqual(order, [...order].sort((a, b) => a - b));
      }
      await waitFor(async () => (await fx.bus.lag(subs[subs.length - 1]!.groupId, [topic])).every((p) => p.lag === 0), { what: "lag 0" });
    });

    it("retries a failing handler and commits only after it succeeded", { timeout }, async () => {
      const topic = await freshTopic();
      await fx.bus.publish(topic, OutcomeReportSchema, Array.from({ length: 5 }, (_, i) => ({ key: "same", message: report(i, "same") })));
      const groupId = `g-${randomSuffix()}`;
      const deliveries = new Map<string, number>();
      const committedDuringFailure: string[] = [];
      await sub({
        groupId,
        topics: [topic],
        fromBeginning: true,
        maxAttempts: 5,
        backoff: fastBackoff,
        handleBatch: async (rs, ctx) => {
          for (const r of rs) deliveries.set(r.offset, (deliveries.get(r.offset) ?? 0) + 1);
          if (ctx.attempt < 3) {
            const lag = await fx.bus.lag(groupId, [topic]);
            committedDuringFailure.push(...lag.filter((p) => p.lag > 0).map((p) => p.committedOffset));
            throw new Error("transient failure");
          }
        },
      });
      await waitFor(async () => (await fx.bus.lag(groupId, [topic])).every((p) => p.lag === 0), { timeoutMs: 30_000, what: "all committed" });
      assert.equal(deliveries.size, 5);
      for (const [offset, n] of deliveries) assert.ok(n >= 3, `offset ${offset} delivered ${n} times, expected >= 3`);
      // While the handler was failing, the group had committed nothing on that partition.
      assert.ok(committedDuringFailure.length >= 2);
      for (const c of committedDuringFailure) assert.ok(c === "-1" || c === "0", `committed ${c} during failure`);
      const lag = await fx.bus.lag(groupId, [topic]);
      assert.equal(lag.reduce((s, p) => s + Math.max(0, Number(p.committedOffset)), 0), 5);
    });

    it("sends an undecodable record to the DLQ at once, with the original bytes, headers and the error", { timeout }, async () => {
      const topic = await freshTopic();
      const good = toBinary(OutcomeReportSchema, report(1, "a"));
      const bad = new Uint8Array([0x0a, 0xff, 0xff, 0xff]); // field 1, length far past the end
      await fx.bus.publishRaw(topic, [
        { key: "a", value: good, headers: { [TYPE_HEADER]: OutcomeReportSchema.typeName } },
        { key: "a", value: bad, headers: { [TYPE_HEADER]: OutcomeReportSchema.typeName, origin: "test" } },
        { key: "a", value: good, headers: { [TYPE_HEADER]: OutcomeReportSchema.typeName } },
      ]);
      const groupId = `g-${randomSuffix()}`;
      const handled: string[] = [];
      let calls = 0;
      await sub({
        groupId,
        topics: [topic],
        fromBeginning: true,
        maxAttempts: 4,
        backoff: fastBackoff,
        handleBatch: async (rs) => {
          calls++;
          const decoded = rs.map((r) => decodeRecord(r, OutcomeReportSchema));
          handled.push(...rs.map((r, i) => `${r.offset}:${decoded[i]?.interactionId}`));
        },
      });
      const dlq = await collect(`${topic}.dlq`);
      await waitFor(() => dlq.length >= 1, { timeoutMs: 30_000, what: "a DLQ record" });
      await waitFor(async () => (await fx.bus.lag(groupId, [topic])).every((p) => p.lag === 0), { what: "all committed" });
      assert.equal(dlq.length, 1);
      const d = dlq[0]!;
      assert.deepEqual([...d.value], [...bad]);
      assert.equal(d.key, "a");
      assert.equal(d.headers.origin, "test");
      assert.equal(d.headers[TYPE_HEADER], OutcomeReportSchema.typeName);
      assert.equal(d.headers[DlqHeaders.originalTopic], topic);
      assert.equal(d.headers[DlqHeaders.originalOffset], "1");
      assert.match(d.headers[DlqHeaders.originalPartition] ?? "", /^\d$/);
      assert.equal(d.headers[DlqHeaders.consumerGroup], groupId);
      assert.equal(d.headers[DlqHeaders.retriable], "false");
      assert.equal(d.headers[DlqHeaders.errorClass], "AppError:invalid_argument");
      assert.match(d.headers[DlqHeaders.errorMessage] ?? "", /cannot decode rlhf\.v1\.OutcomeReport/);
      // Non-retriable: one try in the batch and one alone, never the 4 attempts a transient error gets.
      assert.equal(d.headers[DlqHeaders.attempts], "2");
      // The good records around it were handled (offsets 0 and 2), the bad one never was.
      assert.ok(handled.includes("0:a") && handled.includes("2:a"), `handled ${handled.join(",")}`);
      assert.ok(!handled.some((h) => h.startsWith("1:")));
      assert.ok(calls <= 4, `handler called ${calls} times`);
    });

    it("isolates a record that keeps failing and dead-letters only it after bounded retries", { timeout }, async () => {
      const topic = await freshTopic();
      await fx.bus.publish(topic, OutcomeReportSchema, [0, 1, 2, 3].map((i) => ({ key: "p", message: report(i, i === 2 ? "poison" : "p") })));
      const groupId = `g-${randomSuffix()}`;
      const okOnce = new Map<string, number>();
      let poisonTries = 0;
      await sub({
        groupId,
        topics: [topic],
        fromBeginning: true,
        maxAttempts: 3,
        backoff: fastBackoff,
        handleBatch: async (rs) => {
          const ms = rs.map((r) => decodeRecord(r, OutcomeReportSchema));
          if (ms.some((m) => m.interactionId === "poison")) {
            poisonTries++;
            throw new AppError("unavailable", "downstream keeps failing");
          }
          for (const m of ms) okOnce.set(m.idempotencyKey, (okOnce.get(m.idempotencyKey) ?? 0) + 1);
        },
      });
      const dlq = await collect(`${topic}.dlq`);
      await waitFor(() => dlq.length >= 1, { timeoutMs: 30_000, what: "a DLQ record" });
      await waitFor(async () => (await fx.bus.lag(groupId, [topic])).every((p) => p.lag === 0), { what: "all committed" });
      assert.equal(dlq.length, 1);
      const d = dlq[0]!;
      assert.equal(decodeRecord(d, OutcomeReportSchema).interactionId, "poison");
      assert.equal(d.headers[DlqHeaders.retriable], "true");
      assert.equal(d.headers[DlqHeaders.errorClass], "AppError:unavailable");
      assert.equal(d.headers[DlqHeaders.errorMessage], "downstream keeps failing");
      const attempts = Number(d.headers[DlqHeaders.attempts]);
      assert.ok(attempts >= 3 && attempts <= 6, `attempts ${attempts}`);
      assert.ok(poisonTries <= 6, `poison tried ${poisonTries} times (bound is 2 x maxAttempts)`);
      for (const k of ["idem-0", "idem-1", "idem-3"]) assert.ok((okOnce.get(k) ?? 0) >= 1, `${k} handled`);
    });

    it("leaves a batch uncommitted when stopped during retries; the next member of the group gets it", { timeout }, async () => {
      const topic = await freshTopic();
      await fx.bus.publish(topic, OutcomeReportSchema, [0, 1, 2].map((i) => ({ key: "s", message: report(i, "s") })));
      const groupId = `g-${randomSuffix()}`;
      let tries = 0;
      const first = await sub({
        groupId,
        topics: [topic],
        fromBeginning: true,
        maxAttempts: 1_000,
        backoff: { initialMs: 50, maxMs: 50 },
        handleBatch: async () => {
          tries++;
          throw new Error("down");
        },
      });
      await waitFor(() => tries >= 2, { timeoutMs: 30_000, what: "two failed tries" });
      const t0 = Date.now();
      await first.stop();
      assert.ok(Date.now() - t0 < 15_000, "stop is prompt during retry waits");
      const lag = await fx.bus.lag(groupId, [topic]);
      assert.equal(lag.reduce((s, p) => s + p.lag, 0), 3, "nothing committed");
      const got: string[] = [];
      await sub({ groupId, topics: [topic], fromBeginning: true, handleBatch: async (rs) => void got.push(...rs.map((r) => r.offset)) });
      await waitFor(() => got.length >= 3, { timeoutMs: 40_000, what: "redelivery to the next member" });
      assert.deepEqual([...new Set(got)].sort(), ["0", "1", "2"]);
    });

    it("stop() lets the in-flight batch finish and commits it", { timeout }, async () => {
      const topic = await freshTopic();
      await fx.bus.publish(topic, OutcomeReportSchema, [0, 1].map((i) => ({ key: "f", message: report(i, "f") })));
      const groupId = `g-${randomSuffix()}`;
      let started = false;
      let finished = false;
      const s = await sub({
        groupId,
        topics: [topic],
        fromBeginning: true,
        handleBatch: async () => {
          started = true;
          await new Promise((r) => setTimeout(r, 500));
          finished = true;
        },
      });
      await waitFor(() => started, { timeoutMs: 30_000, what: "handler start" });
      await s.stop();
      assert.equal(finished, true, "stop waited for the handler");
      const lag = await fx.bus.lag(groupId, [topic]);
      assert.equal(lag.reduce((x, p) => x + p.lag, 0), 0, "the finished batch was committed");
    });

    it("reports health", async () => {
      assert.equal((await fx.bus.health()).ok, true);
    });
  });
}
