/** Reads a topic from its start to its current end (raw records), for reconciliation and the DLQ check. */
import { randomBytes } from "node:crypto";
import { fromBinary } from "@bufbuild/protobuf";
import { FeedbackSchema, InteractionSchema } from "@rlhf-loop/proto";
import { Kafka, logLevel } from "kafkajs";

export interface RawRecord {
  partition: number;
  offset: string;
  /** Broker timestamp (ms since epoch): when the record was published. */
  timestamp: number;
  headers: Record<string, string>;
  value: Uint8Array;
}

export async function readTopic(brokers: string, topic: string, timeoutMs = 60_000): Promise<RawRecord[]> {
  const kafka = new Kafka({ clientId: "reliability-reader", brokers: brokers.split(","), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  let want: Map<number, bigint>;
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    want = new Map(offsets.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]));
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const out: RawRecord[] = [];
  if (want.size === 0) return out;
  const consumer = kafka.consumer({ groupId: `reliability-reader-${randomBytes(4).toString("hex")}`, sessionTimeout: 10_000 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`reading ${topic} timed out`)), timeoutMs);
      consumer
        .run({
          eachBatchAutoResolve: true,
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) {
              const headers: Record<string, string> = {};
              for (const [k, v] of Object.entries(m.headers ?? {})) if (v !== undefined) headers[k] = (Array.isArray(v) ? v[0] : v)?.toString() ?? "";
              out.push({ partition: batch.partition, offset: m.offset, timestamp: Number(m.timestamp), headers, value: new Uint8Array(m.value ?? Buffer.alloc(0)) });
            }
            const end = want.get(batch.partition);
            if (end !== undefined && BigInt(batch.lastOffset()) + 1n >= end) want.delete(batch.partition);
            if (want.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  return out;
}

/** Event ids on the interactions and feedback topics (a record that does not decode is counted apart). */
export async function topicEventIds(brokers: string, topics: { interactions: string; feedback: string }): Promise<{ ids: string[]; undecodable: number }> {
  const ids: string[] = [];
  let undecodable = 0;
  for (const r of await readTopic(brokers, topics.interactions)) {
    try {
      const id = fromBinary(InteractionSchema, r.value).eventId;
      if (id) ids.push(id);
      else undecodable++;
    } catch {
      undecodable++;
    }
  }
  for (const r of await readTopic(brokers, topics.feedback)) {
    try {
      const id = fromBinary(FeedbackSchema, r.value).feedbackId;
      if (id) ids.push(id);
      else undecodable++;
    } catch {
      undecodable++;
    }
  }
  return { ids, undecodable };
}
