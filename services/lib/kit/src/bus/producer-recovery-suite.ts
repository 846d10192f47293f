/**
 * A send that fails after the broker wrote some of its partitions must not poison the producer:
 * the next sends are stored (not taken for duplicates of what was written, not refused as out of
 * order). Real brokers only (the memory bus has no record size limit). Not a test file itself.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { randomSuffix } from "../testing/wait.js";
import type { Bus } from "./types.js";
import type { BusFixture } from "./bus-suite.js";

/** Above the broker's default message.max.bytes (1 MiB + 12): refused whatever else the request holds. */
const TOO_LARGE = 1_100_000;

const record = (key: string, bytes = 64) => ({ key, value: new Uint8Array(bytes).fill(key.charCodeAt(0)) });

async function endOffsets(bus: Bus, topic: string): Promise<Map<number, bigint>> {
  const lag = await bus.lag(`probe-${randomSuffix()}`, [topic]);
  return new Map(lag.map((p) => [p.partition, BigInt(p.endOffset)]));
}

export function runProducerRecoverySuite(name: string, makeFixture: () => Promise<BusFixture>, skip: string | false = false): void {
  describe(`producer recovery after a partly written send: ${name}`, { skip }, () => {
    let fx: BusFixture;
    const topic = `test.kit.recovery.${randomSuffix()}`;
    before(async () => {
      fx = await makeFixture();
      await fx.bus.ensureTopics([topic], { partitions: 3 });
    });
    after(async () => {
      await fx?.cleanup([topic]);
      await fx?.bus.close();
    });

    it("stores every acknowledged record after a send the broker refused on one partition only", { timeout: 60_000 }, async () => {
      // Which partition each key lands on, learned by publishing one record per key.
      const partitionOf = new Map<string, number>();
      for (let i = 0; i < 12; i++) {
        const before = await endOffsets(fx.bus, topic);
        await fx.bus.publishRaw(topic, [record(`k${i}`)]);
        const after = await endOffsets(fx.bus, topic);
        for (const [p, end] of after) if (end !== before.get(p)) partitionOf.set(`k${i}`, p);
      }
      const keyA = [...partitionOf.keys()][0]!;
      const partA = partitionOf.get(keyA)!;
      const keyB = [...partitionOf].find(([, p]) => p !== partA)?.[0];
      assert.ok(keyB, "12 keys spread over more than one partition");

      // One request: three records for A's partition (written) and one too large for B's (refused).
      await assert.rejects(fx.bus.publishRaw(topic, [record(keyA), record(keyA), record(keyA), record(keyB, TOO_LARGE)]));

      // Three new records for A's partition: as many as the partly written batch, so a producer
      // reusing its sequence numbers would see them acknowledged as duplicates and never stored.
      const before = await endOffsets(fx.bus, topic);
      await fx.bus.publishRaw(topic, [record(keyA), record(keyA), record(keyA)]);
      let after = await endOffsets(fx.bus, topic);
      assert.equal(after.get(partA)! - before.get(partA)!, 3n, "the three acknowledged records are on the partition");

      // And later sends on both partitions go through (no OUT_OF_ORDER_SEQUENCE_NUMBER loop).
      for (let i = 0; i < 3; i++) await fx.bus.publishRaw(topic, [record(keyA), record(keyB)]);
      after = await endOffsets(fx.bus, topic);
      assert.equal(after.get(partA)! - before.get(partA)!, 6n);
    });
  });
}
