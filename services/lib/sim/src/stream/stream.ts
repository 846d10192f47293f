import { FeedbackClient, isReasonCode, type FeedbackClientError, type FeedbackClientOptions, type RoleInput } from "@rlhf-loop/client";
import type { World, SimEvent } from "../world/world.js";
import { realClock, TokenBucket, type Clock } from "./token-bucket.js";

/** The part of FeedbackClient the stream uses. */
export type IngestClient = Pick<FeedbackClient, "interaction" | "thumb" | "comparison" | "outcome" | "stats" | "flush" | "shutdown">;

export interface StreamProgress {
  /** Events handed to the client so far. */
  sent: number;
  /** Events ingestion acknowledged. */
  delivered: number;
  dropped: number;
  retries: number;
  /** Day being streamed (absolute index). */
  day: number;
  /** Fraction of the run done, by days (0..1). */
  fraction: number;
  elapsedMs: number;
  done: boolean;
}

export interface StreamOptions {
  days: number;
  fromDay?: number;
  tail?: boolean;
  /** Target events per second. */
  ratePerSec: number;
  /** Tokens saved up for a burst; default a tenth of a second of traffic (at least 1). */
  burst?: number;
  /** Stop after this many events. */
  maxEvents?: number;
  /** Stop handing out events after this long (ms); buffered ones get flushTimeoutMs more. */
  maxDurationMs?: number;
  /** How long to wait for buffered events at the end (ms). Default 30 s. */
  flushTimeoutMs?: number;
  /** Ingestion base URL (`http://host:port`) or gRPC address (`grpc://host:port`); ignored when `client` is given. */
  target?: string;
  apiKey?: string;
  /** A ready client (for example one with a gRPC transport). The stream shuts it down at the end. */
  client?: IngestClient;
  /** Options for the client the stream builds from `target`. */
  clientOptions?: Partial<FeedbackClientOptions>;
  /** Pause handing out events while this many are buffered (429 Retry-After backs up here). Default 5000. */
  maxBuffered?: number;
  onProgress?: (p: StreamProgress) => void;
  /** Called with every event handed to the client (the demo measures the hidden truth of what it sent). */
  onEvent?: (e: SimEvent) => void;
  /** Minimum ms between progress calls. Default 200. */
  progressIntervalMs?: number;
  clock?: Clock;
}

export interface StreamResult {
  sent: number;
  delivered: number;
  duplicates: number;
  dropped: number;
  droppedBy: Record<string, number>;
  retries: number;
  elapsedMs: number;
  /** Why sending stopped. */
  stoppedBy: "done" | "max-events" | "max-duration";
  /** True when every sent event was acknowledged. */
  complete: boolean;
  /** The first few delivery errors, for the report. */
  errors: string[];
}

/** A FeedbackClient for the target: HTTP for http(s):// URLs, gRPC for grpc://host:port. */
async function buildClient(opts: StreamOptions, onError: (e: FeedbackClientError) => void): Promise<IngestClient> {
  const target = opts.target;
  if (!target) throw new TypeError("streamWorld: pass `target` (ingestion URL) or `client`");
  const common: Partial<FeedbackClientOptions> = {
    maxQueueEvents: Math.max(20_000, (opts.maxBuffered ?? 5000) * 2),
    flushIntervalMs: 200,
    ...opts.clientOptions,
    onError: (e) => {
      onError(e);
      opts.clientOptions?.onError?.(e);
    },
  };
  if (target.startsWith("grpc://")) {
    // Loaded only for gRPC targets, so HTTP streaming never loads @grpc/grpc-js.
    const { createGrpcFeedbackClient } = await import("@rlhf-loop/client/grpc");
    const { url: _url, transport: _transport, gzip: _gzip, gzipMinBytes: _min, fetch: _fetch, headers: _headers, flushOnPageHide: _hide, ...rest } = common;
    return createGrpcFeedbackClient({ ...rest, address: target.slice("grpc://".length).replace(/\/+$/, ""), apiKey: opts.apiKey ?? "" });
  }
  return new FeedbackClient({ ...common, url: target, ...(opts.apiKey !== undefined ? { apiKey: opts.apiKey } : {}) });
}

/** Hands one simulated event to the client; returns whether it was queued. */
export function submitEvent(client: IngestClient, e: SimEvent): boolean {
  const occurredAt = new Date(e.at);
  const ev = e.event.event;
  switch (ev.case) {
    case "interaction": {
      const i = ev.value;
      return client.interaction({
        interactionId: i.interactionId,
        conversationId: i.conversationId,
        turnIndex: i.turnIndex,
        prompt: i.prompt.map((m) => ({ role: m.role as RoleInput, content: m.content })),
        answer: i.answer,
        modelVersion: i.modelVersion,
        segment: i.segment,
        metadata: { ...i.metadata },
        regeneratedFrom: i.regeneratedFrom,
        occurredAt,
        idempotencyKey: i.idempotencyKey,
      }).queued;
    }
    case "feedback": {
      const f = ev.value;
      const common = {
        interactionId: f.interactionId,
        source: f.source as Exclude<typeof f.source, 0>,
        raterId: f.raterId,
        rubricVersion: f.rubricVersion,
        occurredAt,
        idempotencyKey: f.idempotencyKey,
      };
      if (f.kind.case === "thumb") {
        // The SDK rejects codes its thumbs widget does not offer; those stay in exports only (README).
        const reasonCodes = f.reasonCodes.filter(isReasonCode);
        const direction = f.kind.value.direction as Exclude<typeof f.kind.value.direction, 0>;
        return client.thumb({ ...common, direction, ...(reasonCodes.length > 0 ? { reasonCodes } : {}) }).queued;
      }
      if (f.kind.case === "comparison") {
        const c = f.kind.value;
        return client.comparison({
          ...common,
          otherInteractionId: c.otherInteractionId,
          choice: c.choice as Exclude<typeof c.choice, 0>,
          criteria: c.criteria.map((x) => ({ criterion: x.criterion, choice: x.choice as Exclude<typeof x.choice, 0> })),
        }).queued;
      }
      throw new Error(`simulator feedback of kind ${String(f.kind.case)} is not streamed`);
    }
    case "outcome": {
      const o = ev.value;
      return client.outcome({
        interactionId: o.interactionId,
        kind: (o.outcome?.kind ?? 0) as Exclude<NonNullable<typeof o.outcome>["kind"], 0>,
        amountMinor: o.outcome?.amountMinor ?? 0n,
        currency: o.outcome?.currency ?? "",
        detail: o.outcome?.detail ?? "",
        source: o.source as Exclude<typeof o.source, 0>,
        occurredAt,
        idempotencyKey: o.idempotencyKey,
      }).queued;
    }
    case undefined:
      throw new Error(`event ${e.idempotencyKey} has no payload`);
  }
}

/**
 * Streams the world's events to ingestion through @rlhf-loop/client at a paced rate, in time
 * order, bounded in count and time. The client batches, gzips and retries; on 429/503 it waits
 * the server's Retry-After, the buffer fills, and the stream pauses until it drains.
 */
export async function streamWorld(world: World, opts: StreamOptions): Promise<StreamResult> {
  const clock = opts.clock ?? realClock;
  const errors: string[] = [];
  const onError = (e: FeedbackClientError): void => {
    if (errors.length < 10) errors.push(`${e.code}: ${e.message}`);
  };
  const client: IngestClient = opts.client ?? (await buildClient(opts, onError));
  const rate = opts.ratePerSec;
  const bucket = new TokenBucket(rate, opts.burst ?? Math.max(1, rate / 10), clock);
  const maxBuffered = opts.maxBuffered ?? 5000;
  const maxEvents = opts.maxEvents ?? Infinity;
  const maxDuration = opts.maxDurationMs ?? Infinity;
  const fromDay = opts.fromDay ?? 0;
  const start = clock.now();
  const interval = opts.progressIntervalMs ?? 200;
  let lastProgress = -Infinity;
  let sent = 0;
  let day = fromDay;
  let dayIndex = 0;
  let stoppedBy: StreamResult["stoppedBy"] = "done";
  // With `tail`, one more pass streams the consequences that land after the last day.
  const passes = opts.days + (opts.tail ? 1 : 0);

  const report = (done: boolean, fraction: number): void => {
    if (!opts.onProgress) return;
    const now = clock.now();
    if (!done && now - lastProgress < interval) return;
    lastProgress = now;
    const s = client.stats();
    opts.onProgress({ sent, delivered: s.delivered, dropped: s.dropped, retries: s.retries, day, fraction, elapsedMs: now - start, done });
  };

  outer: for (dayIndex = 0; dayIndex < passes; dayIndex++) {
    day = fromDay + dayIndex;
    const batch: SimEvent[] = dayIndex < opts.days ? await world.day(day) : await world.tail({ days: opts.days, fromDay });
    const fraction = (i: number) => (dayIndex + i / Math.max(1, batch.length)) / passes;
    for (let i = 0; i < batch.length; i++) {
      if (sent >= maxEvents) {
        stoppedBy = "max-events";
        break outer;
      }
      if (clock.now() - start >= maxDuration) {
        stoppedBy = "max-duration";
        break outer;
      }
      // Backpressure: while ingestion pushes back (429 Retry-After), let the buffer drain.
      for (let s = client.stats(); s.queued + s.inFlight >= maxBuffered; s = client.stats()) {
        if (clock.now() - start >= maxDuration) {
          stoppedBy = "max-duration";
          break outer;
        }
        report(false, fraction(i));
        await clock.sleep(20);
      }
      await bucket.take(1);
      submitEvent(client, batch[i] as SimEvent);
      opts.onEvent?.(batch[i] as SimEvent);
      sent++;
      report(false, fraction(i + 1));
    }
  }

  const left = maxDuration === Infinity ? Infinity : Math.max(0, maxDuration - (clock.now() - start));
  const flushTimeoutMs = Math.min(opts.flushTimeoutMs ?? 30_000, Math.max(1_000, left));
  await client.shutdown({ timeoutMs: flushTimeoutMs });
  const s = client.stats();
  report(true, stoppedBy === "done" ? 1 : Math.min(1, dayIndex / passes));
  return {
    sent,
    delivered: s.delivered,
    duplicates: s.duplicates,
    dropped: s.dropped,
    droppedBy: { ...s.droppedBy },
    retries: s.retries,
    elapsedMs: clock.now() - start,
    stoppedBy,
    complete: s.delivered === sent && s.dropped === 0,
    errors,
  };
}
