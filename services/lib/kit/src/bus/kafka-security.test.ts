import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { loadConfig } from "../config/load.js";
import { kafkaSecurityFields, kafkaSecurityIssues, kafkaSecurityOf, kafkajsSecurity } from "./kafka-security.js";

const dir = mkdtempSync(path.join(tmpdir(), "kit-kafka-sec-"));
const caFile = path.join(dir, "ca.pem");
writeFileSync(caFile, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
after(() => rmSync(dir, { recursive: true, force: true }));

/** The fields loaded from an environment, as a service's loader does. */
const load = (env: Record<string, string>) => loadConfig(kafkaSecurityFields, env);
const variables = (env: Record<string, string>) => kafkaSecurityIssues(load(env)).map((i) => i.variable);

describe("Kafka TLS and SASL settings", () => {
  it("unset: plaintext, no kafkajs security settings", () => {
    assert.deepEqual(variables({}), []);
    assert.deepEqual(kafkaSecurityOf(load({})), {});
    assert.deepEqual(kafkajsSecurity(kafkaSecurityOf(load({}))), {});
  });

  it("TLS with a CA file and SASL SCRAM become kafkajs's ssl (the CA read) and sasl", () => {
    const env = { KAFKA_TLS: "true", KAFKA_TLS_CA_FILE: caFile, KAFKA_SASL_MECHANISM: "scram-sha-512", KAFKA_SASL_USERNAME: "svc", KAFKA_SASL_PASSWORD: "s3cret" };
    assert.deepEqual(variables(env), []);
    const sec = kafkaSecurityOf(load(env));
    assert.deepEqual(sec, { tls: { caFile }, sasl: { mechanism: "scram-sha-512", username: "svc", password: "s3cret" } });
    const k = kafkajsSecurity(sec);
    assert.deepEqual(k.ssl, { ca: ["-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"] });
    assert.deepEqual(k.sasl, { mechanism: "scram-sha-512", username: "svc", password: "s3cret" });
    assert.equal(kafkajsSecurity({ tls: {} }).ssl, true, "TLS without a CA file trusts the system's CAs");
  });

  it("names every variable that is missing or contradicts another", () => {
    assert.deepEqual(variables({ KAFKA_SASL_MECHANISM: "plain" }), ["KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD"]);
    assert.deepEqual(variables({ KAFKA_SASL_USERNAME: "svc", KAFKA_SASL_PASSWORD: "x" }), ["KAFKA_SASL_MECHANISM"]);
    assert.deepEqual(variables({ KAFKA_TLS_CA_FILE: caFile }), ["KAFKA_TLS"]);
    const missing = kafkaSecurityIssues(load({ KAFKA_TLS: "true", KAFKA_TLS_CA_FILE: path.join(dir, "none.pem") }));
    assert.equal(missing[0]?.variable, "KAFKA_TLS_CA_FILE");
    assert.match(missing[0]?.reason ?? "", /cannot read .*none\.pem/);
    assert.throws(() => load({ KAFKA_SASL_MECHANISM: "gssapi" }), /KAFKA_SASL_MECHANISM/);
  });

  it("the password is a secret: redacted when the config is logged", () => {
    const c = load({ KAFKA_SASL_MECHANISM: "plain", KAFKA_SASL_USERNAME: "svc", KAFKA_SASL_PASSWORD: "s3cret" });
    assert.ok(!JSON.stringify(c).includes("s3cret"));
  });
});
