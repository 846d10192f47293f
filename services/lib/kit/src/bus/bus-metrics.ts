import type { Counter } from "prom-client";
import type { Metrics } from "../metrics/metrics.js";
import type { Bus } from "./types.js";

export interface BusCounters {
  published: Counter<"topic">;
  publishErrors: Counter<"topic">;
  consumed: Counter<"topic" | "group">;
  handlerFailures: Counter<"topic" | "group">;
  deadLettered: Counter<"topic" | "group">;
}

/** Bus counters on a service's registry (undefined when the bus was built without metrics). */
export function busCounters(metrics: Metrics | undefined): BusCounters | undefined {
  if (!metrics) return undefined;
  return {
    published: metrics.counter({ name: "rlhf_bus_published_total", help: "Records acknowledged by the broker", labelNames: ["topic"] as const }),
    publishErrors: metrics.counter({ name: "rlhf_bus_publish_errors_total", help: "Publish calls that failed", labelNames: ["topic"] as const }),
    consumed: metrics.counter({ name: "rlhf_bus_consumed_total", help: "Records handled and committed", labelNames: ["topic", "group"] as const }),
    handlerFailures: metrics.counter({ name: "rlhf_bus_handler_failures_total", help: "Failed handler attempts", labelNames: ["topic", "group"] as const }),
    deadLettered: metrics.counter({ name: "rlhf_bus_dead_lettered_total", help: "Records sent to a DLQ topic", labelNames: ["topic", "group"] as const }),
  };
}

export interface LagTarget {
  groupId: string;
  topics: readonly string[];
}

/**
 * Registers `rlhf_bus_consumer_lag{group,topic,partition}`, read from the bus on every scrape
 * (bounded by `timeoutMs`; a scrape during a broker outage keeps the last values).
 */
export function trackConsumerLag(metrics: Metrics, bus: Bus, targets: readonly LagTarget[], timeoutMs = 2_000): void {
  metrics.gauge({
    name: "rlhf_bus_consumer_lag",
    help: "Records published but not yet committed by the consumer group",
    labelNames: ["group", "topic", "partition"] as const,
    async collect(gauge) {
      let timer: NodeJS.Timeout | undefined;
      try {
        const all = await Promise.race([
          Promise.all(targets.map((t) => bus.lag(t.groupId, t.topics))),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error("lag timeout")), timeoutMs);
          }),
        ]);
        for (const p of all.flat()) gauge.set({ group: p.groupId, topic: p.topic, partition: String(p.partition) }, p.lag);
      } catch {
        // Keep the previous values: a missing scrape is better than a false zero.
      } finally {
        clearTimeout(timer);
      }
    },
  });
}
