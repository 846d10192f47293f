import { AppError } from "@rlhf-loop/kit";
import type { CallContext, ServiceImpl } from "@rlhf-loop/kit";
import type { FeedbackIngest, IngestEvent } from "@rlhf-loop/proto";
import type { Authenticator } from "../accept/authenticator.js";
import type { EventResult, IngestPipeline } from "../accept/pipeline.js";
import type { EventKind } from "../domain/idempotency.js";
import type { IncomingEvent } from "../domain/validate.js";
import { checkIngestEvent, validateMessageEvent } from "../domain/validate.js";
import { Violations } from "../domain/violations.js";
import { batchResponseJson, recordResponseJson } from "./responses.js";

export interface GrpcApiOptions {
  authenticator: Authenticator;
  pipeline: IngestPipeline;
  maxBatchEvents: number;
  /** Client-streamed events are accepted in chunks of this many. */
  streamChunkSize: number;
}

/**
 * FeedbackIngest over gRPC with the HTTP routes' semantics. Paths in errors match the request
 * messages (`feedback.thumb.direction`, `events[3].feedback.source`). The tenant comes from
 * `authorization: Bearer <key>` metadata.
 */
export function grpcIngestImpl(o: GrpcApiOptions): ServiceImpl<typeof FeedbackIngest> {
  const auth = (ctx: CallContext) => o.authenticator.authenticate(ctx.header("authorization"));

  const one = async (ctx: CallContext, kind: EventKind, ev: IncomingEvent | undefined) => {
    const caller = await auth(ctx);
    if (!ev) throw AppError.invalid([{ path: kind, reason: "required" }]);
    const violations = validateMessageEvent(ev, kind);
    if (violations.length > 0) throw AppError.invalid(violations);
    const [r] = await o.pipeline.accept(caller, [ev], [kind]);
    return recordResponseJson(r!);
  };

  const validateBatch = (events: readonly IngestEvent[], offset: number): IncomingEvent[] => {
    const out = new Violations();
    const valid: IncomingEvent[] = [];
    events.forEach((e, i) => {
      const ev = checkIngestEvent(e, `events[${offset + i}]`, out);
      if (ev) valid.push(ev);
    });
    if (out.size > 0) throw AppError.invalid(out.toArray());
    return valid;
  };

  const pathsOf = (events: readonly IncomingEvent[], offset: number) => events.map((e, i) => `events[${offset + i}].${e.kind}`);

  return {
    recordInteraction: (req, ctx) => one(ctx, "interaction", req.interaction && { kind: "interaction", message: req.interaction }),
    recordFeedback: (req, ctx) => one(ctx, "feedback", req.feedback && { kind: "feedback", message: req.feedback }),
    recordOutcome: (req, ctx) => one(ctx, "outcome", req.outcome && { kind: "outcome", message: req.outcome }),

    async recordBatch(req, ctx) {
      const caller = await auth(ctx);
      if (req.events.length === 0) throw AppError.invalid([{ path: "events", reason: "required (at least one event)" }]);
      if (req.events.length > o.maxBatchEvents) {
        throw new AppError("payload_too_large", `at most ${o.maxBatchEvents} events per batch`, {
          fields: [{ path: "events", reason: `${req.events.length} events; at most ${o.maxBatchEvents} per batch` }],
        });
      }
      const events = validateBatch(req.events, 0);
      return batchResponseJson(await o.pipeline.accept(caller, events, pathsOf(events, 0)));
    },

    /**
     * Accepted chunk by chunk as events arrive. The first invalid event ends the call with
     * INVALID_ARGUMENT naming it; chunks before it stay accepted (the message says how many),
     * and a retry of the whole stream is safe because every event keeps its idempotency key.
     */
    async streamEvents(requests, ctx) {
      const caller = await auth(ctx);
      const results: EventResult[] = [];
      let chunk: IngestEvent[] = [];
      let offset = 0;
      const flush = async () => {
        if (chunk.length === 0) return;
        try {
          const events = validateBatch(chunk, offset);
          results.push(...(await o.pipeline.accept(caller, events, pathsOf(events, offset))));
        } catch (err) {
          const e = AppError.from(err);
          if (offset === 0) throw e;
          throw new AppError(e.code, `${e.message} (the first ${offset} events were accepted)`, {
            fields: e.fields,
            retriable: e.retriable,
            ...(e.retryAfterSeconds !== undefined ? { retryAfterSeconds: e.retryAfterSeconds } : {}),
            cause: err,
          });
        }
        offset += chunk.length;
        chunk = [];
      };
      for await (const e of requests) {
        chunk.push(e);
        if (chunk.length >= o.streamChunkSize) await flush();
      }
      await flush();
      if (results.length === 0) throw AppError.invalid([{ path: "events", reason: "required (at least one event)" }]);
      return batchResponseJson(results);
    },
  };
}
