import type { DescMessage } from "@bufbuild/protobuf";
import { Kafka, Partitioners, logLevel, type Admin, type Consumer, type IHeaders, type LogEntry, type Producer } from "kafkajs";
import { AppError } from "../errors/app-error.js";
import type { Logger } from "../log/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import { busCounters } from "./bus-metrics.js";
import { backoffDelay } from "./backoff.js";
import { encodeForPublish } from "./encode.js";
import { createTopicsAndWait, kafkajsLeaders, waitForTopicLeaders } from "./kafka-topics.js";
import { kafkajsSecurity, type KafkaSecurity } from "./kafka-security.js";
import { ProducerSlots } from "./producer-slots.js";
import { ConsumerStoppedError, DEFAULT_MAX_BATCH, chunk, processBatch } from "./consumer-core.js";
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

export interface KafkaBusOptions {
  brokers: readonly string[];
  clientId: string;
  logger: Logger;
  metrics?: Metrics;
  /** TCP connect bound (default 3 s). */
  connectionTimeoutMs?: number;
  /** Broker request bound (default 30 s). */
  requestTimeoutMs?: number;
  /** Consumer session timeout: how soon a dead member's partitions move (default 10 s, min 6 s). */
  sessionTimeoutMs?: number;
  /** Bound on health() (default 3 s). */
  healthTimeoutMs?: number;
  /** Replication factor of topics ensureTopics creates without one named (default 1). */
  topicReplicationFactor?: number;
  /** TLS and SASL to the brokers (default: plaintext). */
  security?: KafkaSecurity;
}

const IDEMPOTENT_RETRIES_WARNING = "Limiting retries for the idempotent producer may invalidate EoS guarantees";

/** kafkajs's own log lines go to pino, one level quieter (its INFO is chatty, its ERRORs are often transient). */
function logCreatorFor(logger: Logger) {
  const child = logger.child({ component: "kafkajs" });
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...rest } = log;
      // Bounded retries are safe here: a send that fails retires its producer (see publishRaw).
      if (message === IDEMPOTENT_RETRIES_WARNING) child.debug(rest, message);
      else if (level === logLevel.ERROR || level === logLevel.WARN) child.warn(rest, message);
      else if (level === logLevel.INFO) child.debug(rest, message);
      else child.trace(rest, message);
    };
}

function headersOf(h: IHeaders | undefined): BusHeaders {
  const out: BusHeaders = {};
  for (const [k, v] of Object.entries(h ?? {})) {
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) out[k] = first.toString();
  }
  return out;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AppError("unavailable", `${what}: no answer within ${ms}ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * The bus on kafkajs: an idempotent producer (acks from all in-sync replicas, one request in
 * flight), consumer groups that commit after the handler succeeded, retries and DLQ.
 */
export function createKafkaBus(options: KafkaBusOptions): Bus {
  const { logger } = options;
  const counters = busCounters(options.metrics);
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    connectionTimeout: options.connectionTimeoutMs ?? 3_000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    logLevel: logLevel.INFO,
    logCreator: logCreatorFor(logger),
    retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 5_000 },
    ...kafkajsSecurity(options.security),
  });

  const producers = new ProducerSlots<Producer>({
    open: async () => {
      const p = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await p.connect();
      if (closed) {
        await p.disconnect();
        throw new AppError("unavailable", "bus is closed");
      }
      return p;
    },
    close: (p) => p.disconnect(),
    onCloseError: (err) => logger.warn({ err }, "disconnecting a retired kafka producer failed"),
  });
  let admin: Admin | undefined;
  let adminReady: Promise<Admin> | undefined;
  const subs = new Set<Subscription>();
  let closed = false;
  let closing: Promise<void> | undefined;

  function getAdmin(): Promise<Admin> {
    adminReady ??= (async () => {
      const a = kafka.admin();
      await a.connect();
      admin = a;
      return a;
    })().catch((err: unknown) => {
      adminReady = undefined;
      throw err;
    });
    return adminReady;
  }

  /**
   * Waits (bounded) until every topic has partitions with leaders. A consumer that joins its group
   * while a just-created topic has no metadata yet is assigned nothing, and kafkajs only notices on
   * its next metadata refresh.
   */
  async function waitForLeaders(topics: readonly string[], timeoutMs: number): Promise<void> {
    const a = await getAdmin();
    try {
      await waitForTopicLeaders(() => kafkajsLeaders(a, topics), new Map(topics.map((t) => [t, 1])), () => true, { timeoutMs, pollMs: 200 });
    } catch (err) {
      // Still without leaders after the bound: kafkajs says what is missing when it subscribes.
      logger.warn({ err, topics }, "subscribing before every partition has a leader");
    }
  }

  async function publishRaw(topic: string, messages: readonly RawMessage[]): Promise<void> {
    if (messages.length === 0) return;
    if (closed) throw new AppError("unavailable", "bus is closed");
    try {
      // kafkajs rolls back the sequence numbers of a failed send even on partitions the broker
      // wrote: ProducerSlots gives the next send a new producer id.
      await producers.send((producer) =>
        producer.send({
          topic,
          acks: -1,
          messages: messages.map((m) => ({
            key: m.key,
            value: Buffer.from(m.value.buffer, m.value.byteOffset, m.value.byteLength),
            headers: { ...m.headers },
          })),
        }),
      );
      counters?.published.inc({ topic }, messages.length);
    } catch (err) {
      counters?.publishErrors.inc({ topic });
      throw err instanceof AppError ? err : new AppError("unavailable", `publish to ${topic} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  async function subscribe(o: SubscribeOptions): Promise<Subscription> {
    if (closing) throw new AppError("unavailable", "bus is closed");
    const abort = new AbortController();
    const max = o.maxBatchSize ?? DEFAULT_MAX_BATCH;
    let current: Consumer | undefined;
    let restarts = 0;

    /** Builds, connects and runs one consumer for the subscription. */
    const start = async (): Promise<Consumer> => {
      const consumer: Consumer = kafka.consumer({
        groupId: o.groupId,
        sessionTimeout: options.sessionTimeoutMs ?? 10_000,
        heartbeatInterval: Math.max(500, Math.floor((options.sessionTimeoutMs ?? 10_000) / 5)),
        allowAutoTopicCreation: false,
        retry: { retries: 5 },
        // Heals an assignment made from stale metadata within 30 s instead of kafkajs's 5 minutes.
        metadataMaxAge: 30_000,
        ...(o.fetchMinBytes !== undefined ? { minBytes: o.fetchMinBytes } : {}),
        ...(o.fetchMaxWaitMs !== undefined ? { maxWaitTimeInMs: o.fetchMaxWaitMs } : {}),
      });
      consumer.on(consumer.events.CRASH, (e) => {
        logger.error({ err: e.payload.error, groupId: o.groupId, restart: e.payload.restart }, "kafka consumer crashed");
        // kafkajs gives up for good on errors it deems non-retriable (e.g. no group coordinator while
        // the broker restarts): the process would live on with nothing consuming. Start a new consumer.
        if (!e.payload.restart && !abort.signal.aborted && !closing) void restartLater(consumer);
      });
      await waitForLeaders(o.topics, 15_000);
      await consumer.connect();
      await consumer.subscribe({ topics: [...o.topics], fromBeginning: o.fromBeginning ?? false });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: Math.max(1, o.partitionConcurrency ?? 1),
        eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset, commitOffsetsIfNecessary }) => {
          const records: BusRecord[] = batch.messages.map((m) => ({
            topic: batch.topic,
            partition: batch.partition,
            offset: m.offset,
            key: m.key === null ? null : m.key.toString(),
            value: m.value === null ? new Uint8Array(0) : new Uint8Array(m.value.buffer, m.value.byteOffset, m.value.byteLength),
            headers: headersOf(m.headers),
            timestamp: Number(m.timestamp),
          }));
          for (const part of chunk(records, max)) {
            if (!isRunning() || isStale() || abort.signal.aborted) return;
            try {
              await processBatch(part, { options: o, signal: abort.signal, publishRaw, heartbeat, logger, counters });
            } catch (err) {
              if (err instanceof ConsumerStoppedError) return;
              throw err; // kafkajs restarts the consumer, which reads again from the committed offset
            }
            const last = part[part.length - 1];
            if (!last) continue;
            resolveOffset(last.offset);
            // Explicit offsets go straight to the group coordinator, also while stop() waits for this
            // batch (consumer.commitOffsets is a no-op once the runner is stopping).
            await commitOffsetsIfNecessary({
              topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }] }],
            });
            await heartbeat();
          }
        },
      });
      return consumer;
    };

    const restartLater = async (crashed: Consumer): Promise<void> => {
      if (current !== crashed) return;
      current = undefined;
      await crashed.disconnect().catch(() => undefined);
      for (;;) {
        if (abort.signal.aborted || closing) return;
        const delay = backoffDelay({ initialMs: 1_000, maxMs: 30_000 }, ++restarts);
        await new Promise((r) => setTimeout(r, delay));
        if (abort.signal.aborted || closing) return;
        try {
          current = await start();
          logger.warn({ groupId: o.groupId, restarts }, "kafka consumer started again after a crash");
          restarts = 0;
          return;
        } catch (err) {
          logger.error({ err, groupId: o.groupId, attempt: restarts }, "kafka consumer could not start again; retrying");
        }
      }
    };

    current = await start();
    let stopping: Promise<void> | undefined;
    const sub: Subscription = {
      groupId: o.groupId,
      stop() {
        // kafkajs's disconnect waits for the running eachBatch; aborting ends retry waits early.
        stopping ??= (async () => {
          abort.abort(new ConsumerStoppedError());
          await current?.disconnect();
          subs.delete(sub);
        })();
        return stopping;
      },
    };
    subs.add(sub);
    return sub;
  }

  return {
    kind: "kafka",
    async publish<Desc extends DescMessage>(topic: string, schema: Desc, messages: readonly PublishMessage<Desc>[]) {
      await publishRaw(topic, encodeForPublish(schema, messages));
    },
    publishRaw,
    subscribe,
    async ensureTopics(names: readonly string[], eo: EnsureTopicsOptions = {}) {
      const a = await getAdmin();
      const existing = new Set(await a.listTopics());
      const missing = [...new Set(names)].filter((n) => !existing.has(n));
      if (missing.length === 0) return;
      await createTopicsAndWait(
        a,
        missing.map((topic) => ({ topic, numPartitions: eo.partitions ?? 3, replicationFactor: eo.replicationFactor ?? options.topicReplicationFactor ?? 1 })),
      );
    },
    async health(): Promise<HealthStatus> {
      const ms = options.healthTimeoutMs ?? 3_000;
      try {
        const a = await withTimeout(getAdmin(), ms, "kafka connect");
        const c = await withTimeout(a.describeCluster(), ms, "kafka describeCluster");
        return { ok: c.brokers.length > 0, detail: `${c.brokers.length} broker(s)` };
      } catch (err) {
        return { ok: false, detail: err instanceof Error ? err.message : String(err) };
      }
    },
    async lag(groupId: string, topics: readonly string[]): Promise<PartitionLag[]> {
      const a = await getAdmin();
      const committed = await a.fetchOffsets({ groupId, topics: [...topics] });
      const out: PartitionLag[] = [];
      for (const topic of topics) {
        const ends = await a.fetchTopicOffsets(topic);
        const mine = committed.find((c) => c.topic === topic)?.partitions ?? [];
        for (const e of ends) {
          const c = mine.find((p) => p.partition === e.partition)?.offset ?? "-1";
          const from = BigInt(c) >= 0n ? BigInt(c) : BigInt(e.low);
          out.push({ groupId, topic, partition: e.partition, committedOffset: c, endOffset: e.high, lag: Number(BigInt(e.high) - from) });
        }
      }
      return out;
    },
    close() {
      closing ??= (async () => {
        // Consumers first: an in-flight batch may still dead-letter through the producer.
        await Promise.all([...subs].map((s) => s.stop()));
        closed = true;
        await producers.closeAll();
        await admin?.disconnect();
      })();
      return closing;
    },
  };
}
