import { FeedbackSource } from "@rlhf-loop/proto";
import {
  buildComparison,
  buildInteraction,
  buildOutcome,
  buildRating,
  buildThumb,
  type BuildResult,
  type EventKind,
  type FieldViolation,
} from "../events/build.js";
import { randomId } from "../events/ids.js";
import type {
  ComparisonInput,
  EnqueueResult,
  FeedbackSourceInput,
  InteractionInput,
  InteractionResult,
  OutcomeInput,
  RatingInput,
  ThumbInput,
} from "../events/inputs.js";
import { retryDelayMs, type BackoffPolicy } from "../delivery/backoff.js";
import { DROP_REASONS, FeedbackClientError, type DropReason, type EventRef, type RetryInfo } from "../delivery/errors.js";
import { EventQueue, type DropPolicy, type QueuedEvent } from "../delivery/event-queue.js";
import { HttpTransport, type HttpTransportOptions } from "../transport/http.js";
import type { BatchResult, SendOutcome, Transport } from "../transport/types.js";

export interface RetryOptions extends BackoffPolicy {
  /**
   * Attempts per batch for transient server failures (500, 502, 504, 408, timeouts). 429, 503 and
   * unreachable-server errors do not count: they are retried until shutdown. Default 10.
   */
  maxAttempts: number;
}

export interface FeedbackClientOptions extends Omit<Partial<HttpTransportOptions>, "url"> {
  /** Ingestion base URL (HTTP transport). Either this or `transport`. */
  url?: string;
  /** Another transport, e.g. `new GrpcTransport(...)` from `@rlhf-loop/client/grpc`. */
  transport?: Transport;
  /** A batch goes out once it holds this many events. Default 500 (server limit 1000). */
  maxBatchEvents?: number;
  /** ...or this many uncompressed bytes. Default 1 MiB (server limit 5 MiB). */
  maxBatchBytes?: number;
  /** ...or its oldest event has waited this long. Default 1000 ms. */
  flushIntervalMs?: number;
  /** Bound on buffered events (waiting plus in flight). Default 10,000. */
  maxQueueEvents?: number;
  /** Bound on buffered bytes (waiting plus in flight). Default 16 MiB. */
  maxQueueBytes?: number;
  /** What to drop when the bound is hit. Default "drop-newest". */
  dropPolicy?: DropPolicy;
  /** Batches in flight at once. Default 1, which keeps events in order (an interaction before its feedback). */
  concurrency?: number;
  retry?: Partial<RetryOptions>;
  /** Source of thumbs, ratings and comparisons that do not name one. Default end user. */
  defaultSource?: FeedbackSourceInput;
  /** Events given up, with the reason. Default: console.warn. A throwing hook is ignored. */
  onError?: (error: FeedbackClientError) => void;
  /** Called before each retry wait. */
  onRetry?: (info: RetryInfo) => void;
  /** In browsers, flush with `keepalive` when the page is hidden or unloaded. Default true. */
  flushOnPageHide?: boolean;
}

export interface FlushResult {
  /** True when every event buffered at the call was delivered or dropped (see onError). */
  ok: boolean;
  /** Events from before the call still undelivered (timeout reached). */
  pending: number;
}

export interface ClientStats {
  /** Accepted into the buffer. */
  enqueued: number;
  /** Acknowledged by the server (including duplicates). */
  delivered: number;
  /** Acknowledged as already stored earlier (a retry whose first attempt had landed). */
  duplicates: number;
  dropped: number;
  droppedBy: Record<DropReason, number>;
  queued: number;
  queuedBytes: number;
  inFlight: number;
  requests: number;
  retries: number;
}

interface Waiter {
  watermark: number;
  remaining: number;
  resolve: (r: FlushResult) => void;
}

type Timer = ReturnType<typeof setTimeout>;

function positive(name: string, v: number | undefined, fallback: number): number {
  const x = v ?? fallback;
  if (!(typeof x === "number" && x > 0)) throw new TypeError(`FeedbackClient: ${name} must be a positive number`);
  return x;
}

function sourceValue(s: FeedbackSourceInput | undefined): FeedbackSource {
  if (s === undefined) return FeedbackSource.END_USER;
  if (typeof s === "number") return s;
  const v = (FeedbackSource as unknown as Record<string, number>)[s.toUpperCase()];
  if (typeof v !== "number" || v === 0) throw new TypeError(`FeedbackClient: unknown defaultSource ${JSON.stringify(s)}`);
  return v;
}

/**
 * Sends interactions, feedback and outcomes to ingestion in the background. Event methods return
 * at once and never throw; delivery failures go to `onError` and the `stats().droppedBy` counters.
 */
export class FeedbackClient {
  readonly #transport: Transport;
  readonly #maxBatchEvents: number;
  readonly #maxBatchBytes: number;
  readonly #flushIntervalMs: number;
  readonly #maxQueueEvents: number;
  readonly #maxQueueBytes: number;
  readonly #dropPolicy: DropPolicy;
  readonly #concurrency: number;
  readonly #retry: RetryOptions;
  readonly #defaultSource: FeedbackSource;
  readonly #onError: (e: FeedbackClientError) => void;
  readonly #onRetry: ((i: RetryInfo) => void) | undefined;

  readonly #queue = new EventQueue();
  #seq = 0;
  /** Events with seq <= this are due now (timer fired or flush asked), whatever the batch size. */
  #dueThrough = 0;
  #inFlight = 0;
  #inFlightBytes = 0;
  readonly #workers = new Set<Promise<void>>();
  #flushTimer: Timer | undefined;
  #pausedUntil = 0;
  #waiters: Waiter[] = [];
  readonly #timers = new Set<Timer>();
  readonly #abort = new AbortController();
  #closed = false;
  #shutdown: Promise<FlushResult> | undefined;
  #pageHidden = false;
  #removePageListeners: (() => void) | undefined;

  readonly #stats = {
    enqueued: 0,
    delivered: 0,
    duplicates: 0,
    requests: 0,
    retries: 0,
    droppedBy: Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>,
  };

  constructor(options: FeedbackClientOptions) {
    if (options.transport) this.#transport = options.transport;
    else if (typeof options.url === "string" && options.url !== "") {
      this.#transport = new HttpTransport({ ...options, url: options.url });
    } else throw new TypeError("FeedbackClient: pass `url` (HTTP) or `transport`");
    this.#maxBatchEvents = Math.floor(positive("maxBatchEvents", options.maxBatchEvents, 500));
    this.#maxBatchBytes = positive("maxBatchBytes", options.maxBatchBytes, 1024 * 1024);
    this.#flushIntervalMs = positive("flushIntervalMs", options.flushIntervalMs, 1000);
    this.#maxQueueEvents = Math.floor(positive("maxQueueEvents", options.maxQueueEvents, 10_000));
    this.#maxQueueBytes = positive("maxQueueBytes", options.maxQueueBytes, 16 * 1024 * 1024);
    this.#dropPolicy = options.dropPolicy ?? "drop-newest";
    if (this.#dropPolicy !== "drop-newest" && this.#dropPolicy !== "drop-oldest")
      throw new TypeError(`FeedbackClient: unknown dropPolicy ${JSON.stringify(this.#dropPolicy)}`);
    this.#concurrency = Math.floor(positive("concurrency", options.concurrency, 1));
    this.#retry = {
      baseDelayMs: positive("retry.baseDelayMs", options.retry?.baseDelayMs, 200),
      maxDelayMs: positive("retry.maxDelayMs", options.retry?.maxDelayMs, 30_000),
      maxAttempts: positive("retry.maxAttempts", options.retry?.maxAttempts, 10),
    };
    this.#defaultSource = sourceValue(options.defaultSource);
    this.#onError =
      options.onError ??
      ((e) => {
        console.warn(`[@rlhf-loop/client] ${e.code}: ${e.message} (${e.events.length} event(s))`);
      });
    this.#onRetry = options.onRetry;
    if (options.flushOnPageHide ?? true) this.#listenForPageHide();
  }

  /** Records an answer your product showed. Returns the interaction id to attach feedback to. */
  interaction(input: InteractionInput): InteractionResult {
    return this.#submit("interaction", input, (key) => buildInteraction(input, key, randomId));
  }

  thumb(input: ThumbInput): EnqueueResult {
    return this.#strip(this.#submit("thumb", input, (key) => buildThumb(input, key, this.#defaultSource)));
  }

  rating(input: RatingInput): EnqueueResult {
    return this.#strip(this.#submit("rating", input, (key) => buildRating(input, key, this.#defaultSource)));
  }

  comparison(input: ComparisonInput): EnqueueResult {
    return this.#strip(this.#submit("comparison", input, (key) => buildComparison(input, key, this.#defaultSource)));
  }

  outcome(input: OutcomeInput): EnqueueResult {
    return this.#strip(this.#submit("outcome", input, (key) => buildOutcome(input, key)));
  }

  /**
   * Sends everything buffered now and resolves once those events are delivered or dropped, or
   * when `timeoutMs` passes. Never rejects. Serverless handlers should await it before returning.
   */
  flush(options: { timeoutMs?: number } = {}): Promise<FlushResult> {
    const pending = this.#queue.length + this.#inFlight;
    if (pending === 0) return Promise.resolve({ ok: true, pending: 0 });
    return new Promise<FlushResult>((resolve) => {
      let timer: Timer | undefined;
      const waiter: Waiter = {
        watermark: this.#seq,
        remaining: pending,
        resolve: (r) => {
          if (timer !== undefined) clearTimeout(timer);
          resolve(r);
        },
      };
      this.#waiters.push(waiter);
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          if (this.#waiters.length === 0) this.#unrefTimers();
          resolve({ ok: false, pending: waiter.remaining });
        }, options.timeoutMs);
      }
      // A pending flush keeps a Node process alive until delivery; idle timers do not.
      this.#refTimers();
      this.#dueThrough = this.#seq;
      this.#kick();
    });
  }

  /**
   * Stops accepting events, delivers what is buffered within `timeoutMs` (default 10 s), then
   * drops the rest (reason "shutdown", reported to onError) and closes the transport. Idempotent.
   */
  shutdown(options: { timeoutMs?: number } = {}): Promise<FlushResult> {
    this.#shutdown ??= this.#doShutdown(options.timeoutMs ?? 10_000);
    return this.#shutdown;
  }

  stats(): ClientStats {
    const dropped = Object.values(this.#stats.droppedBy).reduce((a, b) => a + b, 0);
    return {
      enqueued: this.#stats.enqueued,
      delivered: this.#stats.delivered,
      duplicates: this.#stats.duplicates,
      dropped,
      droppedBy: { ...this.#stats.droppedBy },
      queued: this.#queue.length,
      queuedBytes: this.#queue.bytes,
      inFlight: this.#inFlight,
      requests: this.#stats.requests,
      retries: this.#stats.retries,
    };
  }

  /** Total events given up since the client started (all reasons). */
  get dropped(): number {
    return this.stats().dropped;
  }

  // ---- intake ----

  #strip(r: InteractionResult): EnqueueResult {
    return { queued: r.queued, idempotencyKey: r.idempotencyKey };
  }

  #submit(kind: EventKind, input: unknown, build: (key: string) => BuildResult): InteractionResult {
    let ref: EventRef = { kind, interactionId: "", idempotencyKey: "" };
    try {
      const given = (input as { idempotencyKey?: unknown } | null)?.idempotencyKey;
      const key = typeof given === "string" && given !== "" ? given : randomId();
      ref = { kind, interactionId: "", idempotencyKey: key };
      if (this.#closed) {
        this.#count("closed", 1);
        this.#report(new FeedbackClientError("closed", "client is shut down; event not sent", [ref]));
        return { queued: false, ...ref };
      }
      const built = build(key);
      ref = { kind, interactionId: built.interactionId, idempotencyKey: key };
      if (!built.ok) {
        this.#count("invalid", 1);
        const detail = built.violations.map((v) => `${v.path}: ${v.reason}`).join("; ");
        this.#report(new FeedbackClientError("invalid", `invalid ${kind}: ${detail}`, [ref], { fields: built.violations }));
        return { queued: false, ...ref };
      }
      const encoded = this.#transport.encode(built.event);
      const queued = this.#enqueue({ ...ref, seq: 0, encoded, enqueuedAt: Date.now() });
      return { queued, ...ref };
    } catch (err) {
      this.#count("internal", 1);
      this.#report(new FeedbackClientError("internal", `could not queue ${kind}: ${String(err)}`, [ref], { cause: err }));
      return { queued: false, ...ref };
    }
  }

  #enqueue(draft: QueuedEvent): boolean {
    const bytes = draft.encoded.bytes;
    if (bytes > this.#maxBatchBytes) {
      this.#dropWaiting([draft], "too_large", `event is ${bytes} bytes, above maxBatchBytes ${this.#maxBatchBytes}`, false);
      return false;
    }
    const fits = () =>
      this.#queue.length + this.#inFlight + 1 <= this.#maxQueueEvents &&
      this.#queue.bytes + this.#inFlightBytes + bytes <= this.#maxQueueBytes;
    if (!fits() && this.#dropPolicy === "drop-oldest") {
      const evicted: QueuedEvent[] = [];
      while (!fits() && this.#queue.length > 0) evicted.push(this.#queue.shift()!);
      if (evicted.length > 0)
        this.#dropWaiting(evicted, "queue_full", "buffer full: evicted the oldest waiting events (drop-oldest)", true);
    }
    if (!fits()) {
      this.#dropWaiting(
        [draft],
        "queue_full",
        `buffer full (${this.#maxQueueEvents} events / ${this.#maxQueueBytes} bytes): new event refused (drop-newest)`,
        false,
      );
      return false;
    }
    const event: QueuedEvent = { ...draft, seq: ++this.#seq };
    this.#queue.push(event);
    this.#stats.enqueued++;
    this.#kick();
    return true;
  }

  // ---- delivery ----

  #hasDueWork(): boolean {
    const head = this.#queue.peek();
    if (head === undefined) return false;
    return (
      head.seq <= this.#dueThrough ||
      this.#queue.length >= this.#maxBatchEvents ||
      this.#queue.bytes >= this.#maxBatchBytes
    );
  }

  #kick(): void {
    while (this.#workers.size < this.#concurrency && this.#hasDueWork()) {
      const w: Promise<void> = this.#work().finally(() => {
        this.#workers.delete(w);
        this.#kick();
      });
      this.#workers.add(w);
    }
    this.#armFlushTimer();
  }

  #armFlushTimer(): void {
    const head = this.#queue.peek();
    if (head === undefined || this.#flushTimer !== undefined || head.seq <= this.#dueThrough) return;
    const wait = Math.max(0, head.enqueuedAt + this.#flushIntervalMs - Date.now());
    this.#flushTimer = this.#timer(wait, () => {
      this.#flushTimer = undefined;
      this.#dueThrough = this.#seq;
      this.#kick();
    });
  }

  async #work(): Promise<void> {
    // Yield once, so events submitted in the same tick as the trigger join this batch.
    await Promise.resolve();
    while (this.#hasDueWork() && !this.#abort.signal.aborted) {
      const batch = this.#queue.take(this.#maxBatchEvents, this.#maxBatchBytes);
      for (const e of batch) this.#inFlightBytes += e.encoded.bytes;
      this.#inFlight += batch.length;
      await this.#deliver(batch);
    }
  }

  async #send(batch: readonly QueuedEvent[]): Promise<SendOutcome> {
    this.#stats.requests++;
    try {
      return await this.#transport.send(
        batch.map((e) => e.encoded),
        { signal: this.#abort.signal, keepalive: this.#pageHidden },
      );
    } catch (err) {
      // A transport classifies its own failures; anything escaping is treated as an outage.
      return { kind: "retry", status: "network", message: String(err), unbounded: true };
    }
  }

  /** Delivers one batch until every event in it is acknowledged or dropped. */
  async #deliver(initial: QueuedEvent[]): Promise<void> {
    let batch = initial;
    let attempt = 0;
    while (batch.length > 0) {
      await this.#sleep(this.#pausedUntil - Date.now());
      if (this.#abort.signal.aborted) {
        this.#dropInFlight(batch, "shutdown", "shutdown deadline reached before delivery", {});
        return;
      }
      const outcome = await this.#send(batch);
      switch (outcome.kind) {
        case "ok":
          this.#acknowledge(batch, outcome.results);
          return;
        case "retry": {
          if (this.#abort.signal.aborted) continue;
          attempt++;
          if (!outcome.unbounded && attempt >= this.#retry.maxAttempts) {
            this.#dropInFlight(batch, "retries_exhausted", `gave up after ${attempt} attempts: ${outcome.status} ${outcome.message}`, {
              status: outcome.status,
            });
            return;
          }
          const delayMs = retryDelayMs(attempt, this.#retry, outcome.retryAfterMs);
          // Overload and outages concern the whole server: every sender waits, not just this batch.
          if (outcome.unbounded) this.#pausedUntil = Math.max(this.#pausedUntil, Date.now() + delayMs);
          this.#stats.retries++;
          const info: RetryInfo = { attempt, status: outcome.status, message: outcome.message, delayMs, events: batch.length };
          this.#safeCall(() => this.#onRetry?.(info));
          await this.#sleep(delayMs);
          continue;
        }
        case "too_large": {
          if (batch.length === 1) {
            this.#dropInFlight(batch, "too_large", `server refused the event as too large: ${outcome.message}`, {
              status: outcome.status,
            });
            return;
          }
          const half = Math.ceil(batch.length / 2);
          await this.#deliver(batch.slice(0, half));
          batch = batch.slice(half);
          attempt = 0;
          continue;
        }
        case "rejected": {
          if (outcome.invalid === null) {
            this.#dropInFlight(batch, "rejected", `${outcome.status} ${outcome.code}: ${outcome.message}`, {
              status: outcome.status,
            });
            return;
          }
          // Batches are all-or-nothing: drop exactly the events the server named, resend the others.
          const rest: QueuedEvent[] = [];
          batch.forEach((e, i) => {
            const fields = outcome.invalid?.get(i);
            if (fields === undefined) rest.push(e);
            else {
              const detail = fields.map((f) => `${f.path}: ${f.reason}`).join("; ");
              this.#dropInFlight([e], "rejected", `${outcome.status} ${outcome.code}: ${detail}`, {
                status: outcome.status,
                fields,
              });
            }
          });
          batch = rest;
          attempt = 0;
          continue;
        }
      }
    }
  }

  #acknowledge(batch: readonly QueuedEvent[], results: readonly BatchResult[]): void {
    let dup = 0;
    for (const r of results) if (r.duplicate) dup++;
    this.#stats.delivered += batch.length;
    this.#stats.duplicates += dup;
    this.#releaseInFlight(batch);
    this.#settle(batch);
  }

  // ---- bookkeeping ----

  /** Drops events that never left the queue (refused at intake, or evicted while waiting). */
  #dropWaiting(events: readonly QueuedEvent[], reason: DropReason, message: string, wasQueued: boolean): void {
    this.#count(reason, events.length);
    if (wasQueued) this.#settle(events);
    this.#report(new FeedbackClientError(reason, message, events.map(ref)));
  }

  #dropInFlight(
    events: readonly QueuedEvent[],
    reason: DropReason,
    message: string,
    extra: { status?: string; fields?: readonly FieldViolation[] },
  ): void {
    this.#count(reason, events.length);
    this.#releaseInFlight(events);
    this.#settle(events);
    this.#report(new FeedbackClientError(reason, message, events.map(ref), extra));
  }

  #releaseInFlight(events: readonly QueuedEvent[]): void {
    this.#inFlight -= events.length;
    for (const e of events) this.#inFlightBytes -= e.encoded.bytes;
  }

  /** Counts buffered events as done for every flush() waiting on them. */
  #settle(events: readonly QueuedEvent[]): void {
    if (this.#waiters.length === 0) return;
    for (const w of this.#waiters) for (const e of events) if (e.seq <= w.watermark) w.remaining--;
    const done = this.#waiters.filter((w) => w.remaining <= 0);
    if (done.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => w.remaining > 0);
    if (this.#waiters.length === 0) this.#unrefTimers();
    for (const w of done) w.resolve({ ok: true, pending: 0 });
  }

  #count(reason: DropReason, n: number): void {
    this.#stats.droppedBy[reason] += n;
  }

  #report(err: FeedbackClientError): void {
    this.#safeCall(() => this.#onError(err));
  }

  #safeCall(fn: () => void): void {
    try {
      fn();
    } catch {
      // A throwing hook must not break delivery or reach the caller.
    }
  }

  // ---- timers: unref'd while idle so they never hold a Node process open, ref'd during flush ----

  #timer(ms: number, fn: () => void): Timer {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    this.#timers.add(t);
    if (this.#waiters.length === 0) (t as { unref?: () => void }).unref?.();
    return t;
  }

  #refTimers(): void {
    for (const t of this.#timers) (t as { ref?: () => void }).ref?.();
  }

  #unrefTimers(): void {
    for (const t of this.#timers) (t as { unref?: () => void }).unref?.();
  }

  #sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.#abort.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const onAbort = () => {
        clearTimeout(t);
        this.#timers.delete(t);
        resolve();
      };
      const t = this.#timer(ms, () => {
        this.#abort.signal.removeEventListener("abort", onAbort);
        resolve();
      });
      this.#abort.signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  async #doShutdown(timeoutMs: number): Promise<FlushResult> {
    this.#closed = true;
    this.#removePageListeners?.();
    const result = await this.flush({ timeoutMs });
    if (!result.ok) {
      this.#abort.abort();
      const waiting = this.#queue.drain();
      if (waiting.length > 0)
        this.#dropWaiting(waiting, "shutdown", `shutdown after ${timeoutMs} ms: events not delivered`, true);
      // In-flight batches see the abort and drop themselves with reason "shutdown".
      await Promise.allSettled([...this.#workers]);
    }
    if (this.#flushTimer !== undefined) clearTimeout(this.#flushTimer);
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    try {
      await this.#transport.close?.();
    } catch {
      // Closing is best effort; nothing is left to lose.
    }
    return result;
  }

  #listenForPageHide(): void {
    if (typeof document === "undefined" || typeof addEventListener !== "function") return;
    const onVisibility = () => {
      this.#pageHidden = document.visibilityState === "hidden";
      if (this.#pageHidden) this.#flushNow();
    };
    const onPageHide = () => {
      this.#pageHidden = true;
      this.#flushNow();
    };
    document.addEventListener("visibilitychange", onVisibility);
    addEventListener("pagehide", onPageHide);
    this.#removePageListeners = () => {
      document.removeEventListener("visibilitychange", onVisibility);
      removeEventListener("pagehide", onPageHide);
    };
  }

  #flushNow(): void {
    this.#dueThrough = this.#seq;
    this.#kick();
  }
}

function ref(e: QueuedEvent): EventRef {
  return { kind: e.kind, interactionId: e.interactionId, idempotencyKey: e.idempotencyKey };
}
