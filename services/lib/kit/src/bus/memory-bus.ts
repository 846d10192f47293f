import type { DescMessage } from "@bufbuild/protobuf";
import { AppError } from "../errors/app-error.js";
import type { Logger } from "../log/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import { busCounters } from "./bus-metrics.js";
import { encodeForPublish } from "./encode.js";
import { ConsumerStoppedError, DEFAULT_MAX_BATCH, chunk, processBatch } from "./consumer-core.js";
import type {
  Bus,
  BusRecord,
  EnsureTopicsOptions,
  PartitionLag,
  PublishMessage,
  RawMessage,
  SubscribeOptions,
  Subscription,
} from "./types.js";

export interface MemoryBusOptions {
  logger?: Logger;
  metrics?: Metrics;
  /** Partitions of topics created by ensureTopics without a count (default 3). */
  defaultPartitions?: number;
  /** Create a topic on first publish/subscribe instead of failing (default false, like our broker). */
  autoCreateTopics?: boolean;
  /** Records kept per partition; older ones are dropped like broker retention (default 100,000). */
  retainPerPartition?: number;
}

interface Stored {
  key: string | null;
  value: Uint8Array;
  headers: Record<string, string>;
  timestamp: number;
}

interface Partition {
  /** Offset of records[0]. */
  base: number;
  records: Stored[];
}

interface Member {
  id: number;
  topics: readonly string[];
  fromBeginning: boolean;
  assigned: Set<string>;
  /** Next offset to read, per "topic:partition"; reset to the committed offset on each rebalance. */
  positions: Map<string, number>;
  wake: () => void;
}

interface Group {
  committed: Map<string, number>;
  members: Member[];
  generation: number;
}

const tp = (topic: string, partition: number) => `${topic}:${partition}`;

/** FNV-1a, so a key always lands on the same partition. */
function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * An in-process bus with Kafka's semantics where services can observe them: partitions by key,
 * consumer groups sharing partitions, offsets committed only after the handler succeeded (a
 * stopped member's uncommitted records go to the next member), retries and the DLQ twin.
 * Used by the embedded mode and by tests.
 */
export function createMemoryBus(options: MemoryBusOptions = {}): Bus {
  const topics = new Map<string, Partition[]>();
  const groups = new Map<string, Group>();
  const subs = new Set<Subscription>();
  const counters = busCounters(options.metrics);
  const retain = options.retainPerPartition ?? 100_000;
  let rr = 0;
  let memberSeq = 0;
  let closed = false;

  function topicOf(name: string): Partition[] {
    let t = topics.get(name);
    if (!t) {
      if (!options.autoCreateTopics) throw new AppError("unavailable", `unknown topic ${name}`, { retriable: true });
      t = Array.from({ length: options.defaultPartitions ?? 3 }, () => ({ base: 0, records: [] }));
      topics.set(name, t);
    }
    return t;
  }

  function wakeAll(): void {
    for (const g of groups.values()) for (const m of g.members) m.wake();
  }

  function rebalance(group: Group): void {
    group.generation++;
    for (const m of group.members) {
      m.assigned.clear();
      m.positions.clear();
    }
    const wanted = new Set(group.members.flatMap((m) => m.topics));
    for (const topic of [...wanted].sort()) {
      const parts = topics.get(topic) ?? [];
      const members = group.members.filter((m) => m.topics.includes(topic));
      parts.forEach((_, p) => members[p % members.length]?.assigned.add(tp(topic, p)));
    }
    for (const m of group.members) m.wake();
  }

  async function publishRaw(topic: string, messages: readonly RawMessage[]): Promise<void> {
    if (closed) throw new AppError("unavailable", "bus is closed");
    try {
      const parts = topicOf(topic);
      for (const m of messages) {
        const p = m.key === null ? rr++ % parts.length : hashKey(m.key) % parts.length;
        const part = parts[p];
        if (!part) continue;
        part.records.push({ key: m.key, value: m.value.slice(), headers: { ...m.headers }, timestamp: Date.now() });
        if (part.records.length > retain) {
          const drop = part.records.length - retain;
          part.records.splice(0, drop);
          part.base += drop;
        }
      }
      counters?.published.inc({ topic }, messages.length);
    } catch (err) {
      counters?.publishErrors.inc({ topic });
      throw err;
    }
    // Consumers run on later ticks, as with a broker.
    setImmediate(wakeAll);
  }

  function nextBatch(group: Group, m: Member, max: number, start: number): BusRecord[] | undefined {
    const keys = [...m.assigned];
    for (let i = 0; i < keys.length; i++) {
      const key = keys[(start + i) % keys.length];
      if (key === undefined) continue;
      const sep = key.lastIndexOf(":");
      const topic = key.slice(0, sep);
      const partition = Number(key.slice(sep + 1));
      const part = topics.get(topic)?.[partition];
      if (!part) continue;
      const end = part.base + part.records.length;
      let pos = m.positions.get(key) ?? group.committed.get(key);
      if (pos === undefined) pos = m.fromBeginning ? part.base : end;
      pos = Math.max(pos, part.base);
      m.positions.set(key, pos);
      if (pos >= end) continue;
      const slice = part.records.slice(pos - part.base, pos - part.base + max);
      return slice.map((r, j) => ({
        topic,
        partition,
        offset: String(pos + j),
        key: r.key,
        value: r.value,
        headers: { ...r.headers },
        timestamp: r.timestamp,
      }));
    }
    return undefined;
  }

  async function subscribe(o: SubscribeOptions): Promise<Subscription> {
    if (closed) throw new AppError("unavailable", "bus is closed");
    for (const t of o.topics) topicOf(t);
    let group = groups.get(o.groupId);
    if (!group) {
      group = { committed: new Map(), members: [], generation: 0 };
      groups.set(o.groupId, group);
    }
    const g = group;
    const abort = new AbortController();
    let wakeUp: (() => void) | undefined;
    const member: Member = {
      id: ++memberSeq,
      topics: [...o.topics],
      fromBeginning: o.fromBeginning ?? false,
      assigned: new Set(),
      positions: new Map(),
      wake: () => wakeUp?.(),
    };
    g.members.push(member);
    rebalance(g);
    const max = o.maxBatchSize ?? DEFAULT_MAX_BATCH;

    const loop = (async () => {
      let turn = 0;
      while (!abort.signal.aborted) {
        const batch = nextBatch(g, member, max, turn++);
        if (!batch) {
          // Wait for a publish, a rebalance or stop; the timeout bounds a missed wake-up.
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 1_000);
            wakeUp = () => {
              clearTimeout(timer);
              wakeUp = undefined;
              resolve();
            };
          });
          continue;
        }
        const generation = g.generation;
        const first = batch[0];
        if (!first) continue;
        const key = tp(first.topic, first.partition);
        for (const part of chunk(batch, max)) {
          try {
            await processBatch(part, { options: o, signal: abort.signal, publishRaw, logger: options.logger, counters });
          } catch (err) {
            if (err instanceof ConsumerStoppedError) return;
            // Dead-lettering failed: leave uncommitted and read the partition again from its commit.
            options.logger?.error({ err, groupId: o.groupId }, "batch could not be completed; will retry from the committed offset");
            member.positions.delete(key);
            await new Promise((r) => setTimeout(r, 200));
            break;
          }
          const last = part[part.length - 1];
          if (!last) continue;
          const next = Number(last.offset) + 1;
          // A member that lost the partition in a rebalance must not move the group's offset.
          if (g.generation === generation || member.assigned.has(key)) {
            g.committed.set(key, next);
            member.positions.set(key, next);
          }
        }
      }
    })();

    let stopping: Promise<void> | undefined;
    const sub: Subscription = {
      groupId: o.groupId,
      stop() {
        stopping ??= (async () => {
          abort.abort(new ConsumerStoppedError());
          member.wake();
          await loop;
          g.members = g.members.filter((m) => m !== member);
          rebalance(g);
          subs.delete(sub);
        })();
        return stopping;
      },
    };
    subs.add(sub);
    return sub;
  }

  return {
    kind: "memory",
    async publish<Desc extends DescMessage>(topic: string, schema: Desc, messages: readonly PublishMessage<Desc>[]) {
      await publishRaw(topic, encodeForPublish(schema, messages));
    },
    publishRaw,
    subscribe,
    async ensureTopics(names: readonly string[], eo: EnsureTopicsOptions = {}) {
      for (const n of names) {
        if (!topics.has(n)) {
          topics.set(
            n,
            Array.from({ length: eo.partitions ?? options.defaultPartitions ?? 3 }, () => ({ base: 0, records: [] })),
          );
        }
      }
      for (const g of groups.values()) rebalance(g);
    },
    async health() {
      return closed ? { ok: false, detail: "bus is closed" } : { ok: true, detail: "in-process bus" };
    },
    async lag(groupId: string, names: readonly string[]): Promise<PartitionLag[]> {
      const g = groups.get(groupId);
      const out: PartitionLag[] = [];
      for (const topic of names) {
        (topics.get(topic) ?? []).forEach((part, partition) => {
          const end = part.base + part.records.length;
          const committed = g?.committed.get(tp(topic, partition));
          out.push({
            groupId,
            topic,
            partition,
            committedOffset: String(committed ?? -1),
            endOffset: String(end),
            lag: end - Math.max(committed ?? part.base, part.base),
          });
        });
      }
      return out;
    },
    async close() {
      if (closed) return;
      await Promise.all([...subs].map((s) => s.stop()));
      closed = true;
    },
  };
}
