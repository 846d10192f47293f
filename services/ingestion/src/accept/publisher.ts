import type { Bus, RawMessage } from "@rlhf-loop/kit";
import { TYPE_HEADER } from "@rlhf-loop/proto";
import type { PreparedEvent } from "../domain/prepare.js";
import { Coalescer } from "./coalescer.js";

/** Topic names; configurable so each test file can use its own. */
export interface TopicNames {
  interactions: string;
  feedback: string;
}

/** About what one event takes in a Kafka record batch: value, key, headers, framing. */
const recordBytes = (e: PreparedEvent): number =>
  e.value.byteLength + e.interactionId.length + e.typeName.length + e.tenantId.length + e.eventId.length + 64;

/**
 * Publishes prepared events, coalescing concurrent requests into one producer send per topic.
 * Resolves only when the broker acknowledged (the bus contract), rejects when it did not.
 * Values are already encoded (prepareEvent), so they go out through publishRaw with the
 * type header the bus would have set.
 */
export class EventPublisher {
  private readonly coalescer: Coalescer<PreparedEvent, Error | undefined>;

  constructor(bus: Bus, topics: TopicNames, options: { maxInFlight: number; maxBatch: number; maxBatchBytes: number; onFlush?: (size: number) => void }) {
    this.coalescer = new Coalescer(async (events) => {
      const byTopic: Record<PreparedEvent["topic"], RawMessage[]> = { interactions: [], feedback: [] };
      for (const e of events) {
        byTopic[e.topic].push({ key: e.interactionId, value: e.value, headers: { [TYPE_HEADER]: e.typeName, "tenant-id": e.tenantId, "event-id": e.eventId } });
      }
      const send = (topic: PreparedEvent["topic"]) => (byTopic[topic].length > 0 ? bus.publishRaw(topics[topic], byTopic[topic]) : Promise.resolve());
      const [ix, fb] = await Promise.allSettled([send("interactions"), send("feedback")]);
      const failure = (r: PromiseSettledResult<void>): Error | undefined =>
        r.status === "rejected" ? (r.reason instanceof Error ? r.reason : new Error(String(r.reason))) : undefined;
      const errors = { interactions: failure(ix), feedback: failure(fb) };
      return events.map((e) => errors[e.topic]);
    }, {
      maxInFlight: options.maxInFlight,
      maxBatch: options.maxBatch,
      // One send puts each partition's records in one record batch, which the broker refuses
      // above message.max.bytes (1 MiB by default): bound the whole send below that.
      maxWeight: options.maxBatchBytes,
      weightOf: recordBytes,
      ...(options.onFlush ? { onFlush: options.onFlush } : {}),
    });
  }

  /** Resolves once every event is acknowledged; rejects with the first failure. */
  async publish(events: readonly PreparedEvent[]): Promise<void> {
    const results = await Promise.all(events.map((e) => this.coalescer.submit(e)));
    const err = results.find((r) => r !== undefined);
    if (err) throw err;
  }

  idle(): Promise<void> {
    return this.coalescer.idle();
  }
}
