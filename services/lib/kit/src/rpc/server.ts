import { create, fromBinary, toBinary, type DescMessage, type DescMethod, type DescService } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { AppError } from "../errors/app-error.js";
import { grpcStatusOf } from "../errors/status.js";
import type { Logger } from "../log/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import { FIELDS_TRAILER, RETRY_AFTER_TRAILER, type CallContext, type ServiceImpl } from "./types.js";

export interface GrpcServerOptions {
  /** Largest request message (default 4 MiB). */
  maxReceiveMessageBytes?: number;
}

export function createGrpcServer(options: GrpcServerOptions = {}): grpc.Server {
  return new grpc.Server({
    "grpc.max_receive_message_length": options.maxReceiveMessageBytes ?? 4 * 1024 * 1024,
    "grpc.keepalive_permit_without_calls": 1,
  });
}

export interface AddServiceOptions {
  logger?: Logger;
  metrics?: Metrics;
}

const identity = (b: Buffer): Buffer => b;

function decode(schema: DescMessage, bytes: Uint8Array) {
  try {
    return fromBinary(schema, bytes);
  } catch (err) {
    throw new AppError("invalid_argument", `cannot decode ${schema.typeName}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
      retriable: false,
    });
  }
}

function encode(schema: DescMessage, init: unknown): Buffer {
  // create() accepts a full message or a partial init object alike.
  return Buffer.from(toBinary(schema, create(schema, init as never)));
}

/** JSON with every character outside printable ASCII escaped (still valid JSON, same value). */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** The status a client gets for an error: code, a message with the field violations, trailers. */
export function toGrpcStatus(err: unknown): Partial<grpc.StatusObject> {
  const e = AppError.from(err);
  const metadata = new grpc.Metadata();
  let details = e.code === "internal" ? "internal error" : e.message;
  if (e.fields.length > 0) {
    // Field paths echo client input (map keys, ids): grpc-js throws on a metadata value outside
    // printable ASCII, which crashed the process, so everything else is sent as \uXXXX escapes.
    metadata.set(FIELDS_TRAILER, asciiJson(e.fields));
    const first = e.fields[0];
    if (first && !details.includes(first.path)) details += `: ${e.fields.map((f) => `${f.path}: ${f.reason}`).join("; ")}`;
  }
  if (e.retryAfterSeconds !== undefined) metadata.set(RETRY_AFTER_TRAILER, String(Math.ceil(e.retryAfterSeconds)));
  return { code: grpcStatusOf(e) as grpc.status, details, metadata };
}

async function* decodeStream(call: NodeJS.ReadableStream, schema: DescMessage) {
  for await (const chunk of call as AsyncIterable<Buffer>) yield decode(schema, chunk);
}

/** What every grpc-js server call has (ServerSurfaceCall is not exported). */
interface SurfaceCall {
  metadata: grpc.Metadata;
  getPeer(): string;
  on(event: "cancelled", listener: () => void): unknown;
}

function contextOf(path: string, call: SurfaceCall, trailers: grpc.Metadata, finished: () => boolean): CallContext {
  const abort = new AbortController();
  // grpc-js emits "cancelled" when any call's stream closes, also after it answered.
  call.on("cancelled", () => {
    if (!finished()) abort.abort(new AppError("unavailable", "call cancelled by the client"));
  });
  return {
    method: path,
    metadata: call.metadata,
    header(name) {
      const v = call.metadata.get(name.toLowerCase())[0];
      return v === undefined ? undefined : typeof v === "string" ? v : v.toString("utf8");
    },
    peer: call.getPeer(),
    signal: abort.signal,
    setTrailer: (name, value) => trailers.set(name, value),
  };
}

/**
 * Registers a protobuf-es service on a grpc-js server. Handlers get decoded messages; what they
 * return is encoded with the output schema; an AppError they throw becomes its gRPC status with
 * field violations in the message (and as JSON in the `x-error-fields` trailer).
 */
export function addService<S extends DescService>(
  server: grpc.Server,
  service: S,
  impl: ServiceImpl<S>,
  options: AddServiceOptions = {},
): void {
  const { logger, metrics } = options;
  const calls = metrics?.counter({
    name: "rlhf_grpc_requests_total",
    help: "gRPC calls by method and status code",
    labelNames: ["method", "code"] as const,
  });
  const latency = metrics?.histogram({
    name: "rlhf_grpc_request_duration_seconds",
    help: "gRPC call latency by method and status code",
    labelNames: ["method", "code"] as const,
  });
  const definition: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
  const handlers: grpc.UntypedServiceImplementation = {};

  for (const method of service.methods as DescMethod[]) {
    const path = `/${service.typeName}/${method.name}`;
    const fn = (impl as Record<string, unknown>)[method.localName];
    if (typeof fn !== "function") throw new Error(`${service.typeName}: no implementation for ${method.localName}`);
    const clientStreams = method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming";
    const serverStreams = method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming";
    definition[method.localName] = {
      path,
      requestStream: clientStreams,
      responseStream: serverStreams,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
      originalName: method.name,
    };

    const finish = (started: number, err: unknown) => {
      const code = err === undefined ? 0 : grpcStatusOf(err);
      calls?.inc({ method: path, code: String(code) });
      latency?.observe({ method: path, code: String(code) }, (performance.now() - started) / 1000);
      if (err === undefined) logger?.debug({ method: path, ms: Math.round(performance.now() - started) }, "grpc call");
      else if (AppError.from(err).code === "internal") logger?.error({ err, method: path }, "grpc call failed");
      else logger?.info({ method: path, code: AppError.from(err).code, ms: Math.round(performance.now() - started) }, "grpc call rejected");
    };

    const call = fn.bind(impl) as (req: unknown, ctx: CallContext) => unknown;
    if (!serverStreams) {
      handlers[method.localName] = (
        c: grpc.ServerUnaryCall<Buffer, Buffer> | grpc.ServerReadableStream<Buffer, Buffer>,
        callback: grpc.sendUnaryData<Buffer>,
      ) => {
        const started = performance.now();
        const trailers = new grpc.Metadata();
        let done = false;
        const ctx = contextOf(path, c, trailers, () => done);
        void (async () => {
          const input = clientStreams
            ? decodeStream(c as grpc.ServerReadableStream<Buffer, Buffer>, method.input)
            : decode(method.input, (c as grpc.ServerUnaryCall<Buffer, Buffer>).request);
          return encode(method.output, await call(input, ctx));
        })().then(
          (bytes) => {
            done = true;
            finish(started, undefined);
            callback(null, bytes, trailers);
          },
          (err: unknown) => {
            done = true;
            finish(started, err);
            callback(toGrpcStatus(err) as grpc.ServerErrorResponse);
          },
        );
      };
    } else {
      handlers[method.localName] = (c: grpc.ServerWritableStream<Buffer, Buffer> | grpc.ServerDuplexStream<Buffer, Buffer>) => {
        const started = performance.now();
        const trailers = new grpc.Metadata();
        let done = false;
        const ctx = contextOf(path, c, trailers, () => done);
        void (async () => {
          const input = clientStreams ? decodeStream(c as grpc.ServerDuplexStream<Buffer, Buffer>, method.input) : decode(method.input, (c as grpc.ServerWritableStream<Buffer, Buffer>).request);
          for await (const out of call(input, ctx) as AsyncIterable<unknown>) {
            if (!c.write(encode(method.output, out))) await new Promise((r) => c.once("drain", r));
          }
        })().then(
          () => {
            done = true;
            finish(started, undefined);
            c.end(trailers);
          },
          (err: unknown) => {
            done = true;
            finish(started, err);
            c.emit("error", toGrpcStatus(err));
          },
        );
      };
    }
  }
  server.addService(definition, handlers);
}

/** Binds (insecure, for loopback and in-cluster mTLS-terminating meshes) and returns the port. */
export function bindGrpc(server: grpc.Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
  });
}

/** Stops taking calls, waits up to `graceMs` for running ones, then cancels what is left. */
export function stopGrpc(server: grpc.Server, graceMs = 5_000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
