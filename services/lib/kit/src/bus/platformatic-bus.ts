import type { DescMessage } from "@bufbuild/protobuf";
import {
  Admin,
  Consumer,
  MultipleErrors,
  ProduceAcks,
  Producer,
  stringDeserializer,
  stringSerializer,
  UserError,
  type Message,
  type MessagesStream,
} from "@platformatic/kafka";
import { AppError } from "../errors/app-error.js";
import type { Logger } from "../log/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import { busCounters } from "./bus-metrics.js";
import { encodeForPublish } from "./encode.js";
import { waitForTopicLeaders } from "./kafka-topics.js";
import { ProducerSlots } from "./producer-slots.js";
import { ConsumerStoppedError, DEFAULT_MAX_BATCH, processBatch } from "./consumer-core.js";
import type {
  Bus,
  BusHeaders,
  BusRecord,
  EnsureTopicsOptions,
  HealthStatus,
  PartitionLag,
  PublishMessage,
  RawMessage,
  SubscribeOptions,
  Subscription,
} from "./types.js";

export interface PlatformaticBusOptions {
  brokers: readonly string[];
  clientId: string;
  logger: Logger;
  metrics?: Metrics;
  /** Consumer session timeout (default 10 s). */
  sessionTimeoutMs?: number;
  /** Bound on health() (default 3 s). */
  healthTimeoutMs?: number;
  /** Replication factor of topics ensureTopics creates without one named (default 1). */
  topicReplicationFactor?: number;
}

type Msg = Message<string, Buffer, string, string>;

const serializers = { key: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer };
const deserializers = { key: stringDeserializer, headerKey: stringDeserializer, headerValue: stringDeserializer };

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AppError("unavailable", `${what}: no answer within ${ms}ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function toRecord(m: Msg): BusRecord {
  const headers: BusHeaders = {};
  for (const [k, v] of m.headers) if (k !== undefined && v !== undefined) headers[String(k)] = String(v);
  const value = m.value ?? Buffer.alloc(0);
  return {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset.toString(),
    key: m.key === undefined || m.key === null ? null : String(m.key),
    value: new Uint8Array(value.buffer, value.byteOffset, value.byteLength),
    headers,
    timestamp: Number(m.timestamp),
  };
}

/** The broker does not know a just-created topic yet: the client's "Unknown topic" or a stale-metadata answer. */
export function isStaleTopicMetadata(err: unknown): boolean {
  if (err instanceof UserError) return err.message.startsWith("Unknown topic ");
  return err instanceof MultipleErrors && err.findBy("hasStaleMetadata", true) !== null;
}

/**
 * The bus on @platformatic/kafka, behind the same interface (the benchmark compares it with
 * kafkajs). Idempotent producer with acks from all in-sync replicas; consumers read from the
 * committed offset, group buffered records per partition, and commit after the handler.
 */
export function createPlatformaticBus(options: PlatformaticBusOptions): Bus {
  const { logger } = options;
  const counters = busCounters(options.metrics);
  const base = { clientId: options.clientId, bootstrapBrokers: [...options.brokers], retries: 5, retryDelay: 250 };
  const producers = new ProducerSlots<Producer<string, Buffer, string, string>>({
    open: async () => new Producer<string, Buffer, string, string>({ ...base, idempotent: true, acks: ProduceAcks.ALL, autocreateTopics: false, serializers }),
    close: (p) => p.close(),
    onCloseError: (err) => logger.warn({ err }, "closing a retired producer failed"),
  });
  let admin: Admin | undefined;
  const getAdmin = () => (admin ??= new Admin({ ...base, retries: 1 }));
  const subs = new Set<Subscription>();
  let closed = false;
  let closing: Promise<void> | undefined;

  async function publishRaw(topic: string, messages: readonly RawMessage[]): Promise<void> {
    if (messages.length === 0) return;
    if (closed) throw new AppError("unavailable", "bus is closed");
    try {
      await producers.send((producer) =>
        producer.send({
          messages: messages.map((m) => ({
            topic,
            ...(m.key === null ? {} : { key: m.key }),
            value: Buffer.from(m.value.buffer, m.value.byteOffset, m.value.byteLength),
            headers: { ...m.headers },
          })),
        }),
      );
      counters?.published.inc({ topic }, messages.length);
    } catch (err) {
      counters?.publishErrors.inc({ topic });
      throw new AppError("unavailable", `publish to ${topic} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  async function subscribe(o: SubscribeOptions): Promise<Subscription> {
    if (closing) throw new AppError("unavailable", "bus is closed");
    const max = o.maxBatchSize ?? DEFAULT_MAX_BATCH;
    const sessionTimeout = options.sessionTimeoutMs ?? 10_000;
    const consumer = new Consumer<string, Buffer, string, string>({
      ...base,
      groupId: o.groupId,
      deserializers,
      autocommit: false,
      sessionTimeout,
      heartbeatInterval: Math.max(500, Math.floor(sessionTimeout / 5)),
      maxWaitTime: o.fetchMaxWaitMs ?? 500,
      ...(o.fetchMinBytes !== undefined ? { minBytes: o.fetchMinBytes } : {}),
    });
    const stream: MessagesStream<string, Buffer, string, string> = await consumer.consume({
      topics: [...o.topics],
      mode: "committed",
      fallbackMode: o.fromBeginning ? "earliest" : "latest",
      autocommit: false,
      highWaterMark: max * 2,
    });
    const abort = new AbortController();
    const buffer: Msg[] = [];
    let notify: (() => void) | undefined;
    stream.on("data", (m: Msg) => {
      buffer.push(m);
      // Backpressure: stop fetching while a few batches wait.
      if (buffer.length >= max * 4) stream.pause();
      notify?.();
    });
    stream.on("error", (err: Error) => logger.warn({ err, groupId: o.groupId }, "platformatic consumer stream error"));

    /** Takes up to `max` buffered records of the first buffered record's partition, in order. */
    function take(): Msg[] {
      const first = buffer[0];
      if (!first) return [];
      const out: Msg[] = [];
      for (let i = 0; i < buffer.length && out.length < max; ) {
        const m = buffer[i];
        if (m && m.topic === first.topic && m.partition === first.partition) {
          out.push(m);
          buffer.splice(i, 1);
        } else i++;
      }
      if (buffer.length < max * 2 && stream.isPaused()) stream.resume();
      return out;
    }

    const loop = (async () => {
      while (!abort.signal.aborted) {
        if (buffer.length === 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 500);
            notify = () => {
              clearTimeout(timer);
              notify = undefined;
              resolve();
            };
          });
          continue;
        }
        const msgs = take();
        const last = msgs[msgs.length - 1];
        if (!last) continue;
        try {
          await processBatch(msgs.map(toRecord), { options: o, signal: abort.signal, publishRaw, logger, counters });
        } catch (err) {
          if (err instanceof ConsumerStoppedError) return;
          // Not committed: after a restart the group reads these records again.
          logger.error({ err, groupId: o.groupId }, "batch could not be completed; stopping this consumer");
          return;
        }
        try {
          await last.commit();
        } catch (err) {
          // Typically a rebalance moved the partition; its new owner re-reads from the last commit.
          logger.warn({ err, groupId: o.groupId, topic: last.topic, partition: last.partition }, "commit failed");
        }
      }
    })();

    let stopping: Promise<void> | undefined;
    const sub: Subscription = {
      groupId: o.groupId,
      stop() {
        stopping ??= (async () => {
          abort.abort(new ConsumerStoppedError());
          notify?.();
          await loop;
          await stream.close().catch((err: unknown) => logger.warn({ err }, "closing stream failed"));
          await new Promise<void>((resolve) =>
            consumer.close(true, (err) => {
              if (err) logger.warn({ err }, "closing consumer failed");
              resolve();
            }),
          );
          subs.delete(sub);
        })();
        return stopping;
      },
    };
    subs.add(sub);
    return sub;
  }

  return {
    kind: "platformatic",
    async publish<Desc extends DescMessage>(topic: string, schema: Desc, messages: readonly PublishMessage<Desc>[]) {
      await publishRaw(topic, encodeForPublish(schema, messages));
    },
    publishRaw,
    subscribe,
    async ensureTopics(names: readonly string[], eo: EnsureTopicsOptions = {}) {
      const a = getAdmin();
      const existing = new Set(await a.listTopics());
      const missing = [...new Set(names)].filter((n) => !existing.has(n));
      if (missing.length === 0) return;
      const partitions = eo.partitions ?? 3;
      await a.createTopics({ topics: missing, partitions, replicas: eo.replicationFactor ?? options.topicReplicationFactor ?? 1 });
      // Its createTopics does not wait for leaders; a send right after could find none.
      const readLeaders = async () => {
        const md = await a.metadata({ topics: missing, forceUpdate: true });
        return new Map(missing.map((name) => [name, (md.topics.get(name)?.partitions ?? []).map((p) => p.leader)]));
      };
      const confirmServed = async () => {
        await a.listOffsets({ topics: missing.map((name) => ({ name, partitions: Array.from({ length: partitions }, (_, partitionIndex) => ({ partitionIndex, timestamp: -1n })) })) });
      };
      await waitForTopicLeaders(readLeaders, new Map(missing.map((name) => [name, partitions])), isStaleTopicMetadata, { confirmServed });
    },
    async health(): Promise<HealthStatus> {
      try {
        const md = await withTimeout(getAdmin().metadata({ topics: [] }), options.healthTimeoutMs ?? 3_000, "kafka metadata");
        return { ok: md.brokers.size > 0, detail: `${md.brokers.size} broker(s)` };
      } catch (err) {
        return { ok: false, detail: err instanceof Error ? err.message : String(err) };
      }
    },
    async lag(groupId: string, topics: readonly string[]): Promise<PartitionLag[]> {
      const a = getAdmin();
      const md = await a.metadata({ topics: [...topics] });
      const req = topics.map((name) => ({
        name,
        partitions: Array.from({ length: md.topics.get(name)?.partitionsCount ?? 0 }, (_, partitionIndex) => ({ partitionIndex, timestamp: -1n })),
      }));
      const [ends, starts, groups] = await Promise.all([
        a.listOffsets({ topics: req }),
        a.listOffsets({ topics: req.map((t) => ({ ...t, partitions: t.partitions.map((p) => ({ ...p, timestamp: -2n })) })) }),
        a.listConsumerGroupOffsets({ groups: [groupId] }),
      ]);
      const committed = groups.find((g) => g.groupId === groupId)?.topics ?? [];
      const out: PartitionLag[] = [];
      for (const t of ends) {
        for (const p of t.partitions) {
          const c = committed.find((x) => x.name === t.name)?.partitions.find((x) => x.partitionIndex === p.partitionIndex)?.committedOffset ?? -1n;
          const low = starts.find((x) => x.name === t.name)?.partitions.find((x) => x.partitionIndex === p.partitionIndex)?.offset ?? 0n;
          const from = c >= 0n ? c : low;
          out.push({ groupId, topic: t.name, partition: p.partitionIndex, committedOffset: c.toString(), endOffset: p.offset.toString(), lag: Number(p.offset - from) });
        }
      }
      return out;
    },
    close() {
      closing ??= (async () => {
        // Consumers first: an in-flight batch may still dead-letter through the producer.
        await Promise.all([...subs].map((s) => s.stop()));
        closed = true;
        await producers.closeAll().catch((err: unknown) => logger.warn({ err }, "closing producer failed"));
        if (admin) await admin.close().catch((err: unknown) => logger.warn({ err }, "closing admin failed"));
      })();
      return closing;
    },
  };
}
