import type { EventKind, FieldViolation } from "../events/build.js";

/**
 * Why events were given up. Each dropped event counts once, under one reason:
 * - queue_full: the buffer was at its bound (see the drop policy);
 * - invalid: the client's own checks refused the event before queueing;
 * - rejected: the server refused it (4xx other than 408/413/429), after any valid siblings were resent;
 * - too_large: a single event exceeds the batch byte limit or the server's body limit (413);
 * - retries_exhausted: `maxAttempts` transient failures (5xx, 408, timeouts) in a row;
 * - shutdown: still undelivered when `shutdown()`'s deadline passed;
 * - closed: submitted after `shutdown()` began;
 * - internal: a bug in the SDK caught before it could reach the caller.
 */
export type DropReason =
  | "queue_full"
  | "invalid"
  | "rejected"
  | "too_large"
  | "retries_exhausted"
  | "shutdown"
  | "closed"
  | "internal";

export const DROP_REASONS: readonly DropReason[] = [
  "queue_full",
  "invalid",
  "rejected",
  "too_large",
  "retries_exhausted",
  "shutdown",
  "closed",
  "internal",
];

export interface EventRef {
  kind: EventKind;
  interactionId: string;
  idempotencyKey: string;
}

/** Handed to `onError`; never thrown at the caller. */
export class FeedbackClientError extends Error {
  override readonly name = "FeedbackClientError";
  readonly code: DropReason;
  /** The events given up (one for a per-event rejection, the batch for a whole-batch one). */
  readonly events: readonly EventRef[];
  /** Field-level reasons, paths relative to the event (`feedback.thumb.direction`). */
  readonly fields: readonly FieldViolation[];
  /** HTTP status, gRPC status name, "network" or "timeout", when a server answer caused it. */
  readonly status: string | undefined;

  constructor(
    code: DropReason,
    message: string,
    events: readonly EventRef[],
    extra: { fields?: readonly FieldViolation[]; status?: string; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.code = code;
    this.events = events;
    this.fields = extra.fields ?? [];
    this.status = extra.status;
  }
}

/** Handed to `onRetry` before each wait; informational. */
export interface RetryInfo {
  attempt: number;
  status: string;
  message: string;
  delayMs: number;
  events: number;
}
