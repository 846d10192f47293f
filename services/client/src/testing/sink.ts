// A small local server that speaks the ingestion batch contract (auth, gzip, all-or-nothing
// validation naming events[i], idempotency, 429/503 with Retry-After), with scripted faults and
// restarts. It exercises the client's own logic in unit tests and serves as the "minimal sink"
// column of the benchmark; acceptance tests run against the real ingestion service instead.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { gunzipSync } from "node:zlib";
import { createHash } from "node:crypto";
import { fromJsonString, toJsonString, create } from "@bufbuild/protobuf";
import {
  RecordBatchRequestSchema,
  RecordBatchResponseSchema,
  ThumbDirection,
  FeedbackSource,
  OutcomeKind,
  type IngestEvent,
} from "@rlhf-loop/proto";

export interface SinkFault {
  /** Answer with this status (and the contract's error body). */
  status?: number;
  /** Retry-After header value in seconds (429/503). */
  retryAfter?: number;
  /** Store the batch first, then answer with `status` anyway (a lost acknowledgement). */
  commitFirst?: boolean;
  /** Hang up the connection without answering. */
  destroy?: boolean;
  /** Wait this long before answering. */
  delayMs?: number;
}

export interface SinkRequestInfo {
  /** 1-based count of batch requests received so far, this one included. */
  requestNo: number;
  events: number;
}

export interface SinkOptions {
  apiKey?: string;
  port?: number;
  /** Decides a fault for a request; undefined means answer normally. */
  fault?: (info: SinkRequestInfo) => SinkFault | undefined;
  /** Extra server-side rule: violations (paths relative to the event) for one event. */
  validate?: (event: IngestEvent) => { path: string; reason: string }[];
  maxEvents?: number;
  maxBodyBytes?: number;
}

export interface Sink {
  readonly url: string;
  readonly port: number;
  /** Accepted events by idempotency key (first arrival only). */
  readonly stored: Map<string, IngestEvent>;
  /** Idempotency keys in arrival order of first acceptance. */
  readonly order: string[];
  readonly counters: { requests: number; received: number; duplicates: number; gzipped: number; faults: number };
  /** Request headers of every batch request, for assertions. */
  readonly headers: IncomingMessage["headers"][];
  stop(): Promise<void>;
  /** Starts listening again on the same port (after stop()). */
  start(): Promise<void>;
  close(): Promise<void>;
}

function keyOf(e: IngestEvent): string {
  const v = e.event.value;
  return v?.idempotencyKey ?? "";
}

function basicRules(e: IngestEvent): { path: string; reason: string }[] {
  const out: { path: string; reason: string }[] = [];
  switch (e.event.case) {
    case "interaction": {
      const i = e.event.value;
      if (!i.interactionId) out.push({ path: "interaction.interactionId", reason: "required" });
      if (i.prompt.length === 0) out.push({ path: "interaction.prompt", reason: "required" });
      if (!i.answer) out.push({ path: "interaction.answer", reason: "required" });
      if (!i.occurredAt) out.push({ path: "interaction.occurredAt", reason: "required" });
      break;
    }
    case "feedback": {
      const f = e.event.value;
      if (!f.interactionId) out.push({ path: "feedback.interactionId", reason: "required" });
      if (f.source === FeedbackSource.UNSPECIFIED) out.push({ path: "feedback.source", reason: "required" });
      if (f.kind.case === undefined) out.push({ path: "feedback.kind", reason: "exactly one kind required" });
      if (f.kind.case === "thumb" && f.kind.value.direction === ThumbDirection.UNSPECIFIED)
        out.push({ path: "feedback.thumb.direction", reason: "required" });
      break;
    }
    case "outcome": {
      const o = e.event.value;
      if (!o.interactionId) out.push({ path: "outcome.interactionId", reason: "required" });
      if (!o.outcome || o.outcome.kind === OutcomeKind.UNSPECIFIED) out.push({ path: "outcome.outcome.kind", reason: "required" });
      break;
    }
    default:
      out.push({ path: "event", reason: "one of interaction, feedback, outcome required" });
  }
  return out;
}

function sendJson(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(body);
}

function errorBody(code: string, message: string, fields: { path: string; reason: string }[] = []): string {
  return JSON.stringify({ error: { code, message, fields } });
}

const STATUS_CODES: Record<number, string> = {
  400: "invalid_argument",
  401: "unauthenticated",
  403: "permission_denied",
  409: "failed_precondition",
  413: "payload_too_large",
  429: "resource_exhausted",
  500: "internal",
  502: "bad_gateway",
  503: "unavailable",
};

export async function startSink(options: SinkOptions = {}): Promise<Sink> {
  const apiKey = options.apiKey ?? "rlhf_test_secret";
  const maxEvents = options.maxEvents ?? 1000;
  const maxBodyBytes = options.maxBodyBytes ?? 5 * 1024 * 1024;
  const stored = new Map<string, IngestEvent>();
  const order: string[] = [];
  const counters = { requests: 0, received: 0, duplicates: 0, gzipped: 0, faults: 0 };
  const headers: IncomingMessage["headers"][] = [];
  const sockets = new Set<Socket>();

  const commit = (events: IngestEvent[]) =>
    events.map((e) => {
      const key = keyOf(e);
      const eventId = createHash("sha256").update(key).digest("hex").slice(0, 32);
      counters.received++;
      if (stored.has(key)) {
        counters.duplicates++;
        return { eventId, idempotencyKey: key, duplicate: true };
      }
      stored.set(key, e);
      order.push(key);
      return { eventId, idempotencyKey: key, duplicate: false };
    });

  const handle = async (req: IncomingMessage, res: ServerResponse, raw: Buffer) => {
    if (req.method !== "POST" || req.url !== "/v1/events:batch") return sendJson(res, 404, errorBody("not_found", "no route"));
    counters.requests++;
    headers.push(req.headers);
    if (req.headers.authorization !== `Bearer ${apiKey}`) return sendJson(res, 401, errorBody("unauthenticated", "bad key"));
    if (!String(req.headers["content-type"] ?? "").startsWith("application/json"))
      return sendJson(res, 415, errorBody("unsupported_media_type", "json only"));
    let body = raw;
    if (req.headers["content-encoding"] === "gzip") {
      counters.gzipped++;
      body = gunzipSync(raw);
    }
    if (body.length > maxBodyBytes) return sendJson(res, 413, errorBody("payload_too_large", "body too large"));
    let events: IngestEvent[];
    try {
      events = fromJsonString(RecordBatchRequestSchema, body.toString("utf8")).events;
    } catch (err) {
      return sendJson(res, 400, errorBody("invalid_argument", String(err)));
    }
    if (events.length > maxEvents) return sendJson(res, 413, errorBody("payload_too_large", "too many events"));
    const fault = options.fault?.({ requestNo: counters.requests, events: events.length });
    if (fault) {
      counters.faults++;
      if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault.destroy) return void req.socket.destroy();
      if (fault.commitFirst) commit(events);
      if (fault.status !== undefined) {
        const h: Record<string, string> = fault.retryAfter !== undefined ? { "retry-after": String(fault.retryAfter) } : {};
        return sendJson(res, fault.status, errorBody(STATUS_CODES[fault.status] ?? "error", "injected fault"), h);
      }
    }
    const fields = events.flatMap((e, i) =>
      [...basicRules(e), ...(options.validate?.(e) ?? [])].map((f) => ({ path: `events[${i}].${f.path}`, reason: f.reason })),
    );
    if (fields.length > 0) return sendJson(res, 400, errorBody("invalid_argument", "invalid events", fields));
    const results = commit(events);
    const response = create(RecordBatchResponseSchema, {
      results,
      accepted: results.filter((r) => !r.duplicate).length,
      duplicates: results.filter((r) => r.duplicate).length,
    });
    sendJson(res, 202, toJsonString(RecordBatchResponseSchema, response));
  };

  let server: Server | undefined;
  let port = options.port ?? 0;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          handle(req, res, Buffer.concat(chunks)).catch((err: unknown) => {
            if (!res.headersSent) sendJson(res, 500, errorBody("internal", String(err)));
          });
        });
      });
      s.on("connection", (sock) => {
        sockets.add(sock);
        sock.on("close", () => sockets.delete(sock));
      });
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => {
        const addr = s.address();
        if (addr && typeof addr === "object") port = addr.port;
        server = s;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      const s = server;
      server = undefined;
      if (!s) return resolve();
      // A crash-like stop: open keep-alive connections die with the server.
      for (const sock of sockets) sock.destroy();
      s.close(() => resolve());
    });
  await start();
  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    stored,
    order,
    counters,
    headers,
    stop,
    start,
    close: stop,
  };
}
