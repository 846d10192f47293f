/**
 * A Transport around the SDK's HttpTransport that records what ingestion acknowledged: for each
 * event in a 2xx batch, its idempotency key, the server's event id and when. This is the ground
 * truth the reconciliation checks Postgres and the topics against.
 */
import { FeedbackClient, HttpTransport, type EncodedEvent, type FeedbackClientOptions, type SendOptions, type SendOutcome, type Transport } from "@rlhf-loop/client";
import type { IngestEvent } from "@rlhf-loop/proto";

export type EventKind = "interaction" | "feedback";

export interface Ack {
  eventId: string;
  kind: EventKind;
  /** ms since epoch of the first 2xx for this key. */
  at: number;
  duplicate: boolean;
}

export class AckRecorder implements Transport {
  readonly acked = new Map<string, Ack>();
  /** 2xx answers for an already acknowledged key (client retries whose first answer was lost, replays). */
  reAcked = 0;
  /** Acks whose event id differed from the first one for the same key: must stay 0. */
  conflictingIds = 0;
  /** Per-request latency samples (ms) with their end time, for p99 over a window. */
  readonly latencies: { at: number; ms: number }[] = [];
  readonly statuses = new Map<string, number>();
  private readonly meta = new WeakMap<EncodedEvent, { key: string; kind: EventKind }>();
  private readonly inner: HttpTransport;

  constructor(url: string, apiKey: string) {
    this.inner = new HttpTransport({ url, apiKey, requestTimeoutMs: 10_000 });
  }

  encode(event: IngestEvent): EncodedEvent {
    const enc = this.inner.encode(event);
    const e = event.event;
    if (e.case === undefined) throw new Error("event without payload");
    this.meta.set(enc, { key: e.value.idempotencyKey, kind: e.case === "interaction" ? "interaction" : "feedback" });
    return enc;
  }

  async send(batch: readonly EncodedEvent[], options: SendOptions): Promise<SendOutcome> {
    const t0 = performance.now();
    const out = await this.inner.send(batch, options);
    const now = Date.now();
    this.latencies.push({ at: now, ms: performance.now() - t0 });
    const status = out.kind === "ok" ? "2xx" : out.status;
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    if (out.kind === "ok") {
      batch.forEach((enc, i) => {
        const m = this.meta.get(enc);
        const r = out.results[i];
        if (!m || !r || r.eventId === "") throw new Error("an acknowledged event could not be attributed (client or transport changed?)");
        const prev = this.acked.get(m.key);
        if (prev) {
          this.reAcked++;
          if (prev.eventId !== r.eventId) this.conflictingIds++;
        } else this.acked.set(m.key, { eventId: r.eventId, kind: m.kind, at: now, duplicate: r.duplicate });
      });
    }
    return out;
  }

  /** A FeedbackClient sending through this recorder (retries fast: faults are short). */
  client(extra: Partial<FeedbackClientOptions> = {}): FeedbackClient {
    return new FeedbackClient({
      transport: this,
      flushIntervalMs: 100,
      maxQueueEvents: 200_000,
      retry: { baseDelayMs: 100, maxDelayMs: 1_000, maxAttempts: 30 },
      ...extra,
    });
  }

  /** p-quantile of request latency (ms) for requests that ended in [from, to). */
  latencyQuantile(q: number, from = 0, to = Infinity): number {
    const xs = this.latencies.filter((l) => l.at >= from && l.at < to).map((l) => l.ms).sort((a, b) => a - b);
    if (xs.length === 0) return NaN;
    return xs[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
  }
}
