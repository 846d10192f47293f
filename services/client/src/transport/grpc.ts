// Node-only gRPC transport, reached through `@rlhf-loop/client/grpc` so browser bundles never
// load @grpc/grpc-js. Same delivery semantics as HTTP: RecordBatch, all-or-nothing, same keys.
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { FeedbackIngest, IngestEventSchema, RecordBatchResponseSchema, type IngestEvent, type RecordBatchResponse } from "@rlhf-loop/proto";
import { FeedbackClient, type FeedbackClientOptions } from "../client/feedback-client.js";
import type { FieldViolation } from "../events/build.js";
import { violationsByEvent, type EncodedEvent, type SendOptions, type SendOutcome, type Transport } from "./types.js";

// Trailer names ingestion uses for structured errors (services/lib/kit rpc); the SDK may not
// import kit, so they are repeated here.
const FIELDS_TRAILER = "x-error-fields";
const RETRY_AFTER_TRAILER = "retry-after";

export interface GrpcTransportOptions {
  /** host:port of ingestion's gRPC listener. */
  address: string;
  apiKey: string;
  /** Default insecure (plaintext, for loopback and service meshes); pass grpc.credentials.createSsl() for TLS. */
  credentials?: grpc.ChannelCredentials;
  /** Per-call deadline. Default 10 s. */
  requestTimeoutMs?: number;
  channelOptions?: grpc.ChannelOptions;
}

const RECORD_BATCH = FeedbackIngest.method.recordBatch;
const PATH = `/${FeedbackIngest.typeName}/${RECORD_BATCH.name}`;

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

/**
 * RecordBatchRequest is `repeated IngestEvent events = 1`, so its encoding is each event's bytes
 * behind tag 0x0a and a length: built by concatenation, without re-encoding on every retry.
 */
export function encodeBatch(events: readonly Uint8Array[]): Buffer {
  const heads = events.map((e) => Buffer.from([0x0a, ...varint(e.byteLength)]));
  const parts: Uint8Array[] = [];
  events.forEach((e, i) => parts.push(heads[i]!, e));
  return Buffer.concat(parts);
}

function retriableOutcome(err: grpc.ServiceError, statusName: string): SendOutcome | undefined {
  const raw = err.metadata?.get(RETRY_AFTER_TRAILER)[0];
  const secs = raw === undefined ? NaN : Number(raw.toString());
  const retryAfter = Number.isFinite(secs) && secs >= 0 ? { retryAfterMs: secs * 1000 } : {};
  const message = err.details || err.message;
  switch (err.code) {
    case grpc.status.RESOURCE_EXHAUSTED:
    case grpc.status.UNAVAILABLE:
      return { kind: "retry", status: statusName, message, unbounded: true, ...retryAfter };
    case grpc.status.DEADLINE_EXCEEDED:
    case grpc.status.INTERNAL:
    case grpc.status.UNKNOWN:
    case grpc.status.ABORTED:
    case grpc.status.CANCELLED:
      return { kind: "retry", status: statusName, message, unbounded: false, ...retryAfter };
    default:
      return undefined;
  }
}

function fieldsOf(err: grpc.ServiceError): FieldViolation[] {
  const raw = err.metadata?.get(FIELDS_TRAILER)[0];
  if (raw === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(raw.toString());
    if (!Array.isArray(parsed)) return [];
    return parsed.flatMap((f: unknown) => {
      const o = (typeof f === "object" && f !== null ? f : {}) as { path?: unknown; reason?: unknown };
      return typeof o.path === "string" ? [{ path: o.path, reason: typeof o.reason === "string" ? o.reason : "" }] : [];
    });
  } catch {
    return [];
  }
}

/** Sends batches with the unary RecordBatch RPC over one long-lived HTTP/2 channel. */
export class GrpcTransport implements Transport {
  readonly #client: grpc.Client;
  readonly #apiKey: string;
  readonly #timeoutMs: number;

  constructor(options: GrpcTransportOptions) {
    this.#client = new grpc.Client(options.address, options.credentials ?? grpc.credentials.createInsecure(), options.channelOptions);
    this.#apiKey = options.apiKey;
    this.#timeoutMs = options.requestTimeoutMs ?? 10_000;
  }

  encode(event: IngestEvent): EncodedEvent {
    const payload = toBinary(IngestEventSchema, event);
    return { payload, bytes: payload.byteLength + 6 };
  }

  send(batch: readonly EncodedEvent[], options: SendOptions): Promise<SendOutcome> {
    const body = encodeBatch(batch.map((e) => (typeof e.payload === "string" ? Buffer.from(e.payload) : e.payload)));
    const md = new grpc.Metadata();
    md.set("authorization", `Bearer ${this.#apiKey}`);
    return new Promise<SendOutcome>((resolve) => {
      const call = this.#client.makeUnaryRequest<Buffer, RecordBatchResponse>(
        PATH,
        (b) => b,
        (b) => fromBinary(RecordBatchResponseSchema, b),
        body,
        md,
        { deadline: Date.now() + this.#timeoutMs },
        (err, res) => {
          options.signal.removeEventListener("abort", onAbort);
          if (!err) {
            resolve({ kind: "ok", results: (res?.results ?? []).map((r) => ({ eventId: r.eventId, duplicate: r.duplicate })) });
            return;
          }
          const statusName = grpc.status[err.code] ?? String(err.code);
          const retry = retriableOutcome(err, statusName);
          if (retry) return resolve(retry);
          const message = err.details || err.message;
          if (err.code === grpc.status.OUT_OF_RANGE || /too large|larger than max/i.test(message))
            return resolve({ kind: "too_large", status: statusName, message });
          const invalid =
            err.code === grpc.status.INVALID_ARGUMENT || err.code === grpc.status.FAILED_PRECONDITION
              ? violationsByEvent(fieldsOf(err), batch.length)
              : null;
          resolve({ kind: "rejected", status: statusName, code: statusName.toLowerCase(), message, invalid });
        },
      );
      const onAbort = () => call.cancel();
      options.signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  close(): void {
    this.#client.close();
  }
}

export interface GrpcFeedbackClientOptions
  extends Omit<FeedbackClientOptions, "url" | "transport" | "gzip" | "gzipMinBytes" | "fetch" | "headers" | "flushOnPageHide"> {
  /** host:port of ingestion's gRPC listener. */
  address: string;
  apiKey: string;
  credentials?: grpc.ChannelCredentials;
  channelOptions?: grpc.ChannelOptions;
}

/** A FeedbackClient that sends over gRPC: for server-side users already on HTTP/2 meshes. */
export function createGrpcFeedbackClient(options: GrpcFeedbackClientOptions): FeedbackClient {
  const { address, apiKey, credentials, channelOptions, requestTimeoutMs, ...rest } = options;
  const transport = new GrpcTransport({
    address,
    apiKey,
    ...(credentials ? { credentials } : {}),
    ...(channelOptions ? { channelOptions } : {}),
    ...(requestTimeoutMs !== undefined ? { requestTimeoutMs } : {}),
  });
  return new FeedbackClient({ ...rest, transport, flushOnPageHide: false });
}
