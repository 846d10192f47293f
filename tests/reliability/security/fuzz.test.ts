/**
 * Issue 10, bad input: every HTTP route and gRPC method of the five services gets random and
 * adversarial payloads (payloads.ts): no 5xx, no INTERNAL/UNKNOWN, the process keeps answering
 * /healthz, Object.prototype stays clean, and a run whose every request was rejected stores
 * nothing. Bounded for `make test` (SECURITY_FUZZ_RUNS per route/method, default 15); the
 * runner (run.ts --runs N) goes longer.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { DescMethod } from "@bufbuild/protobuf";
import { emptyStats, fuzzTarget, routesOf } from "./fuzz.js";
import { SERVICE_NAMES, startTarget } from "./targets.js";
import { readStackEnv } from "../../support/stack-env.js";

const skip = readStackEnv() ? false : "needs KAFKA_BROKERS and DATABASE_URL (bash infra/stack.sh up)";
const runs = Number(process.env["SECURITY_FUZZ_RUNS"] ?? 15);
const seed = process.env["SECURITY_FUZZ_SEED"] !== undefined ? Number(process.env["SECURITY_FUZZ_SEED"]) : undefined;

for (const name of SERVICE_NAMES) {
  test(`${name}: every route and gRPC method survives hostile input`, { skip, timeout: 120_000 }, async () => {
    const t = await startTarget(name);
    try {
      // Routes come from the live fastify instance: the probes and the service's own routes.
      const routes = routesOf(t.http);
      for (const probe of ["/healthz", "/readyz", "/metrics"]) assert.ok(routes.some((r) => r.method === "GET" && r.url === probe), `${probe} enumerated: ${JSON.stringify(routes)}`);
      assert.ok(routes.length > 3, `${name} has routes of its own: ${JSON.stringify(routes)}`);
      const stats = await fuzzTarget(t, { runs, tenMegabytes: true, ...(seed !== undefined ? { seed } : {}) }, emptyStats());
      const methods = t.grpcServices.reduce((n, s) => n + (s.methods as DescMethod[]).length, 0);
      assert.equal(stats.routes, routes.length);
      assert.equal(stats.methods, methods);
      console.log(`${name}: ${stats.routes} routes, ${stats.methods} gRPC methods, ${stats.cases} cases, ${stats.accepted} accepted, ${stats.findings.length} findings`);
      assert.deepEqual(stats.findings.map((f) => `${f.kind} ${f.target}: ${f.detail}`), []);
    } finally {
      await t.close();
    }
  });
}
