/**
 * The embedded mode's composition: the same service on kit's in-process memory bus and a real
 * Postgres (what `rlhf demo` runs), from request to stored row, and a clean stop.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { createApiKey, createIngestionService, createTenant } from "@rlhf-loop/ingestion";
import { createLifecycle, createLogger, createMemoryBus, createMetrics, createPool } from "@rlhf-loop/kit";
import { post, stackEnv } from "./harness.js";
import { valid } from "./malformed-cases.js";

describe("embedded mode (memory bus)", () => {
  it("accepts, persists and joins through the in-process bus, and shuts down by lifecycle phases", async () => {
    const schema = `ingestion_e_${randomBytes(4).toString("hex")}`;
    const logger = createLogger({ service: "ingestion-test", level: "silent" });
    const metrics = createMetrics({ service: "ingestion-test", defaultMetrics: false });
    const pool = createPool({ url: stackEnv().databaseUrl, max: 4, logger });
    const bus = createMemoryBus({ logger, metrics });
    const service = createIngestionService({ bus, pool, logger, metrics, options: { httpPort: 0, grpcPort: 0, dbSchema: schema } });
    const lifecycle = createLifecycle({ logger, exit: () => undefined });
    service.registerShutdown(lifecycle);
    try {
      const { httpPort } = await service.start();
      await createTenant(pool, { schema, tenantId: "solo" });
      const { apiKey } = await createApiKey(pool, { schema, tenantId: "solo", label: "demo" });
      const base = `http://127.0.0.1:${httpPort}`;
      const fb = await post(base, "/v1/feedback", valid.thumb("e-1"), { apiKey });
      const ix = await post(base, "/v1/interactions", valid.interaction("e-1"), { apiKey });
      assert.deepEqual([fb.status, ix.status], [202, 202]);
      const deadline = Date.now() + 10_000;
      let rows: unknown[] = [];
      while (Date.now() < deadline) {
        rows = (await pool.query(`select f.tenant_id, f.kind, i.answer from "${schema}".feedback f join "${schema}".interactions i using (tenant_id, interaction_id)`)).rows;
        if (rows.length > 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual(rows, [{ tenant_id: "solo", kind: "thumb", answer: "Within 5 days." }]);
      const report = await lifecycle.shutdown("test");
      assert.equal(report.code, 0, JSON.stringify(report));
      assert.deepEqual(report.steps.map((s) => s.phase), ["unready", "intake", "consumers", "flush"]);
      await assert.rejects(fetch(`${base}/healthz`));
    } finally {
      await service.stop().catch(() => undefined);
      await bus.close();
      await pool.query(`drop schema if exists "${schema}" cascade`);
      await pool.end();
    }
  });

  it("answers 503 with Retry-After when the broker or the database fails, and records nothing", async () => {
    const schema = `ingestion_e_${randomBytes(4).toString("hex")}`;
    const logger = createLogger({ service: "ingestion-test", level: "silent" });
    const metrics = createMetrics({ service: "ingestion-test", defaultMetrics: false });
    const pool = createPool({ url: stackEnv().databaseUrl, max: 4, logger });
    const admin = createPool({ url: stackEnv().databaseUrl, max: 1, logger });
    const bus = createMemoryBus({ logger, metrics });
    const service = createIngestionService({ bus, pool, logger, metrics, options: { httpPort: 0, grpcPort: 0, dbSchema: schema, persist: false } });
    try {
      const { httpPort } = await service.start();
      await createTenant(pool, { schema, tenantId: "solo" });
      const { apiKey } = await createApiKey(pool, { schema, tenantId: "solo" });
      const base = `http://127.0.0.1:${httpPort}`;
      assert.equal((await post(base, "/v1/interactions", valid.interaction("ok-1"), { apiKey })).status, 202);

      await bus.close(); // the broker is gone
      const down = await post(base, "/v1/interactions", valid.interaction("e-2"), { apiKey });
      assert.equal(down.status, 503, JSON.stringify(down.body));
      assert.equal(down.headers.get("retry-after"), "1");
      assert.equal((down.body as { error: { code: string } }).error.code, "unavailable");
      assert.match(await metrics.render(), /rlhf_ingestion_produce_errors_total\{[^}]*\} 1/);

      await pool.end(); // and now the database (the key stays cached)
      const dbDown = await post(base, "/v1/feedback", valid.thumb("e-3"), { apiKey });
      assert.equal(dbDown.status, 503);
      assert.equal(dbDown.headers.get("retry-after"), "1");

      const ledger = await admin.query(`select idempotency_key from "${schema}".accepted_events`);
      assert.deepEqual(ledger.rows, [{ idempotency_key: "k-ok-1" }]);
    } finally {
      await service.stop().catch(() => undefined);
      await bus.close();
      await pool.end().catch(() => undefined);
      await admin.query(`drop schema if exists "${schema}" cascade`);
      await admin.end();
    }
  });
});
