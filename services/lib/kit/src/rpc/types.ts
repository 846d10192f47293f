import type { DescMessage, DescService, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import type { Metadata } from "@grpc/grpc-js";

/** What a server handler gets besides the request. */
export interface CallContext {
  /** Full method path, e.g. `/rlhf.v1.FeedbackIngest/RecordFeedback`. */
  method: string;
  metadata: Metadata;
  /** First value of a metadata key (lowercase), as a string. */
  header(name: string): string | undefined;
  peer: string;
  /** Aborted when the client cancels or the deadline passes. */
  signal: AbortSignal;
  /** Sets trailing metadata sent with the response status. */
  setTrailer(name: string, value: string): void;
}

type In<M> = M extends { input: infer I extends DescMessage } ? I : never;
type Out<M> = M extends { output: infer O extends DescMessage } ? O : never;

/** Server-side implementation of one method, by its kind. */
export type MethodImpl<M> = M extends { methodKind: "unary" }
  ? (request: MessageShape<In<M>>, ctx: CallContext) => Promise<MessageInitShape<Out<M>>>
  : M extends { methodKind: "client_streaming" }
    ? (requests: AsyncIterable<MessageShape<In<M>>>, ctx: CallContext) => Promise<MessageInitShape<Out<M>>>
    : M extends { methodKind: "server_streaming" }
      ? (request: MessageShape<In<M>>, ctx: CallContext) => AsyncIterable<MessageInitShape<Out<M>>>
      : M extends { methodKind: "bidi_streaming" }
        ? (requests: AsyncIterable<MessageShape<In<M>>>, ctx: CallContext) => AsyncIterable<MessageInitShape<Out<M>>>
        : never;

/** An implementation of every method of a protobuf-es service descriptor. */
export type ServiceImpl<S extends DescService> = { [K in keyof S["method"]]: MethodImpl<S["method"][K]> };

export interface CallOptions {
  /** Sent as request metadata (e.g. `{ authorization: "Bearer ..." }`). */
  metadata?: Record<string, string>;
  /** Deadline relative to now. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Client-side promise method of one method, by its kind. */
export type ClientMethod<M> = M extends { methodKind: "unary" }
  ? (request: MessageInitShape<In<M>>, options?: CallOptions) => Promise<MessageShape<Out<M>>>
  : M extends { methodKind: "client_streaming" }
    ? (
        requests: Iterable<MessageInitShape<In<M>>> | AsyncIterable<MessageInitShape<In<M>>>,
        options?: CallOptions,
      ) => Promise<MessageShape<Out<M>>>
    : M extends { methodKind: "server_streaming" }
      ? (request: MessageInitShape<In<M>>, options?: CallOptions) => AsyncIterable<MessageShape<Out<M>>>
      : never;

/** A typed client: one promise method per RPC, plus close(). Errors are thrown as AppError. */
export type GrpcClient<S extends DescService> = { [K in keyof S["method"]]: ClientMethod<S["method"][K]> } & {
  close(): void;
};

/** Trailer carrying field violations as JSON, so clients get them back as AppError.fields. */
export const FIELDS_TRAILER = "x-error-fields";
export const RETRY_AFTER_TRAILER = "retry-after";
