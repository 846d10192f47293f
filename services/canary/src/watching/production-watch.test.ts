// The production watch keeps its gauges off the consume path: a consumer batch returns once its
// events are folded, and a timer refreshes the gauges of the tenants folded into, from the latest
// GAUGE_WEEKS weeks only. An in-memory store stands in for Postgres (the fold's claim semantics are
// tested on Postgres in tests/canary/service.test.ts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { createLogger, createMetrics } from "@rlhf-loop/kit";
import { ChatMessageSchema, InteractionSchema, Role, type Interaction } from "@rlhf-loop/proto";
import { canaryMetrics } from "../metrics.js";
import { detectDrift, type WeekAggregate } from "../watch/index.js";
import { GAUGE_WEEKS, ProductionWatch, type WatchStore } from "./production-watch.js";

const WEEK_MS = 7 * 86_400_000;
/** A Monday, 09:00 UTC. */
const MONDAY = Date.parse("2025-01-06T09:00:00Z");

function ix(id: string, at: number, user: string, intent: string, text: string): Interaction {
  return create(InteractionSchema, {
    interactionId: id, tenantId: "t1", conversationId: `c-${id}`, answer: "ok", segment: "smb", occurredAt: timestampFromMs(at), metadata: { user_id: user, intent },
    prompt: [create(ChatMessageSchema, { role: Role.USER, content: text })],
  });
}

/**
 * Six weeks of questions. Weeks 0-3: ten each; week 4: 200, mostly refunds; week 5: 200, mostly
 * shipping (the intent mix moves), with one user asking the same question 4 times within an hour
 * (3 repeats of 200 questions). Drift compares weeks of at least 200 questions.
 */
function sixWeeks(): Interaction[] {
  const out: Interaction[] = [];
  for (let w = 0; w < 5; w++) {
    const n = w < 4 ? 10 : 200;
    for (let q = 0; q < n; q++) out.push(ix(`w${w}-q${q}`, MONDAY + w * WEEK_MS + q * 60_000, `u${w}-${q}`, q % 5 === 0 ? "shipping" : "refund", `question ${q} of week ${w} about order ${w * 1000 + q}`));
  }
  for (let q = 0; q < 196; q++) out.push(ix(`w5-q${q}`, MONDAY + 5 * WEEK_MS + q * 60_000, `u5-${q}`, q % 5 === 0 ? "refund" : "shipping", `question ${q} of week 5 about order ${5000 + q}`));
  for (let q = 0; q < 4; q++) out.push(ix(`w5-r${q}`, MONDAY + 5 * WEEK_MS + q * 600_000, "same-user", "shipping", "where is my parcel it has not arrived"));
  return out;
}

/** Weeks and claims in memory; `weeks` can be held closed to show nobody on the consume path waits for it. */
class MemoryWatchStore implements WatchStore {
  readonly stored = new Map<string, unknown>();
  readonly claimed = new Set<string>();
  readonly weekReads: { tenantId: string; limit: number | undefined }[] = [];
  gate: Promise<void> = Promise.resolve();
  failNext = 0;

  async foldWeeks<T>(keys: readonly string[], build: (fresh: ReadonlySet<string>) => { tenantId: string; weekStart: string; partial: T }[], merge: (stored: T, partial: T) => T): Promise<void> {
    const fresh = new Set(keys.filter((k) => !this.claimed.has(k)));
    for (const k of fresh) this.claimed.add(k);
    for (const p of build(fresh)) {
      const key = `${p.tenantId}/${p.weekStart}`;
      const before = this.stored.get(key) as T | undefined;
      // Stored as JSON, as Postgres does.
      this.stored.set(key, JSON.parse(JSON.stringify(before === undefined ? p.partial : merge(before, p.partial))) as unknown);
    }
  }

  async weeks<T>(tenantId: string, opts: { limit?: number } = {}): Promise<{ weekStart: string; aggregate: T }[]> {
    this.weekReads.push({ tenantId, limit: opts.limit });
    await this.gate;
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error("connection terminated");
    }
    const all = [...this.stored.entries()].filter(([k]) => k.startsWith(`${tenantId}/`)).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => ({ weekStart: k.split("/")[1]!, aggregate: v as T }));
    return opts.limit === undefined ? all : all.slice(-opts.limit);
  }

  async tracking<T>(): Promise<T[]> {
    return [];
  }
}

function setup(refreshMs: number) {
  const registry = createMetrics({ service: "watch-test", defaultMetrics: false });
  const store = new MemoryWatchStore();
  const watch = new ProductionWatch(store, canaryMetrics(registry), createLogger({ service: "watch-test", level: "silent" }), { refreshMs });
  const gauge = async (name: string, labels: string): Promise<number | undefined> => {
    const line = (await registry.render()).split("\n").find((l) => l.startsWith(`${name}{`) && l.includes(labels));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
  };
  return { store, watch, gauge };
}

async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 3_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("production watch gauges", () => {
  it("a consumer batch returns without reading weeks back; the timer refreshes the gauges from the latest weeks", async () => {
    const { store, watch, gauge } = setup(20);
    let open!: () => void;
    store.gate = new Promise<void>((r) => (open = r));
    watch.start();
    try {
      // Bounded: a fold that waited on the (held) read of the weeks would never return.
      const folded = await Promise.race([watch.sink.interactions(sixWeeks()).then(() => "folded"), new Promise((r) => setTimeout(() => r("blocked"), 1_000))]);
      assert.equal(folded, "folded", "the consumer's batch waited on the gauge refresh");
      assert.equal(store.stored.size, 6, "six weeks stored");
      assert.equal(await gauge("rlhf_canary_week_rate", 'kind="repeat_question"'), undefined, "no gauge before the refresh");
      await until("a refresh under way", async () => (store.weekReads.length > 0 ? true : undefined));
      open();
      // Week 5: one user asks the same question 4 times within an hour: 3 repeats of 200 questions.
      const repeat = await until("the repeat-question gauge", () => gauge("rlhf_canary_week_rate", 'tenant="t1",kind="repeat_question"'));
      assert.equal(repeat, 3 / 200);
      const all = (await store.weeks<WeekAggregate>("t1")).map((w) => w.aggregate);
      const psi = await gauge("rlhf_canary_intent_psi", 'tenant="t1"');
      assert.equal(psi, detectDrift(all[4]!, all[5]!).psi, "drift of the latest week against the one before");
      assert.ok(psi !== undefined && psi > 0.2, `the intent mix moved: PSI ${psi}`);
      const reads = store.weekReads.slice(0, -1);
      assert.ok(reads.length >= 1 && reads.every((r) => r.tenantId === "t1" && r.limit === GAUGE_WEEKS), `the refresh reads only the latest ${GAUGE_WEEKS} weeks: ${JSON.stringify(reads)}`);
      // Nothing folded since: the next ticks read nothing.
      const n = store.weekReads.length;
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(store.weekReads.length, n, "a clean tenant is not read again");
    } finally {
      open();
      await watch.stop();
    }
  });

  it("a failed refresh is tried again at the next tick; stop() ends the timer", async () => {
    const { store, watch, gauge } = setup(20);
    store.failNext = 1;
    watch.start();
    try {
      await watch.sink.interactions(sixWeeks());
      const repeat = await until("the gauge after a failed refresh", () => gauge("rlhf_canary_week_rate", 'tenant="t1",kind="repeat_question"'));
      assert.equal(repeat, 3 / 200);
      assert.ok(store.weekReads.length >= 2, "read again after the failure");
    } finally {
      await watch.stop();
    }
    const n = store.weekReads.length;
    await watch.sink.interactions([ix("late", MONDAY + 5 * WEEK_MS + 7_200_000, "other", "refund", "a late question")]);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(store.weekReads.length, n, "no refresh after stop");
    // The API's summary still reads every week.
    assert.equal((await watch.summary("t1")).weeks.length, 6);
    assert.equal(store.weekReads.at(-1)?.limit, undefined);
  });
});
