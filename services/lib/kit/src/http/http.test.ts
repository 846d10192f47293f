import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { AppError } from "../errors/app-error.js";
import { createLogger } from "../log/logger.js";
import { createMetrics } from "../metrics/metrics.js";
import { createHttpServer, listenHttp } from "./server.js";

function build(opts: { bodyLimitBytes?: number; checks?: { name: string; ok: boolean }[]; scrapeToken?: string } = {}) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _e, cb) {
      for (const l of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  const logger = createLogger({ service: "http-test", destination });
  const metrics = createMetrics({ service: "http-test", defaultMetrics: false, ...(opts.scrapeToken ? { scrapeToken: opts.scrapeToken } : {}) });
  const app = createHttpServer({
    logger,
    metrics,
    bodyLimitBytes: opts.bodyLimitBytes ?? 1024,
    readiness: (opts.checks ?? []).map((c) => ({
      name: c.name,
      check: async () => {
        if (!c.ok) throw new Error(`${c.name} unreachable`);
      },
    })),
  });
  app.post(
    "/v1/things",
    {
      schema: {
        body: {
          type: "object",
          required: ["name", "rating"],
          additionalProperties: false,
          properties: { name: { type: "string", minLength: 1 }, rating: { type: "integer", minimum: 1, maximum: 5 } },
        },
      },
    },
    async (req, reply) => reply.code(202).send({ got: req.body }),
  );
  app.post("/v1/raw", async (req) => ({ got: req.body }));
  app.get("/v1/limited", async () => {
    throw new AppError("resource_exhausted", "tenant over its rate limit", { retryAfterSeconds: 2.2 });
  });
  app.get("/v1/bad", async () => {
    throw AppError.invalid([{ path: "events[3].kind", reason: "unknown enum value 9" }]);
  });
  app.get("/v1/crash", async () => {
    throw new Error("SELECT password FROM secrets failed");
  });
  return { app, lines, metrics };
}

describe("createHttpServer", () => {
  it("builds the server without fastify deprecation warnings (request logging off via logController)", async () => {
    const codes: string[] = [];
    const onWarning = (w: Error & { code?: string }) => codes.push(w.code ?? w.name);
    process.on("warning", onWarning);
    try {
      const app = build().app;
      await app.ready();
      await app.close();
      await new Promise((r) => setImmediate(r)); // warnings are emitted on a later tick
    } finally {
      process.off("warning", onWarning);
    }
    assert.deepEqual(codes.filter((c) => c.startsWith("FSTDEP")), []);
  });

  it("serves /healthz, /readyz and /metrics", async () => {
    const { app, metrics } = build({ checks: [{ name: "kafka", ok: true }] });
    assert.equal((await app.inject({ url: "/healthz" })).statusCode, 200);
    const ready = await app.inject({ url: "/readyz" });
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { status: "ready", checks: [{ name: "kafka", ok: true }] });
    await app.inject({ method: "POST", url: "/v1/things", payload: { name: "a", rating: 5 } });
    const m = await app.inject({ url: "/metrics" });
    assert.equal(m.statusCode, 200);
    assert.match(m.headers["content-type"] as string, /text\/plain/);
    assert.match(m.body, /rlhf_http_requests_total\{method="POST",route="\/v1\/things",status="202",service="http-test"\} 1/);
    assert.match(m.body, /rlhf_http_request_duration_seconds_count\{[^}]*route="\/v1\/things"[^}]*status="202"[^}]*\} 1/);
    assert.ok(metrics.registry.getSingleMetric("rlhf_http_requests_total"));
  });

  it("with a scrape token, /metrics answers only the scraper that sends it; the probes stay open", async () => {
    const { app } = build({ scrapeToken: "scrape-me" });
    for (const authorization of [undefined, "Bearer wrong", "Basic c2NyYXBlLW1l", "Bearer scrape-me-too"]) {
      const r = await app.inject({ url: "/metrics", ...(authorization ? { headers: { authorization } } : {}) });
      assert.equal(r.statusCode, 401, String(authorization));
      assert.equal(r.headers["www-authenticate"], 'Bearer realm="metrics"');
      assert.equal(r.json().error.code, "unauthenticated");
      assert.doesNotMatch(r.body, /rlhf_/);
    }
    const ok = await app.inject({ url: "/metrics", headers: { authorization: "Bearer scrape-me" } });
    assert.equal(ok.statusCode, 200);
    assert.match(ok.body, /rlhf_http_requests_total/);
    assert.equal((await app.inject({ url: "/healthz" })).statusCode, 200);
    assert.equal((await app.inject({ url: "/readyz" })).statusCode, 200);
  });

  it("answers 503 on /readyz listing the failing checks, and while shutting down", async () => {
    const { app } = build({ checks: [{ name: "kafka", ok: false }, { name: "postgres", ok: true }] });
    const r = await app.inject({ url: "/readyz" });
    assert.equal(r.statusCode, 503);
    assert.deepEqual(r.json().checks, [
      { name: "kafka", ok: false, detail: "kafka unreachable" },
      { name: "postgres", ok: true },
    ]);
    const { app: app2 } = build({ checks: [{ name: "postgres", ok: true }] });
    assert.equal((await app2.inject({ url: "/readyz" })).statusCode, 200);
    app2.readiness.markUnready();
    const r2 = await app2.inject({ url: "/readyz" });
    assert.equal(r2.statusCode, 503);
    assert.equal(r2.json().checks[0].name, "shutdown");
  });

  it("logs one JSON line per request", async () => {
    const { app, lines } = build();
    await app.inject({ method: "POST", url: "/v1/things?x=1", payload: { name: "a", rating: 1 } });
    await new Promise((r) => setImmediate(r));
    const reqLines = lines.filter((l) => l.msg === "request");
    assert.equal(reqLines.length, 1);
    assert.equal(reqLines[0]?.route, "/v1/things");
    assert.equal(reqLines[0]?.status, 202);
    assert.equal(reqLines[0]?.method, "POST");
    assert.equal(typeof reqLines[0]?.ms, "number");
  });

  it("turns schema violations into 400 naming each field", async () => {
    const { app } = build();
    const r = await app.inject({ method: "POST", url: "/v1/things", payload: { rating: 9, extra: true } });
    assert.equal(r.statusCode, 400);
    const body = r.json();
    assert.equal(body.error.code, "invalid_argument");
    const paths = body.error.fields.map((f: { path: string }) => f.path).sort();
    assert.ok(paths.includes("name") || paths.includes("extra") || paths.includes("rating"), JSON.stringify(body));
  });

  it("maps AppErrors to the envelope with status, fields and Retry-After; hides internal errors", async () => {
    const { app } = build();
    const limited = await app.inject({ url: "/v1/limited" });
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.headers["retry-after"], "3");
    assert.deepEqual(limited.json(), { error: { code: "resource_exhausted", message: "tenant over its rate limit", fields: [] } });
    const bad = await app.inject({ url: "/v1/bad" });
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(bad.json().error.fields, [{ path: "events[3].kind", reason: "unknown enum value 9" }]);
    const crash = await app.inject({ url: "/v1/crash" });
    assert.equal(crash.statusCode, 500);
    assert.deepEqual(crash.json(), { error: { code: "internal", message: "internal error", fields: [] } });
    const nf = await app.inject({ url: "/nope" });
    assert.equal(nf.statusCode, 404);
    assert.equal(nf.json().error.code, "not_found");
  });

  it("answers 413 over the body limit and 415 for non-JSON bodies", async () => {
    const { app } = build({ bodyLimitBytes: 100 });
    const big = await app.inject({ method: "POST", url: "/v1/raw", payload: { s: "x".repeat(200) } });
    assert.equal(big.statusCode, 413);
    assert.equal(big.json().error.code, "payload_too_large");
    const text = await app.inject({ method: "POST", url: "/v1/raw", headers: { "content-type": "text/plain" }, payload: "hi" });
    assert.equal(text.statusCode, 415);
    assert.equal(text.json().error.code, "unsupported_media_type");
    const form = await app.inject({ method: "POST", url: "/v1/raw", headers: { "content-type": "application/x-www-form-urlencoded" }, payload: "a=1" });
    assert.equal(form.statusCode, 415);
    const badJson = await app.inject({ method: "POST", url: "/v1/raw", headers: { "content-type": "application/json" }, payload: "{nope" });
    assert.equal(badJson.statusCode, 400);
    assert.equal(badJson.json().error.code, "invalid_argument");
  });

  it("inflates gzip bodies, bounded", async () => {
    const { app } = build({ bodyLimitBytes: 1000 });
    const ok = await app.inject({
      method: "POST",
      url: "/v1/raw",
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
      payload: gzipSync(JSON.stringify({ a: [1, 2, 3] })),
    });
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(ok.json(), { got: { a: [1, 2, 3] } });
    // 1 MB of zeros compresses to ~1 KB: small on the wire, too big inflated.
    const bomb = gzipSync(JSON.stringify({ s: "0".repeat(1_000_000) }));
    assert.ok(bomb.length < 1000 * 2);
    const r = await app.inject({
      method: "POST",
      url: "/v1/raw",
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
      payload: bomb.length <= 1000 ? bomb : gzipSync(JSON.stringify({ s: "0".repeat(50_000) })),
    });
    assert.equal(r.statusCode, 413);
    const corrupt = await app.inject({
      method: "POST",
      url: "/v1/raw",
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
      payload: Buffer.from("not gzip at all"),
    });
    assert.equal(corrupt.statusCode, 400);
    const br = await app.inject({
      method: "POST",
      url: "/v1/raw",
      headers: { "content-type": "application/json", "content-encoding": "br" },
      payload: Buffer.from("{}"),
    });
    assert.equal(br.statusCode, 415);
  });

  it("listens on port 0 and reports the port", async () => {
    const { app } = build();
    const port = await listenHttp(app, { port: 0 });
    assert.ok(port > 0);
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(res.status, 200);
    await app.close();
  });
});
