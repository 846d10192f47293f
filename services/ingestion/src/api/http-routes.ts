import { AppError, errorBody, toAppError } from "@rlhf-loop/kit";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Authenticator, Caller } from "../accept/authenticator.js";
import type { IngestPipeline } from "../accept/pipeline.js";
import type { EventKind } from "../domain/idempotency.js";
import { parseJsonBody } from "../domain/json-parse.js";
import { validateJsonBatch, validateJsonEvent } from "../domain/validate.js";
import { batchResponseJson, recordResponseJson, statusOf } from "./responses.js";
import { requestInfo } from "./request-info.js";

export interface HttpApiOptions {
  authenticator: Authenticator;
  pipeline: IngestPipeline;
  openapi: Record<string, unknown>;
  maxBodyBytes: number;
  maxBatchBytes: number;
  maxBatchEvents: number;
}

const callers = new WeakMap<FastifyRequest, Caller>();

function mediaType(header: string | undefined): string {
  return (header ?? "").split(";")[0]!.trim().toLowerCase();
}

/** Parses the raw body; a body that is not JSON is a 400 naming where it broke. */
function parseBody(body: unknown): unknown {
  if (!(body instanceof Uint8Array)) throw AppError.invalid([{ path: "", reason: "request body is required" }], "request body is required");
  const parsed = parseJsonBody(body);
  if (!parsed.ok) {
    const v = parsed.violation;
    throw AppError.invalid([v], `invalid request body: ${v.path === "" ? "" : `${v.path}: `}${v.reason}`);
  }
  return parsed.value;
}

/**
 * The ingestion routes, in their own fastify scope: raw-buffer JSON parsing (our parser
 * reports every problem with a path; fastify's would stop at the first), auth before the
 * body is read, and the 409 the contract names for a reused idempotency key.
 */
export function registerHttpApi(app: FastifyInstance, o: HttpApiOptions): void {
  app.get("/docs/openapi.json", async () => o.openapi);

  void app.register(async (scope) => {
    scope.removeContentTypeParser("application/json");
    scope.addContentTypeParser("application/json", { parseAs: "buffer" }, (_req, body, done) => done(null, body));

    scope.addHook("onRequest", async (req) => {
      const caller = await o.authenticator.authenticate(req.headers.authorization);
      callers.set(req, caller);
      requestInfo(req).tenantId = caller.tenantId;
      if (mediaType(req.headers["content-type"]) !== "application/json") {
        throw new AppError("unsupported_media_type", "Content-Type must be application/json");
      }
    });

    scope.setErrorHandler(async (err, req, reply) => {
      const e = toAppError(err);
      requestInfo(req).errorCode = e.code;
      // The contract answers a reused idempotency key with 409 (kit maps failed_precondition to 412).
      if (e.code === "failed_precondition") return reply.code(409).type("application/json").send(errorBody(e));
      throw e; // the app-level handler writes every other error
    });

    const callerOf = (req: FastifyRequest): Caller => {
      const c = callers.get(req);
      if (!c) throw new AppError("unauthenticated", "missing API key");
      return c;
    };

    const single = (url: string, kind: EventKind) =>
      scope.post(url, { bodyLimit: o.maxBodyBytes }, async (req, reply) => {
        const json = parseBody(req.body);
        const v = validateJsonEvent(kind, json);
        if (!v.ok) throw AppError.invalid(v.violations);
        const [result] = await o.pipeline.accept(callerOf(req), [v.value], [kind]);
        const info = requestInfo(req);
        info.events = 1;
        info.duplicates = result!.duplicate ? 1 : 0;
        return reply.code(result!.duplicate ? 200 : 202).send(recordResponseJson(result!));
      });

    single("/v1/interactions", "interaction");
    single("/v1/feedback", "feedback");
    single("/v1/outcomes", "outcome");

    // "::" escapes the colon (find-my-way would read ":batch" as a path parameter).
    scope.post("/v1/events::batch", { bodyLimit: o.maxBatchBytes }, async (req, reply) => {
      const json = parseBody(req.body);
      const events = (json as { events?: unknown } | null)?.events;
      if (Array.isArray(events) && events.length > o.maxBatchEvents) {
        throw new AppError("payload_too_large", `at most ${o.maxBatchEvents} events per batch`, {
          fields: [{ path: "events", reason: `${events.length} events; at most ${o.maxBatchEvents} per batch` }],
        });
      }
      const v = validateJsonBatch(json);
      if (!v.ok) throw AppError.invalid(v.violations);
      const results = await o.pipeline.accept(
        callerOf(req),
        v.value,
        v.value.map((e, i) => `events[${i}].${e.kind}`),
      );
      const body = batchResponseJson(results);
      const info = requestInfo(req);
      info.events = results.length;
      info.duplicates = body.duplicates;
      return reply.code(statusOf(results)).send(body);
    });
  });
}
