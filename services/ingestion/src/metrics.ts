import type { Metrics } from "@rlhf-loop/kit";
import type { PipelineMetrics } from "./accept/pipeline.js";

/** The ingestion-specific series (kit adds HTTP, gRPC, bus, DLQ and consumer-lag series). */
export function ingestionMetrics(metrics: Metrics): PipelineMetrics & { ledgerWriteError(): void; flush(stage: string, size: number): void } {
  const events = metrics.counter({
    name: "rlhf_ingestion_events_total",
    help: "Events answered by the API, by kind, feedback kind, source and result (accepted or duplicate)",
    labelNames: ["kind", "feedback_kind", "source", "result"] as const,
  });
  const produceErrors = metrics.counter({ name: "rlhf_ingestion_produce_errors_total", help: "Publishes the broker did not acknowledge (answered 503)" });
  const rejected = metrics.counter({
    name: "rlhf_ingestion_rejected_events_total",
    help: "Events refused before publishing, by reason (wrong_tenant, rate_limited, idempotency_conflict)",
    labelNames: ["reason"] as const,
  });
  const ledgerErrors = metrics.counter({ name: "rlhf_ingestion_ledger_write_errors_total", help: "Idempotency ledger writes that failed (retries may then be published again)" });
  const flushes = metrics.histogram({
    name: "rlhf_ingestion_coalesced_batch_size",
    help: "Requests (ledger lookups) or events (produce, ledger writes) sent in one round trip",
    labelNames: ["stage"] as const,
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000],
  });
  // One child per label combination: inc() on it skips hashing the labels for every event.
  const eventChildren = new Map<string, { inc(n?: number): void }>();
  return {
    flush: (stage, size) => flushes.observe({ stage }, size),
    event: (p, result) => {
      const key = `${p.kind}\u0000${p.feedbackKind}\u0000${p.source}\u0000${result}`;
      let child = eventChildren.get(key);
      if (!child) {
        child = events.labels({ kind: p.kind, feedback_kind: p.feedbackKind, source: p.source, result });
        eventChildren.set(key, child);
      }
      child.inc();
    },
    produceError: () => produceErrors.inc(),
    rejected: (reason, n) => rejected.inc({ reason }, n),
    ledgerWriteError: () => ledgerErrors.inc(),
  };
}
