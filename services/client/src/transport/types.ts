import type { IngestEvent } from "@rlhf-loop/proto";
import type { FieldViolation } from "../events/build.js";

/** An event already encoded for the wire once, so every retry sends identical bytes. */
export interface EncodedEvent {
  readonly payload: string | Uint8Array;
  /** Uncompressed size on the wire, for the byte limits of batches and of the queue. */
  readonly bytes: number;
}

export interface BatchResult {
  eventId: string;
  duplicate: boolean;
}

/** What happened to one batch, in transport-neutral terms the delivery loop acts on. */
export type SendOutcome =
  | { kind: "ok"; results: BatchResult[] }
  | {
      kind: "retry";
      /** HTTP status, gRPC status name, or "network". */
      status: string;
      message: string;
      /** Server-given wait (429/503 Retry-After), a floor for the next attempt. */
      retryAfterMs?: number;
      /**
       * True when the server is overloaded or unreachable (429, 503, connection errors): the events
       * themselves are fine, so they are retried for as long as the client runs. Other transient
       * failures (500, 502, 504, 408, timeouts) count against `maxAttempts`.
       */
      unbounded: boolean;
    }
  | { kind: "too_large"; status: string; message: string }
  | {
      kind: "rejected";
      status: string;
      code: string;
      message: string;
      /**
       * Violations keyed by event index when the server named events (`events[3].feedback...`);
       * null when the rejection concerns the whole request (auth, content type, ...).
       */
      invalid: Map<number, FieldViolation[]> | null;
    };

export interface SendOptions {
  signal: AbortSignal;
  /** Page is being hidden/unloaded: ask the browser to finish the request after the page is gone. */
  keepalive?: boolean;
}

/** How batches reach ingestion: HTTP (default, browsers and Node) or gRPC (Node, `@rlhf-loop/client/grpc`). */
export interface Transport {
  encode(event: IngestEvent): EncodedEvent;
  send(batch: readonly EncodedEvent[], options: SendOptions): Promise<SendOutcome>;
  close?(): Promise<void> | void;
}

const EVENT_INDEX = /^events\[(\d+)\]\.?(.*)$/;

/**
 * Groups server field violations by the event they name. Returns null when any violation does
 * not name an event (or names one outside the batch): then the batch as a whole is at fault.
 */
export function violationsByEvent(fields: readonly FieldViolation[], batchSize: number): Map<number, FieldViolation[]> | null {
  if (fields.length === 0) return null;
  const byIndex = new Map<number, FieldViolation[]>();
  for (const f of fields) {
    const m = EVENT_INDEX.exec(f.path);
    if (!m) return null;
    const i = Number(m[1]);
    if (!Number.isSafeInteger(i) || i >= batchSize) return null;
    const list = byIndex.get(i) ?? [];
    list.push({ path: m[2] ?? "", reason: f.reason });
    byIndex.set(i, list);
  }
  return byIndex;
}
