import { toJsonString } from "@bufbuild/protobuf";
import { IngestEventSchema, type IngestEvent } from "@rlhf-loop/proto";
import type { FieldViolation } from "../events/build.js";
import { utf8Length } from "../events/utf8.js";
import { parseRetryAfter } from "../delivery/backoff.js";
import { canGzip, gzip } from "./gzip.js";
import { anySignal, timeoutSignal } from "./signals.js";
import {
  violationsByEvent,
  type BatchResult,
  type EncodedEvent,
  type SendOptions,
  type SendOutcome,
  type Transport,
} from "./types.js";

export interface HttpTransportOptions {
  /** Base URL of ingestion (`https://feedback.example.com`) or of a proxy path on your own origin. */
  url: string;
  /** `rlhf_<tenant>_<secret>`; omit only when a proxy adds it. */
  apiKey?: string;
  /** Gzip bodies of at least `gzipMinBytes` where CompressionStream exists. Default true. */
  gzip?: boolean;
  /** Default 1024: below that, gzip costs more than it saves. */
  gzipMinBytes?: number;
  /** Per-request timeout; a timed-out request is retried with the same idempotency keys. Default 10 s. */
  requestTimeoutMs?: number;
  /** Inject a fetch (tests, custom agents). Defaults to globalThis.fetch. */
  fetch?: typeof fetch;
  /** Extra headers, e.g. for a proxy. */
  headers?: Record<string, string>;
}

/** Browsers refuse keepalive bodies above 64 KiB in total; leave room for headers. */
const KEEPALIVE_MAX_BYTES = 60 * 1024;

interface ErrorBody {
  error?: { code?: unknown; message?: unknown; fields?: unknown };
}

function parseFields(raw: unknown): FieldViolation[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((f: unknown) => {
    if (typeof f !== "object" || f === null) return [];
    const { path, reason } = f as { path?: unknown; reason?: unknown };
    return typeof path === "string" ? [{ path, reason: typeof reason === "string" ? reason : "" }] : [];
  });
}

function parseResults(text: string): BatchResult[] {
  try {
    const body = JSON.parse(text) as { results?: unknown };
    if (!Array.isArray(body.results)) return [];
    return body.results.map((r: unknown) => {
      const o = (typeof r === "object" && r !== null ? r : {}) as { eventId?: unknown; duplicate?: unknown };
      return { eventId: typeof o.eventId === "string" ? o.eventId : "", duplicate: o.duplicate === true };
    });
  } catch {
    return [];
  }
}

/** POSTs batches to `/v1/events:batch` with fetch: the default transport, browsers included. */
export class HttpTransport implements Transport {
  readonly #endpoint: string;
  readonly #headers: Record<string, string>;
  readonly #gzip: boolean;
  readonly #gzipMinBytes: number;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(options: HttpTransportOptions) {
    this.#endpoint = `${options.url.replace(/\/+$/, "")}/v1/events:batch`;
    this.#headers = { "content-type": "application/json", ...options.headers };
    if (options.apiKey) this.#headers.authorization = `Bearer ${options.apiKey}`;
    this.#gzip = (options.gzip ?? true) && canGzip();
    this.#gzipMinBytes = options.gzipMinBytes ?? 1024;
    this.#timeoutMs = options.requestTimeoutMs ?? 10_000;
    // Bound late so a test or polyfill that replaces globalThis.fetch afterwards is honoured.
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  encode(event: IngestEvent): EncodedEvent {
    const payload = toJsonString(IngestEventSchema, event);
    return { payload, bytes: utf8Length(payload) };
  }

  async send(batch: readonly EncodedEvent[], options: SendOptions): Promise<SendOutcome> {
    const json = `{"events":[${batch.map((e) => e.payload).join(",")}]}`;
    const headers = { ...this.#headers };
    let body: string | Uint8Array<ArrayBuffer> = json;
    if (this.#gzip && json.length >= this.#gzipMinBytes) {
      body = await gzip(json);
      headers["content-encoding"] = "gzip";
    }
    const size = typeof body === "string" ? utf8Length(body) : body.byteLength;
    const timeout = timeoutSignal(this.#timeoutMs);
    let res: Response;
    try {
      res = await this.#fetch(this.#endpoint, {
        method: "POST",
        headers,
        body,
        signal: anySignal([options.signal, timeout]),
        keepalive: options.keepalive === true && size <= KEEPALIVE_MAX_BYTES,
      });
    } catch (err) {
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      // A timeout is ambiguous (the server may have stored the batch); the retry is safe because
      // it carries the same idempotency keys.
      return { kind: "retry", status: timeout.aborted ? "timeout" : "network", message, unbounded: !timeout.aborted };
    }
    const text = await res.text().catch(() => "");
    const status = String(res.status);
    if (res.ok) return { kind: "ok", results: parseResults(text) };

    let error: ErrorBody["error"] = undefined;
    try {
      error = (JSON.parse(text) as ErrorBody).error;
    } catch {
      // Non-JSON error page (proxy, load balancer): keep the status and the first bytes.
    }
    const message = typeof error?.message === "string" ? error.message : text.slice(0, 200) || res.statusText;
    const code = typeof error?.code === "string" ? error.code : `http_${status}`;
    const retryAfterMs = parseRetryAfter(res.headers.get("retry-after"));

    if (res.status === 429 || res.status === 503) {
      return { kind: "retry", status, message, unbounded: true, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    }
    if (res.status === 408 || res.status >= 500) {
      return { kind: "retry", status, message, unbounded: false, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    }
    if (res.status === 413) return { kind: "too_large", status, message };
    return { kind: "rejected", status, code, message, invalid: violationsByEvent(parseFields(error?.fields), batch.length) };
  }
}
