import type { Admin, ITopicConfig } from "kafkajs";
import { sleep } from "./backoff.js";

export interface TopicWaitOptions {
  /** Bound on the whole wait for leaders (default 30 s). */
  timeoutMs?: number;
  /** Pause between metadata polls (default 100 ms). */
  pollMs?: number;
}

/** Leader broker id of each partition the metadata lists, by topic (-1: no leader yet). */
export type TopicLeaders = ReadonlyMap<string, readonly number[]>;

/**
 * Polls metadata until every topic lists its partitions, each with a leader. A broker can answer
 * "unknown topic" for a moment after it acknowledged the create (KRaft propagates metadata
 * asynchronously); `isNotYet` says which errors mean that, any other error is thrown at once.
 * `confirmServed` (say, reading each partition's offsets) must then succeed too.
 */
export async function waitForTopicLeaders(
  readLeaders: () => Promise<TopicLeaders>,
  partitionsWanted: ReadonlyMap<string, number>,
  isNotYet: (err: unknown) => boolean,
  o: TopicWaitOptions & { confirmServed?: () => Promise<void> } = {},
): Promise<void> {
  const timeoutMs = o.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let lastReason: string;
  for (;;) {
    try {
      const leaders = await readLeaders();
      const waiting = [...partitionsWanted].filter(([name, count]) => {
        const parts = leaders.get(name) ?? [];
        return parts.length < count || parts.some((leader) => leader < 0);
      });
      if (waiting.length === 0) {
        // The metadata can name a leader a moment before that broker serves the partition.
        await o.confirmServed?.();
        return;
      }
      lastReason = `no leader yet for ${waiting.map(([name]) => name).join(", ")}`;
    } catch (err) {
      if (!isNotYet(err)) throw err;
      lastReason = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() >= deadline) throw new Error(`topics ${[...partitionsWanted.keys()].join(", ")} created but not ready after ${timeoutMs} ms: ${lastReason}`);
    await sleep(o.pollMs ?? 100);
  }
}

/** kafkajs answers a refused create with "Topic creation errors"; say which topic and why. */
function describeCreateErrors(err: unknown): string {
  const parts = (err as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(parts) || parts.length === 0) return err instanceof Error ? err.message : String(err);
  return parts
    .map((e: { topic?: unknown; type?: unknown; message?: unknown }) => `${String(e.topic ?? "?")}: ${String(e.type ?? "")} ${String(e.message ?? "")}`.trim())
    .join("; ");
}

/** Each topic's partition leaders, as a kafkajs admin reads them. */
export async function kafkajsLeaders(admin: Pick<Admin, "fetchTopicMetadata">, names: readonly string[]): Promise<TopicLeaders> {
  const md = await admin.fetchTopicMetadata({ topics: [...names] });
  return new Map(md.topics.map((t) => [t.name, t.partitions.map((p) => p.leader)]));
}

/** kafkajs error types that mean "created, but this broker's metadata has not caught up yet". */
const KAFKAJS_NOT_YET = new Set(["UNKNOWN_TOPIC_OR_PARTITION", "LEADER_NOT_AVAILABLE", "NOT_LEADER_FOR_PARTITION"]);
const isKafkajsNotYet = (err: unknown): boolean => {
  const type = (err as { type?: unknown } | null)?.type;
  return typeof type === "string" && KAFKAJS_NOT_YET.has(type);
};

/**
 * Creates the topics (kafkajs) and waits until every partition's leader answers. kafkajs's own
 * `waitForLeaders` retries only LEADER_NOT_AVAILABLE and gives up at once on the
 * UNKNOWN_TOPIC_OR_PARTITION a KRaft broker can still answer just after the create.
 * Topics that already exist are fine (another caller won the race).
 */
export async function createTopicsAndWait(admin: Pick<Admin, "createTopics" | "fetchTopicMetadata" | "fetchTopicOffsets">, topics: readonly ITopicConfig[], o: TopicWaitOptions = {}): Promise<void> {
  if (topics.length === 0) return;
  await admin.createTopics({ topics: [...topics], waitForLeaders: false }).catch((err: unknown) => {
    throw new Error(`creating topics failed: ${describeCreateErrors(err)}`, { cause: err });
  });
  const names = topics.map((t) => t.topic);
  const readLeaders = () => kafkajsLeaders(admin, names);
  const confirmServed = async () => {
    for (const name of names) await admin.fetchTopicOffsets(name);
  };
  await waitForTopicLeaders(readLeaders, new Map(topics.map((t) => [t.topic, t.numPartitions ?? 1])), isKafkajsNotYet, { ...o, confirmServed });
}
