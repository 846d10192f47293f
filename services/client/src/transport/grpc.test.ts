import { test } from "node:test";
import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { RecordBatchRequestSchema, RecordBatchResponseSchema, type IngestEvent } from "@rlhf-loop/proto";
import { createGrpcFeedbackClient, encodeBatch } from "./grpc.js";
import type { FeedbackClientError } from "../delivery/errors.js";

interface Behaviour {
  (call: number, events: IngestEvent[]): { code: grpc.status; trailers?: Record<string, string> } | undefined;
}

async function startServer(behaviour: Behaviour) {
  const stored = new Map<string, IngestEvent>();
  const auth: string[] = [];
  let calls = 0;
  const server = new grpc.Server();
  server.addService(
    {
      recordBatch: {
        path: "/rlhf.v1.FeedbackIngest/RecordBatch",
        requestStream: false,
        responseStream: false,
        requestSerialize: (b: Buffer) => b,
        requestDeserialize: (b: Buffer) => b,
        responseSerialize: (b: Buffer) => b,
        responseDeserialize: (b: Buffer) => b,
      },
    },
    {
      recordBatch: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        calls++;
        auth.push(String(call.metadata.get("authorization")[0]));
        const events = fromBinary(RecordBatchRequestSchema, call.request).events;
        const fault = behaviour(calls, events);
        if (fault) {
          const md = new grpc.Metadata();
          for (const [k, v] of Object.entries(fault.trailers ?? {})) md.set(k, v);
          return cb({ code: fault.code, details: "injected", metadata: md });
        }
        const results = events.map((e) => {
          const key = e.event.value?.idempotencyKey ?? "";
          const duplicate = stored.has(key);
          if (!duplicate) stored.set(key, e);
          return { eventId: `id-${key}`, idempotencyKey: key, duplicate };
        });
        cb(null, Buffer.from(toBinary(RecordBatchResponseSchema, create(RecordBatchResponseSchema, { results }))));
      },
    },
  );
  const port = await new Promise<number>((res, rej) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))),
  );
  return { address: `127.0.0.1:${port}`, stored, auth, calls: () => calls, close: () => new Promise<void>((r) => server.tryShutdown(() => r())) };
}

void test("encodeBatch is the protobuf encoding of RecordBatchRequest", () => {
  const a = new Uint8Array(300).fill(7);
  const b = new Uint8Array([1, 2, 3]);
  const buf = encodeBatch([a, b]);
  // Field 1, wire type 2, varint length 300 = 0xac 0x02.
  assert.deepEqual([...buf.subarray(0, 3)], [0x0a, 0xac, 0x02]);
  assert.equal(buf.length, 3 + 300 + 2 + 3);
});

void test("gRPC: events arrive once through 429-equivalents, and invalid events are dropped alone", async () => {
  const srv = await startServer((call, events): ReturnType<Behaviour> => {
    if (call === 1) return { code: grpc.status.RESOURCE_EXHAUSTED, trailers: { "retry-after": "0" } };
    if (call === 2) return { code: grpc.status.UNAVAILABLE };
    const bad = events.findIndex((e) => e.event.value?.interactionId === "g-3");
    if (bad >= 0)
      return {
        code: grpc.status.INVALID_ARGUMENT,
        trailers: { "x-error-fields": JSON.stringify([{ path: `events[${bad}].feedback.interactionId`, reason: "unknown" }]) },
      };
    return undefined;
  });
  const errors: FeedbackClientError[] = [];
  const client = createGrpcFeedbackClient({
    address: srv.address,
    apiKey: "rlhf_t_s",
    flushIntervalMs: 10,
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    onError: (e) => errors.push(e),
  });
  for (let n = 0; n < 6; n++) client.thumb({ interactionId: `g-${n}`, direction: n % 2 ? "up" : "down" });
  const r = await client.shutdown({ timeoutMs: 5000 });
  assert.deepEqual(r, { ok: true, pending: 0 });
  assert.equal(srv.stored.size, 5);
  assert.equal(errors.length, 1);
  assert.equal(errors[0]!.code, "rejected");
  assert.equal(errors[0]!.status, "INVALID_ARGUMENT");
  assert.equal(errors[0]!.events[0]!.interactionId, "g-3");
  assert.equal(srv.calls(), 4);
  assert.ok(srv.auth.every((a) => a === "Bearer rlhf_t_s"));
  await srv.close();
});

void test("gRPC: UNAUTHENTICATED drops the batch without retrying", async () => {
  const srv = await startServer(() => ({ code: grpc.status.UNAUTHENTICATED }));
  const errors: FeedbackClientError[] = [];
  const client = createGrpcFeedbackClient({ address: srv.address, apiKey: "k", flushIntervalMs: 10, onError: (e) => errors.push(e) });
  client.thumb({ interactionId: "a", direction: "up" });
  client.thumb({ interactionId: "b", direction: "up" });
  await client.shutdown();
  assert.equal(srv.calls(), 1);
  assert.equal(errors.length, 1);
  assert.equal(errors[0]!.events.length, 2);
  assert.equal(client.stats().droppedBy.rejected, 2);
  await srv.close();
});
