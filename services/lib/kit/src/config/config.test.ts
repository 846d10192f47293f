import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, REDACTED, loadConfig, redactConfig } from "./load.js";
import { field, parseDuration } from "./schema.js";

const spec = {
  port: field.int({ env: "PORT", default: 8080, min: 1, max: 65535 }),
  databaseUrl: field.url({ env: "DATABASE_URL", protocols: ["postgres", "postgresql"], secret: true }),
  logLevel: field.enum(["debug", "info", "warn"] as const, { env: "LOG_LEVEL", default: "info" }),
  brokers: field.list({ env: "KAFKA_BROKERS", minItems: 1 }),
  grace: field.duration({ env: "SHUTDOWN_GRACE", default: 10_000, maxMs: 60_000 }),
  embedded: field.bool({ env: "EMBEDDED", default: false }),
  pepper: field.string({ env: "API_KEY_PEPPER", secret: true, minLength: 8 }),
  region: field.string({ env: "REGION", optional: true }),
};
const good = {
  DATABASE_URL: "postgres://u:hunter2@127.0.0.1:5432/rlhf",
  KAFKA_BROKERS: "a:1, b:2,",
  API_KEY_PEPPER: "pepper-secret-value",
};

describe("loadConfig", () => {
  it("parses every kind and applies defaults", () => {
    const c = loadConfig(spec, { ...good, SHUTDOWN_GRACE: "1.5s", EMBEDDED: "yes", LOG_LEVEL: "debug" });
    assert.equal(c.port, 8080);
    assert.equal(c.databaseUrl, good.DATABASE_URL);
    assert.equal(c.logLevel, "debug");
    assert.deepEqual(c.brokers, ["a:1", "b:2"]);
    assert.equal(c.grace, 1500);
    assert.equal(c.embedded, true);
    assert.equal(c.region, undefined);
    // Typed: these lines would not compile if the inferred types were wrong.
    const n: number = c.port;
    const lvl: "debug" | "info" | "warn" = c.logLevel;
    const r: string | undefined = c.region;
    void [n, lvl, r];
    assert.ok(Object.isFrozen(c));
  });

  it("names each bad variable and why, in one error", () => {
    let err: unknown;
    try {
      loadConfig(spec, { PORT: "70000", DATABASE_URL: "mysql://u:hunter2@x/db", LOG_LEVEL: "loud", EMBEDDED: "maybe", API_KEY_PEPPER: "short", SHUTDOWN_GRACE: "2 weeks" });
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof ConfigError);
    const byVar = Object.fromEntries(err.issues.map((i) => [i.variable, i.reason]));
    assert.match(byVar.PORT ?? "", /<= 65535/);
    assert.match(byVar.DATABASE_URL ?? "", /protocols postgres, postgresql/);
    assert.match(byVar.LOG_LEVEL ?? "", /one of debug, info, warn/);
    assert.match(byVar.EMBEDDED ?? "", /boolean/);
    assert.match(byVar.KAFKA_BROKERS ?? "", /required/);
    assert.match(byVar.API_KEY_PEPPER ?? "", /at least 8/);
    assert.match(byVar.SHUTDOWN_GRACE ?? "", /duration/);
    assert.match(err.message, /PORT: must be <= 65535/);
    // Secret values never appear in the message.
    assert.doesNotMatch(err.message, /hunter2|short/);
  });

  it("rejects non-integers and out-of-range durations", () => {
    assert.throws(() => loadConfig(spec, { ...good, PORT: "80.5" }), /PORT: must be an integer/);
    assert.throws(() => loadConfig(spec, { ...good, SHUTDOWN_GRACE: "2m" }), /SHUTDOWN_GRACE: must be at most 60000ms/);
  });

  it("runs the cross-field refine check", () => {
    const refine = (c: { port: number; embedded: boolean; region: string | undefined }) =>
      c.embedded || c.region ? [] : [{ variable: "REGION", reason: "is required unless EMBEDDED=true" }];
    assert.throws(() => loadConfig(spec, good, { refine }), /REGION: is required unless EMBEDDED=true/);
    assert.equal(loadConfig(spec, { ...good, EMBEDDED: "1" }, { refine }).embedded, true);
  });

  it("redacts secrets when logged or serialized", () => {
    const c = loadConfig(spec, good);
    const json = JSON.stringify(c);
    assert.doesNotMatch(json, /hunter2|pepper-secret-value/);
    assert.equal(JSON.parse(json).databaseUrl, REDACTED);
    assert.equal(redactConfig(spec, c).pepper, REDACTED);
    assert.equal(JSON.parse(json).port, 8080);
  });

  it("treats empty strings as unset", () => {
    assert.equal(loadConfig(spec, { ...good, PORT: "  " }).port, 8080);
  });
});

describe("parseDuration", () => {
  it("reads units", () => {
    assert.equal(parseDuration("250ms"), 250);
    assert.equal(parseDuration("10s"), 10_000);
    assert.equal(parseDuration("2m"), 120_000);
    assert.equal(parseDuration("1h"), 3_600_000);
    assert.equal(parseDuration("42"), 42);
    assert.throws(() => parseDuration("-1s"));
    assert.throws(() => parseDuration("1d"));
  });
});
