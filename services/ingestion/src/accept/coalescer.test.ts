import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Coalescer } from "./coalescer.js";

const tick = () => new Promise((r) => setImmediate(r));

describe("Coalescer", () => {
  it("sends items submitted in one tick together, and piles up the rest while a flush runs", async () => {
    const flushes: number[][] = [];
    let release: () => void = () => undefined;
    const c = new Coalescer<number, number>(async (items) => {
      flushes.push(items);
      await new Promise<void>((r) => (release = r));
      return items.map((i) => i * 10);
    }, { maxInFlight: 1, maxBatch: 100 });
    const first = [c.submit(1), c.submit(2)];
    await tick();
    const later = [c.submit(3), c.submit(4), c.submit(5)];
    await tick();
    assert.deepEqual(flushes, [[1, 2]], "second flush waits for the first");
    release();
    assert.deepEqual(await Promise.all(first), [10, 20]);
    await tick();
    assert.deepEqual(flushes, [[1, 2], [3, 4, 5]]);
    release();
    assert.deepEqual(await Promise.all(later), [30, 40, 50]);
    await c.idle();
  });

  it("respects maxBatch and maxInFlight", async () => {
    let running = 0;
    let peak = 0;
    const sizes: number[] = [];
    const c = new Coalescer<number, number>(async (items) => {
      running++;
      peak = Math.max(peak, running);
      sizes.push(items.length);
      await tick();
      running--;
      return items;
    }, { maxInFlight: 2, maxBatch: 3 });
    const all = await Promise.all(Array.from({ length: 10 }, (_, i) => c.submit(i)));
    assert.deepEqual(all, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(sizes, [3, 3, 3, 1]);
    assert.equal(peak, 2);
  });

  it("bounds a flush by the summed weight, sending an item heavier than the bound alone", async () => {
    const sizes: number[][] = [];
    const c = new Coalescer<number, number>(async (items) => {
      sizes.push(items);
      return items;
    }, { maxInFlight: 1, maxBatch: 100, maxWeight: 10, weightOf: (n) => n });
    const all = await Promise.all([4, 4, 4, 12, 1, 9, 1].map((n) => c.submit(n)));
    assert.deepEqual(all, [4, 4, 4, 12, 1, 9, 1]);
    assert.deepEqual(sizes, [[4, 4], [4], [12], [1, 9], [1]]);
  });

  it("keeps flushing when the onFlush observer throws", async () => {
    const c = new Coalescer<number, number>(async (items) => items, {
      maxInFlight: 1,
      maxBatch: 10,
      onFlush: () => {
        throw new Error("metrics broke");
      },
    });
    assert.equal(await c.submit(1), 1);
    assert.equal(await c.submit(2), 2);
    await c.idle();
  });

  it("fails every item of a failed flush and keeps going", async () => {
    let n = 0;
    const c = new Coalescer<string, string>(async (items) => {
      if (n++ === 0) throw new Error("broker down");
      return items;
    }, { maxInFlight: 1, maxBatch: 10 });
    const a = c.submit("a");
    const b = c.submit("b");
    await assert.rejects(a, /broker down/);
    await assert.rejects(b, /broker down/);
    assert.equal(await c.submit("c"), "c");
  });
});
