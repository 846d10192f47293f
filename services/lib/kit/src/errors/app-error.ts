/**
 * The one error type services throw across boundaries. It carries a code (mapped to HTTP and
 * gRPC statuses only at the edge), a retriable flag (so a consumer knows whether to retry or
 * dead-letter) and optional field violations. The cause is for logs, never for clients.
 */
export const ErrorCodes = [
  "invalid_argument",
  "unauthenticated",
  "permission_denied",
  "not_found",
  "already_exists",
  "failed_precondition",
  "resource_exhausted",
  "payload_too_large",
  "unsupported_media_type",
  "unavailable",
  "internal",
] as const;

export type ErrorCode = (typeof ErrorCodes)[number];

/** One bad field: a path such as `events[3].rating` and why it is bad. */
export interface FieldViolation {
  path: string;
  reason: string;
}

export interface AppErrorOptions {
  /** Overrides the code's default (see {@link defaultRetriable}). */
  retriable?: boolean;
  fields?: readonly FieldViolation[];
  /** Sent as Retry-After (HTTP) / retry-after metadata (gRPC). */
  retryAfterSeconds?: number;
  /** Logged, never sent to clients. */
  cause?: unknown;
}

/** Codes that are worth retrying by default: the same request may succeed later. */
export function defaultRetriable(code: ErrorCode): boolean {
  return code === "unavailable" || code === "resource_exhausted" || code === "internal";
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly fields: readonly FieldViolation[];
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.retriable = options.retriable ?? defaultRetriable(code);
    this.fields = options.fields ?? [];
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** Shorthand for a 400 naming each bad field. */
  static invalid(fields: readonly FieldViolation[], message?: string): AppError {
    const summary = fields.map((f) => `${f.path}: ${f.reason}`).join("; ");
    return new AppError("invalid_argument", message ?? `invalid request: ${summary}`, { fields });
  }

  /** Wraps anything thrown into an AppError; unknown errors become retriable `internal`. */
  static from(err: unknown): AppError {
    if (err instanceof AppError) return err;
    // Postgres refuses text holding NUL or bytes invalid in its encoding (SQLSTATE 22021, 22P05):
    // that is the client's input (an id with %00 in a URL), not a server fault, so 400, never 500.
    const sqlState = (err as { code?: unknown } | null)?.code;
    if (sqlState === "22021" || sqlState === "22P05") {
      return new AppError("invalid_argument", "text contains a NUL character or is not valid UTF-8", { retriable: false, cause: err });
    }
    const message = err instanceof Error ? err.message : String(err);
    return new AppError("internal", message, { cause: err });
  }

  /** What a client may see: no cause, no stack. */
  toJSON(): { code: ErrorCode; message: string; fields: FieldViolation[] } {
    return { code: this.code, message: this.message, fields: [...this.fields] };
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/**
 * Whether an error is worth retrying. Errors that are not AppErrors (network failures,
 * driver errors, bugs) count as retriable: a bounded retry costs little, and the record still
 * reaches the DLQ when retries run out.
 */
export function isRetriable(err: unknown): boolean {
  return err instanceof AppError ? err.retriable : true;
}
