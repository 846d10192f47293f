// METRICS_TOKEN on a real service process (ingestion, on the stack's Kafka and Postgres): its
// /metrics series name tenants and share the API's port, so with the token set only a scraper
// sending it reads them, while the probes stay open for the kubelet.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { Kafka, logLevel } from "kafkajs";
import pg from "pg";
import { freePort } from "@rlhf-loop/kit";
import { startServiceProcess } from "../support/service-process.js";
import { readStackEnv } from "../support/stack-env.js";
import { dropTestData } from "../support/teardown.js";

const env = readStackEnv();
const suffix = randomBytes(4).toString("hex");

describe("METRICS_TOKEN", { skip: env ? false : "needs the stack (bash infra/stack.sh up)", timeout: 120_000 }, () => {
  it("a service started with METRICS_TOKEN answers /metrics only with that bearer token; /healthz and /readyz stay open", async () => {
    const token = `mt_${randomBytes(16).toString("hex")}`;
    const schema = `metrics_token_${suffix}`;
    const [http, grpc] = [await freePort(), await freePort()];
    const run = startServiceProcess("ingestion", {
      DATABASE_URL: env!.databaseUrl,
      KAFKA_BROKERS: env!.brokers.join(","),
      METRICS_TOKEN: token,
      INGEST_DB_SCHEMA: schema,
      INGEST_HTTP_PORT: String(http),
      INGEST_GRPC_PORT: String(grpc),
      INGEST_TOPIC_INTERACTIONS: `test.${suffix}.interactions`,
      INGEST_TOPIC_FEEDBACK: `test.${suffix}.feedback`,
      INGEST_CONSUMER_GROUP: `test-${suffix}-ingestion`,
    });
    const url = (p: string) => `http://127.0.0.1:${http}${p}`;
    try {
      assert.ok(await run.waitReady(http), `ingestion never became ready:\n${run.output().slice(-1500)}`);
      assert.equal((await fetch(url("/healthz"))).status, 200);
      const anonymous = await fetch(url("/metrics"));
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.headers.get("www-authenticate"), 'Bearer realm="metrics"');
      assert.equal((await fetch(url("/metrics"), { headers: { authorization: "Bearer not-the-token" } })).status, 401);
      const scraped = await fetch(url("/metrics"), { headers: { authorization: `Bearer ${token}` } });
      assert.equal(scraped.status, 200);
      assert.match(await scraped.text(), /rlhf_http_requests_total\{[^}]*service="ingestion"/);
      run.child.kill("SIGTERM");
      assert.equal(await run.exited, 0, run.output().slice(-800));
      assert.ok(!run.output().includes(token), "the token never reaches the logs");
    } finally {
      run.kill();
      const admin = new Kafka({ clientId: `metrics-token-${suffix}`, brokers: env!.brokers, logLevel: logLevel.NOTHING }).admin();
      await admin.connect().catch(() => undefined);
      await dropTestData({ pool: new pg.Pool({ connectionString: env!.databaseUrl, max: 1 }), schemas: [schema], admin, topicPrefix: `test.${suffix}.` });
    }
  });
});
