// Kafka behind TLS and SASL, as a platform team's cluster would be: on a broker of this test's own
// that only speaks SASL_SSL, kit's bus with the broker's CA and a user's password creates topics,
// publishes and consumes; a wrong password, an untrusted certificate or plaintext are refused; and
// a service process configured only through KAFKA_TLS, KAFKA_TLS_CA_FILE and KAFKA_SASL_* serves.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { createKafkaBus, createLogger, freePort, type Bus, type BusRecord, type HealthStatus, type KafkaSecurity } from "@rlhf-loop/kit";
import { startServiceProcess } from "../support/service-process.js";
import { readStackEnv } from "../support/stack-env.js";
import { SCRAM_USERS, USERS, logTail, startSecuredBroker, type SecuredBroker } from "./secured-broker.js";

const env = readStackEnv();
const suffix = randomBytes(4).toString("hex");

// A refused connection is retried by kafkajs (5 times, backoff up to 5 s) before it reports the
// cause, so health() gets a bound above that: on a loaded machine a shorter one only says "no answer".
const bus = (broker: SecuredBroker, security: KafkaSecurity | undefined, healthTimeoutMs = 45_000): Bus =>
  createKafkaBus({ brokers: [broker.address], clientId: `sasl-ssl-${suffix}`, logger: createLogger({ service: "sasl-ssl-test", level: "silent" }), connectionTimeoutMs: 5_000, requestTimeoutMs: 10_000, healthTimeoutMs, ...(security ? { security } : {}) });

describe("Kafka over SASL_SSL", { timeout: 300_000 }, () => {
  let broker: SecuredBroker;
  let svc: KafkaSecurity;
  const buses: Bus[] = [];
  const open = (security: KafkaSecurity | undefined, healthTimeoutMs?: number) => {
    const b = bus(broker, security, healthTimeoutMs);
    buses.push(b);
    return b;
  };

  before(async () => {
    broker = await startSecuredBroker();
    svc = { tls: { caFile: broker.caFile }, sasl: { mechanism: "plain", username: "svc", password: USERS.svc } };
    const probe = open(svc, 8_000);
    let health: HealthStatus = { ok: false, detail: "not asked" };
    for (let i = 0; i < 60 && !health.ok; i++) {
      health = await probe.health();
      if (!health.ok) await new Promise((r) => setTimeout(r, 1_000));
    }
    assert.ok(health.ok, `the secured broker never answered (${health.detail}):\n${logTail(broker)}`);
  });
  after(async () => {
    await Promise.all(buses.map((b) => b.close().catch(() => undefined)));
    await broker?.stop();
  });

  it("with the broker's CA and a user's password, the bus creates topics, publishes and consumes", async () => {
    const b = open(svc);
    const topic = `test.${suffix}.secure`;
    await b.ensureTopics([topic, `${topic}.dlq`], { partitions: 1 });
    await b.publishRaw(topic, [1, 2, 3].map((i) => ({ key: `k${i}`, value: new TextEncoder().encode(`v${i}`), headers: {} })));
    const seen: BusRecord[] = [];
    const sub = await b.subscribe({ groupId: `g-${suffix}`, topics: [topic], fromBeginning: true, handleBatch: async (rs) => void seen.push(...rs) });
    for (let i = 0; i < 60 && seen.length < 3; i++) await new Promise((r) => setTimeout(r, 500));
    await sub.stop();
    assert.deepEqual(seen.map((r) => new TextDecoder().decode(r.value)).sort(), ["v1", "v2", "v3"]);
  });

  it("SCRAM-SHA-512 works as well (a user the broker keeps in its metadata)", async () => {
    const b = open({ tls: { caFile: broker.caFile }, sasl: { mechanism: "scram-sha-512", username: "scrammer", password: SCRAM_USERS.scrammer } });
    const topic = `test.${suffix}.scram`;
    await b.ensureTopics([topic], { partitions: 1 });
    await b.publishRaw(topic, [{ key: "k", value: new TextEncoder().encode("scram"), headers: {} }]);
    const wrong = await open({ tls: { caFile: broker.caFile }, sasl: { mechanism: "scram-sha-512", username: "scrammer", password: "not-it" } }).health();
    assert.equal(wrong.ok, false);
  });

  it("a wrong password, a certificate the client does not trust, and plaintext are refused, saying why", async () => {
    const wrong = await open({ ...svc, sasl: { mechanism: "plain", username: "svc", password: "not-it" } }).health();
    assert.equal(wrong.ok, false);
    assert.match(wrong.detail ?? "", /SASL|authentication|credentials/i);
    const untrusted = await open({ tls: {}, sasl: svc.sasl! }).health();
    assert.equal(untrusted.ok, false);
    assert.match(untrusted.detail ?? "", /certificate|self.signed/i);
    const plain = await open(undefined).health();
    assert.equal(plain.ok, false);
  });

  it("a service process configured only by KAFKA_TLS, KAFKA_TLS_CA_FILE and KAFKA_SASL_* becomes ready (ingestion)", { skip: env ? false : "needs DATABASE_URL (bash infra/stack.sh up)" }, async () => {
    const [http, grpc] = [await freePort(), await freePort()];
    const run = startServiceProcess("ingestion", {
      DATABASE_URL: env!.databaseUrl,
      KAFKA_BROKERS: broker.address,
      KAFKA_TLS: "true",
      KAFKA_TLS_CA_FILE: broker.caFile,
      KAFKA_SASL_MECHANISM: "plain",
      KAFKA_SASL_USERNAME: "svc",
      KAFKA_SASL_PASSWORD: USERS.svc,
      INGEST_DB_SCHEMA: `sasl_ssl_${suffix}`,
      INGEST_HTTP_PORT: String(http),
      INGEST_GRPC_PORT: String(grpc),
      INGEST_TOPIC_INTERACTIONS: `test.${suffix}.interactions`,
      INGEST_TOPIC_FEEDBACK: `test.${suffix}.feedback`,
    });
    try {
      assert.ok(await run.waitReady(http), `ingestion never became ready on the secured broker:\n${run.output().slice(-1500)}`);
      run.child.kill("SIGTERM");
      assert.equal(await run.exited, 0, run.output().slice(-800));
      assert.ok(!run.output().includes(USERS.svc), "the SASL password never reaches the logs");
    } finally {
      run.kill();
      const pool = new pg.Pool({ connectionString: env!.databaseUrl, max: 1 });
      await pool.query(`drop schema if exists "sasl_ssl_${suffix}" cascade`).catch(() => undefined);
      await pool.end();
    }
  });
});
