import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { createLogger } from "./logger.js";

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString().split("\n").filter(Boolean));
      cb();
    },
  });
  return { lines, destination };
}

describe("createLogger", () => {
  it("writes one JSON line per event with service, level label and time", async () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: "ingestion", destination });
    log.info({ tenant: "t1" }, "hello");
    log.debug("hidden at info");
    await new Promise((r) => setImmediate(r));
    assert.equal(lines.length, 1);
    const e = JSON.parse(lines[0]!);
    assert.equal(e.service, "ingestion");
    assert.equal(e.level, "info");
    assert.equal(e.msg, "hello");
    assert.equal(e.tenant, "t1");
    assert.ok(!Number.isNaN(Date.parse(e.time)));
  });

  it("redacts authorization headers, api keys and passwords", async () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: "s", destination });
    log.info({
      req: { headers: { authorization: "Bearer sk-live-123", "x-api-key": "key-456", accept: "json" } },
      headers: { authorization: "Bearer top-level" },
      apiKey: "key-789",
      password: "hunter2",
      db: { password: "pw-nested", host: "h" },
      config: { apiKey: "cfg-key" },
    });
    await new Promise((r) => setImmediate(r));
    const line = lines[0] ?? "";
    for (const secret of ["sk-live-123", "key-456", "top-level", "key-789", "hunter2", "pw-nested", "cfg-key"]) {
      assert.ok(!line.includes(secret), `${secret} leaked: ${line}`);
    }
    const e = JSON.parse(line);
    assert.equal(e.req.headers.accept, "json");
    assert.equal(e.db.host, "h");
    assert.equal(e.req.headers.authorization, "[redacted]");
  });

  it("serializes errors with their cause", async () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: "s", destination });
    log.error({ err: new Error("outer", { cause: new Error("inner") }) }, "failed");
    await new Promise((r) => setImmediate(r));
    const e = JSON.parse(lines[0]!);
    assert.match(e.err.message, /outer/);
    assert.match(JSON.stringify(e.err), /inner/);
  });
});
