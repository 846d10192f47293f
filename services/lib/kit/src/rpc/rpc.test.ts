import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { FeedbackIngest, RecordResponseSchema, type IngestEvent } from "@rlhf-loop/proto";
import type { Server } from "@grpc/grpc-js";
import { AppError } from "../errors/app-error.js";
import { createMetrics } from "../metrics/metrics.js";
import { createGrpcClient } from "./client.js";
import { addService, bindGrpc, createGrpcServer, stopGrpc } from "./server.js";
import type { GrpcClient } from "./types.js";

describe("rpc over protobuf-es", () => {
  let server: Server;
  let client: GrpcClient<typeof FeedbackIngest>;
  const signals: AbortSignal[] = [];
  const metrics = createMetrics({ service: "rpc-test", defaultMetrics: false });

  before(async () => {
    server = createGrpcServer();
    addService(
      server,
      FeedbackIngest,
      {
        async recordInteraction(req, ctx) {
          const auth = ctx.header("authorization");
          if (auth !== "Bearer good") throw new AppError("unauthenticated", "missing or unknown API key");
          return create(RecordResponseSchema, { eventId: `ev-${req.interaction?.interactionId ?? ""}`, idempotencyKey: "k" });
        },
        async recordFeedback(req, ctx) {
          signals.push(ctx.signal);
          if (!req.feedback?.interactionId) {
            throw AppError.invalid([{ path: "feedback.interaction_id", reason: "is required" }]);
          }
          return { eventId: "f1", duplicate: true };
        },
        async recordOutcome() {
          throw new Error("database password=hunter2 rejected");
        },
        async recordBatch(req) {
          throw new AppError("resource_exhausted", "slow down", { retryAfterSeconds: 4, fields: [] , cause: req });
        },
        async streamEvents(events) {
          let n = 0;
          const kinds: string[] = [];
          for await (const e of events as AsyncIterable<IngestEvent>) {
            n++;
            kinds.push(e.event.case ?? "none");
          }
          return { accepted: n, duplicates: kinds.filter((k) => k === "none").length };
        },
      },
      { metrics },
    );
    const port = await bindGrpc(server, "127.0.0.1:0");
    client = createGrpcClient(FeedbackIngest, `127.0.0.1:${port}`);
  });
  after(async () => {
    client.close();
    await stopGrpc(server, 2_000);
  });

  it("calls a unary method with metadata and decodes the typed response", async () => {
    const res = await client.recordInteraction({ interaction: { interactionId: "i1" } }, { metadata: { authorization: "Bearer good" }, timeoutMs: 5_000 });
    assert.equal(res.eventId, "ev-i1");
    assert.equal(res.$typeName, "rlhf.v1.RecordResponse");
    const partial = await client.recordFeedback({ feedback: { interactionId: "i1" } });
    assert.equal(partial.duplicate, true);
  });

  it("maps AppError to a gRPC status and back, with field violations in the message and trailer", async () => {
    await assert.rejects(client.recordInteraction({}), (e: unknown) => e instanceof AppError && e.code === "unauthenticated");
    const err = await client.recordFeedback({ feedback: {} }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof AppError);
    assert.equal(err.code, "invalid_argument");
    assert.match(err.message, /feedback\.interaction_id: is required/);
    assert.deepEqual(err.fields, [{ path: "feedback.interaction_id", reason: "is required" }]);
    const limited = await client.recordBatch({}).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(limited instanceof AppError);
    assert.equal(limited.code, "resource_exhausted");
    assert.equal(limited.retryAfterSeconds, 4);
  });

  it("hides internal error details from clients", async () => {
    const err = await client.recordOutcome({}).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof AppError);
    assert.equal(err.code, "internal");
    assert.equal(err.message, "internal error");
  });

  it("streams client messages", async () => {
    async function* events() {
      for (let i = 0; i < 50; i++) yield i % 10 === 0 ? {} : { event: { case: "feedback" as const, value: { interactionId: `i${i}` } } };
    }
    const res = await client.streamEvents(events());
    assert.equal(res.accepted, 50);
    assert.equal(res.duplicates, 5);
    const fromArray = await client.streamEvents([{}, {}]);
    assert.equal(fromArray.accepted, 2);
  });

  it("aborts a call's signal only when the client cancels it, not after it was answered", async () => {
    signals.length = 0;
    await client.recordFeedback({ feedback: { interactionId: "i9" } });
    // grpc-js emits "cancelled" as each call's stream closes, answered or not.
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(signals.length, 1);
    assert.equal(signals[0]!.aborted, false);
  });

  it("counts calls by method and code", async () => {
    const text = await metrics.render();
    assert.match(text, /rlhf_grpc_requests_total\{method="\/rlhf\.v1\.FeedbackIngest\/RecordInteraction",code="16"[^}]*\} \d/);
    assert.match(text, /rlhf_grpc_requests_total\{method="\/rlhf\.v1\.FeedbackIngest\/RecordInteraction",code="0"[^}]*\} 1/);
  });

  it("answers UNAVAILABLE as an AppError when nothing listens", async () => {
    const dead = createGrpcClient(FeedbackIngest, "127.0.0.1:1");
    await assert.rejects(dead.recordFeedback({}, { timeoutMs: 2_000 }), (e: unknown) => e instanceof AppError && e.code === "unavailable");
    dead.close();
  });
});
