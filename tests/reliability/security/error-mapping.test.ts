/**
 * Two faults the fuzzer found in kit, shared by every service (fixed in kit; checked here):
 * 1. A gRPC error whose field paths echo non-ASCII client input (a metadata map key) made
 *    grpc-js throw while setting the x-error-fields trailer, an uncaught exception that killed the
 *    process. The trailer is now ASCII-only JSON and still decodes to the same fields.
 * 2. Postgres refuses text holding NUL (`/v1/reports/a%00b`): SQLSTATE 22021 reached clients as
 *    500 internal. It is now 400 invalid_argument, non-retriable.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { AppError, FIELDS_TRAILER, appErrorFromGrpc, createPool, createLogger, toGrpcStatus, httpStatusOf } from "@rlhf-loop/kit";
import { readStackEnv } from "../../support/stack-env.js";

test("a gRPC error naming non-ASCII field paths gets an ASCII trailer that decodes to the same fields", () => {
  const fields = [
    { path: 'interaction.metadata["\r😀\u0000é"]', reason: "key must be 1-64 letters" },
    { path: "x\uD800", reason: "ünïcödé <script>" },
  ];
  const status = toGrpcStatus(AppError.invalid(fields));
  const trailer = status.metadata!.get(FIELDS_TRAILER)[0]!.toString();
  assert.match(trailer, /^[\x20-\x7e]*$/);
  const back = appErrorFromGrpc({ code: status.code, details: status.details, metadata: status.metadata });
  assert.deepEqual(back.fields, JSON.parse(JSON.stringify(fields)));
});

test("Postgres refusing NUL or invalid text is the client's 400, not a 500", async (t) => {
  const err = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: "22021" });
  const app = AppError.from(err);
  assert.equal(app.code, "invalid_argument");
  assert.equal(httpStatusOf(app), 400);
  assert.equal(app.retriable, false);
  assert.equal(AppError.from(Object.assign(new Error("x"), { code: "22P05" })).code, "invalid_argument");
  assert.equal(AppError.from(Object.assign(new Error("x"), { code: "08006" })).code, "internal", "connection failures stay internal");
  const env = readStackEnv();
  if (!env) return t.skip("no Postgres: the SQLSTATE of a NUL parameter is not checked");
  // The real driver and server agree on the SQLSTATE the mapping relies on.
  const pool = createPool({ url: env.databaseUrl, max: 1, applicationName: "sec-nul", logger: createLogger({ service: "sec", level: "silent" }) });
  try {
    await assert.rejects(pool.query("select $1::text", ["a\u0000b"]), (e: unknown) => AppError.from(e).code === "invalid_argument");
  } finally {
    await pool.end();
  }
});
