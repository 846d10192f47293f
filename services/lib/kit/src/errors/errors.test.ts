import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AppError, ErrorCodes, isRetriable } from "./app-error.js";
import { GrpcCode, codeOfGrpcStatus, errorBody, grpcStatusOf, httpStatusOf } from "./status.js";

describe("AppError", () => {
  it("maps every code to an HTTP and a gRPC status", () => {
    const http = Object.fromEntries(ErrorCodes.map((c) => [c, httpStatusOf(new AppError(c, "x"))]));
    assert.deepEqual(http, {
      invalid_argument: 400,
      unauthenticated: 401,
      permission_denied: 403,
      not_found: 404,
      already_exists: 409,
      failed_precondition: 412,
      resource_exhausted: 429,
      payload_too_large: 413,
      unsupported_media_type: 415,
      unavailable: 503,
      internal: 500,
    });
    assert.equal(grpcStatusOf(new AppError("unauthenticated", "x")), GrpcCode.UNAUTHENTICATED);
    assert.equal(grpcStatusOf(new AppError("resource_exhausted", "x")), GrpcCode.RESOURCE_EXHAUSTED);
    assert.equal(grpcStatusOf(new Error("boom")), GrpcCode.INTERNAL);
    for (const c of ErrorCodes) {
      if (c === "payload_too_large" || c === "unsupported_media_type") continue; // no gRPC twin
      assert.equal(codeOfGrpcStatus(grpcStatusOf(new AppError(c, "x"))), c);
    }
  });

  it("carries retriable by code, overridable", () => {
    assert.equal(new AppError("unavailable", "x").retriable, true);
    assert.equal(new AppError("invalid_argument", "x").retriable, false);
    assert.equal(new AppError("invalid_argument", "x", { retriable: true }).retriable, true);
    assert.equal(isRetriable(new Error("network")), true);
    assert.equal(isRetriable(AppError.invalid([{ path: "a", reason: "b" }])), false);
  });

  it("never sends the cause or an internal message to clients", () => {
    const cause = new Error("password=hunter2 in SQL");
    const body = errorBody(new AppError("internal", "db exploded: password=hunter2", { cause }));
    assert.deepEqual(body, { error: { code: "internal", message: "internal error", fields: [] } });
    assert.equal(errorBody(new Error("secret detail")).error.message, "internal error");
    const inv = errorBody(AppError.invalid([{ path: "events[0].rating", reason: "must be 1..5" }]));
    assert.deepEqual(inv.error.fields, [{ path: "events[0].rating", reason: "must be 1..5" }]);
    assert.match(inv.error.message, /events\[0\]\.rating: must be 1\.\.5/);
    assert.doesNotMatch(JSON.stringify(new AppError("internal", "x", { cause })), /hunter2/);
  });
});
