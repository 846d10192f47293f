import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ProducerSlots } from "./producer-slots.js";

/** Producers are numbers; the log says what was opened and closed. */
function slotsWithLog(openFailures = 0) {
  const log: string[] = [];
  let next = 1;
  let failures = openFailures;
  const slots = new ProducerSlots<number>({
    open: async () => {
      if (failures-- > 0) throw new Error("broker unreachable");
      log.push(`open ${next}`);
      return next++;
    },
    close: async (p) => {
      log.push(`close ${p}`);
    },
    onCloseError: () => undefined,
  });
  return { slots, log };
}

const deferred = () => {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
};

describe("ProducerSlots", () => {
  it("reuses one producer while its sends succeed, and opens it once for concurrent first sends", async () => {
    const { slots, log } = slotsWithLog();
    const used = await Promise.all([1, 2, 3].map(() => slots.send(async (p) => p)));
    assert.deepEqual(used, [1, 1, 1]);
    assert.deepEqual(await slots.send(async (p) => p), 1);
    assert.deepEqual(log, ["open 1"]);
  });

  it("never sends again on a producer whose send failed: the next send opens a new one", async () => {
    const { slots, log } = slotsWithLog();
    await assert.rejects(slots.send(async () => Promise.reject(new Error("partly written"))), /partly written/);
    assert.equal(await slots.send(async (p) => p), 2);
    await Promise.resolve();
    assert.deepEqual(log, ["open 1", "close 1", "open 2"]);
  });

  it("closes a retired producer only once its other in-flight sends end", async () => {
    const { slots, log } = slotsWithLog();
    const slow = deferred();
    const inFlight = slots.send(async (p) => {
      await slow.promise;
      return p;
    });
    await assert.rejects(slots.send(async () => Promise.reject(new Error("refused"))));
    assert.deepEqual(log, ["open 1"], "still sending on producer 1");
    assert.equal(slots.open, 1);
    slow.resolve();
    assert.equal(await inFlight, 1);
    assert.deepEqual(log, ["open 1", "close 1"]);
    assert.equal(slots.open, 0);
  });

  it("a producer that could not be opened is tried again on the next send", async () => {
    const { slots, log } = slotsWithLog(1);
    await assert.rejects(slots.send(async (p) => p), /broker unreachable/);
    assert.equal(await slots.send(async (p) => p), 1);
    assert.deepEqual(log, ["open 1"]);
  });

  it("closeAll closes the current and the draining producers", async () => {
    const { slots, log } = slotsWithLog();
    const slow = deferred();
    const inFlight = slots.send(async () => slow.promise);
    await assert.rejects(slots.send(async () => Promise.reject(new Error("refused"))));
    await slots.send(async (p) => p);
    await slots.closeAll();
    assert.deepEqual(log.sort(), ["close 1", "close 2", "open 1", "open 2"]);
    slow.resolve();
    await inFlight;
    assert.equal(log.filter((l) => l === "close 1").length, 1, "not closed twice");
  });
});
