import { create, fromBinary, toBinary, type DescMessage, type DescMethod, type DescService } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { AppError, type FieldViolation } from "../errors/app-error.js";
import { codeOfGrpcStatus } from "../errors/status.js";
import { FIELDS_TRAILER, RETRY_AFTER_TRAILER, type CallOptions, type GrpcClient } from "./types.js";

function metadataOf(o: CallOptions | undefined): grpc.Metadata {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(o?.metadata ?? {})) md.set(k.toLowerCase(), v);
  return md;
}

function callOptionsOf(o: CallOptions | undefined): grpc.CallOptions {
  return o?.timeoutMs !== undefined ? { deadline: Date.now() + o.timeoutMs } : {};
}

/** Turns a gRPC status received by a client back into an AppError (with fields and Retry-After). */
export function appErrorFromGrpc(err: unknown): AppError {
  const e = err as Partial<grpc.ServiceError>;
  if (typeof e.code !== "number") return AppError.from(err);
  let fields: FieldViolation[] = [];
  const raw = e.metadata?.get(FIELDS_TRAILER)[0];
  if (raw !== undefined) {
    try {
      const parsed: unknown = JSON.parse(raw.toString());
      if (Array.isArray(parsed)) fields = parsed as FieldViolation[];
    } catch {
      // A malformed trailer only loses the structured fields; the message still names them.
    }
  }
  const retryAfter = e.metadata?.get(RETRY_AFTER_TRAILER)[0];
  return new AppError(codeOfGrpcStatus(e.code), e.details ?? e.message ?? "grpc error", {
    fields,
    cause: err,
    ...(retryAfter !== undefined ? { retryAfterSeconds: Number(retryAfter.toString()) } : {}),
  });
}

const identity = (b: Buffer): Buffer => b;

function encode(schema: DescMessage, init: unknown): Buffer {
  return Buffer.from(toBinary(schema, create(schema, init as never)));
}

/** A typed promise client for a protobuf-es service (insecure channel). Errors reject as AppError. */
export function createGrpcClient<S extends DescService>(
  service: S,
  address: string,
  channelOptions: grpc.ChannelOptions = {},
): GrpcClient<S> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), channelOptions);
  const out: Record<string, unknown> = { close: () => client.close() };

  for (const method of service.methods as DescMethod[]) {
    const path = `/${service.typeName}/${method.name}`;
    const decode = (b: Buffer) => fromBinary(method.output, b);
    switch (method.methodKind) {
      case "unary":
        out[method.localName] = (request: unknown, o?: CallOptions) =>
          new Promise((resolve, reject) => {
            const call = client.makeUnaryRequest(path, identity, decode, encode(method.input, request), metadataOf(o), callOptionsOf(o), (err, res) =>
              err ? reject(appErrorFromGrpc(err)) : resolve(res),
            );
            o?.signal?.addEventListener("abort", () => call.cancel(), { once: true });
          });
        break;
      case "client_streaming":
        out[method.localName] = (requests: Iterable<unknown> | AsyncIterable<unknown>, o?: CallOptions) =>
          new Promise((resolve, reject) => {
            let settled = false;
            const call = client.makeClientStreamRequest(path, identity, decode, metadataOf(o), callOptionsOf(o), (err, res) => {
              settled = true;
              if (err) reject(appErrorFromGrpc(err));
              else resolve(res);
            });
            o?.signal?.addEventListener("abort", () => call.cancel(), { once: true });
            void (async () => {
              for await (const r of requests) {
                // The server may answer (e.g. reject) before we finish writing.
                if (settled) return;
                if (!call.write(encode(method.input, r))) await new Promise((res) => call.once("drain", res));
              }
              call.end();
            })().catch((err: unknown) => {
              call.cancel();
              if (!settled) reject(AppError.from(err));
            });
          });
        break;
      case "server_streaming":
        out[method.localName] = (request: unknown, o?: CallOptions) =>
          (async function* () {
            const stream = client.makeServerStreamRequest(path, identity, decode, encode(method.input, request), metadataOf(o), callOptionsOf(o));
            o?.signal?.addEventListener("abort", () => stream.cancel(), { once: true });
            try {
              for await (const m of stream) yield m;
            } catch (err) {
              throw appErrorFromGrpc(err);
            }
          })();
        break;
      default:
        // bidi is not used by our contracts; the method is absent from the client.
        break;
    }
  }
  return out as GrpcClient<S>;
}
