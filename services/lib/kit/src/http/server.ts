import Fastify, { LogController, type FastifyError, type FastifyInstance } from "fastify";
import { bearerToken, hashApiKey, hashesEqual } from "../auth/keys.js";
import { AppError, type ErrorCode, type FieldViolation } from "../errors/app-error.js";
import { errorBody, httpStatusOf } from "../errors/status.js";
import type { Logger } from "../log/logger.js";
import type { Metrics } from "../metrics/metrics.js";
import { inflateBounded } from "./gzip.js";
import { createReadiness, type Readiness, type ReadinessCheck } from "./readiness.js";

declare module "fastify" {
  interface FastifyInstance {
    /** Readiness checks behind /readyz; `markUnready()` is the first shutdown step. */
    readiness: Readiness;
  }
}

export interface HttpServerOptions {
  logger: Logger;
  metrics: Metrics;
  readiness?: readonly ReadinessCheck[];
  /** Largest request body, compressed or inflated (default 1 MiB); larger answers 413. */
  bodyLimitBytes?: number;
  /** Largest inflated gzip body (default bodyLimitBytes). */
  maxInflatedBytes?: number;
  /** Log a line per request (default true); /healthz, /readyz and /metrics are logged at debug. */
  logRequests?: boolean;
  /** Server-side bound on one request (default 30 s). */
  requestTimeoutMs?: number;
  /** Keep-alive idle bound (default 72 s, above common load balancer idles). */
  keepAliveTimeoutMs?: number;
}

const PROBE_ROUTES = new Set(["/healthz", "/readyz", "/metrics"]);

function codeForStatus(status: number): ErrorCode {
  if (status === 401) return "unauthenticated";
  if (status === 403) return "permission_denied";
  if (status === 404) return "not_found";
  if (status === 409) return "already_exists";
  if (status === 413) return "payload_too_large";
  if (status === 415) return "unsupported_media_type";
  if (status === 429) return "resource_exhausted";
  if (status === 503) return "unavailable";
  if (status >= 400 && status < 500) return "invalid_argument";
  return "internal";
}

/** Turns fastify's own errors (schema validation, body parsing, limits) into AppErrors. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const fe = err as Partial<FastifyError> & { validation?: { instancePath?: string; message?: string; params?: Record<string, unknown> }[] };
  if (Array.isArray(fe.validation)) {
    const fields: FieldViolation[] = fe.validation.map((v) => {
      const missing = v.params?.["missingProperty"];
      const extra = v.params?.["additionalProperty"];
      const base = (v.instancePath ?? "").replace(/^\//, "").replace(/\/(\d+)(?=\/|$)/g, "[$1]").replace(/\//g, ".");
      const leaf = typeof missing === "string" ? missing : typeof extra === "string" ? extra : undefined;
      const p = leaf === undefined ? base : base ? `${base}.${leaf}` : leaf;
      return { path: p || "(body)", reason: v.message ?? "is invalid" };
    });
    return AppError.invalid(fields);
  }
  const status = typeof fe.statusCode === "number" ? fe.statusCode : 500;
  if (status >= 500) return AppError.from(err);
  const message =
    fe.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE"
      ? "Content-Type must be application/json"
      : fe.code === "FST_ERR_CTP_BODY_TOO_LARGE"
        ? "request body is too large"
        : (fe.message ?? "bad request");
  return new AppError(codeForStatus(status), message, { cause: err });
}

/**
 * A fastify instance with /healthz, /readyz, /metrics, a JSON log line and metrics per request,
 * JSON-only bodies (415 otherwise), gzip bodies inflated with a bound, a body limit (413) and an
 * error handler that answers `{ error: { code, message, fields } }`.
 */
export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  const { logger, metrics } = options;
  const bodyLimit = options.bodyLimitBytes ?? 1024 * 1024;
  const maxInflated = Math.min(options.maxInflatedBytes ?? bodyLimit, bodyLimit);
  const app = Fastify({
    loggerInstance: logger,
    // Our onResponse hook writes the one line per request; fastify's own two lines are off.
    logController: new LogController({ disableRequestLogging: true }),
    // request.log is the server logger itself: a pino child per request (redaction applied to its
    // bindings) cost about as much as a bare route; the lines kit writes carry reqId themselves.
    childLoggerFactory: (serverLogger) => serverLogger,
    bodyLimit,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 72_000,
    requestIdHeader: "x-request-id",
    return503OnClosing: true,
    forceCloseConnections: "idle",
  }) as unknown as FastifyInstance;

  const readiness = createReadiness(options.readiness);
  app.decorate("readiness", readiness);

  // JSON only: without the text/plain parser, other content types answer 415.
  app.removeContentTypeParser(["text/plain"]);

  const requests = metrics.counter({
    name: "rlhf_http_requests_total",
    help: "HTTP requests by method, route and status",
    labelNames: ["method", "route", "status"] as const,
  });
  const latency = metrics.histogram({
    name: "rlhf_http_request_duration_seconds",
    help: "HTTP request latency by method, route and status",
    labelNames: ["method", "route", "status"] as const,
  });

  app.addHook("preParsing", async (request, _reply, payload) => {
    const enc = String(request.headers["content-encoding"] ?? "identity").trim().toLowerCase();
    if (enc === "identity" || enc === "") return payload;
    if (enc === "gzip" || enc === "x-gzip") return inflateBounded(payload, maxInflated) as typeof payload;
    throw new AppError("unsupported_media_type", `Content-Encoding ${enc} is not supported (use gzip or none)`);
  });

  // One child pair per (method, route, status): no label hashing on every request.
  const series = new Map<string, { count: { inc(): void }; seconds: { observe(v: number): void } }>();
  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unmatched";
    const key = `${request.method} ${route} ${reply.statusCode}`;
    let s = series.get(key);
    if (!s) {
      const labels = { method: request.method, route, status: String(reply.statusCode) };
      s = { count: requests.labels(labels), seconds: latency.labels(labels) };
      series.set(key, s);
    }
    s.count.inc();
    s.seconds.observe(reply.elapsedTime / 1000);
    if (options.logRequests === false) return;
    const line = {
      reqId: request.id,
      method: request.method,
      route,
      url: request.url,
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 100) / 100,
    };
    if (PROBE_ROUTES.has(route)) logger.debug(line, "request");
    else logger.info(line, "request");
  });

  app.setErrorHandler(async (err, request, reply) => {
    const appErr = toAppError(err);
    const status = httpStatusOf(appErr);
    if (status >= 500) logger.error({ err, reqId: request.id }, "request failed");
    else logger.debug({ reqId: request.id, code: appErr.code, fields: appErr.fields }, "request rejected");
    if (appErr.retryAfterSeconds !== undefined) reply.header("retry-after", String(Math.ceil(appErr.retryAfterSeconds)));
    return reply.code(status).type("application/json").send(errorBody(appErr));
  });

  app.setNotFoundHandler(async (request, reply) => {
    return reply.code(404).send(errorBody(new AppError("not_found", `no route ${request.method} ${request.url.split("?")[0]}`)));
  });

  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    const r = await readiness.evaluate();
    return reply.code(r.ready ? 200 : 503).send({ status: r.ready ? "ready" : "unready", checks: r.checks });
  });
  // Compared as hashes: constant time whatever the sent token's length.
  const scrapeTokenHash = metrics.scrapeToken === undefined ? undefined : hashApiKey(metrics.scrapeToken);
  app.get("/metrics", async (request, reply) => {
    if (scrapeTokenHash !== undefined) {
      const sent = bearerToken(request.headers.authorization);
      if (sent === undefined || !hashesEqual(hashApiKey(sent), scrapeTokenHash)) {
        // The scrape target's series name tenants: only the configured scraper reads them.
        reply.header("www-authenticate", 'Bearer realm="metrics"');
        return reply.code(401).send(errorBody(new AppError("unauthenticated", "/metrics needs Authorization: Bearer <METRICS_TOKEN>")));
      }
    }
    return reply.type(metrics.contentType).send(await metrics.render());
  });

  return app;
}

/** Listens and returns the bound port (pass port 0 in tests). */
export async function listenHttp(app: FastifyInstance, options: { host?: string; port: number }): Promise<number> {
  await app.listen({ host: options.host ?? "127.0.0.1", port: options.port });
  const addr = app.server.address();
  if (addr === null || typeof addr === "string") throw new Error("http server has no TCP address");
  return addr.port;
}
