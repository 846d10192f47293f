import { AppError, type ErrorCode } from "./app-error.js";

/** HTTP status per code; used only where a response is written. */
const httpStatus: Record<ErrorCode, number> = {
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  already_exists: 409,
  failed_precondition: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  resource_exhausted: 429,
  internal: 500,
  unavailable: 503,
};

/** gRPC status codes (numeric, as @grpc/grpc-js `status`). */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

const grpcStatus: Record<ErrorCode, number> = {
  invalid_argument: GrpcCode.INVALID_ARGUMENT,
  unauthenticated: GrpcCode.UNAUTHENTICATED,
  permission_denied: GrpcCode.PERMISSION_DENIED,
  not_found: GrpcCode.NOT_FOUND,
  already_exists: GrpcCode.ALREADY_EXISTS,
  failed_precondition: GrpcCode.FAILED_PRECONDITION,
  // gRPC has no "too large"/"media type" codes; both are bad requests there.
  payload_too_large: GrpcCode.RESOURCE_EXHAUSTED,
  unsupported_media_type: GrpcCode.INVALID_ARGUMENT,
  resource_exhausted: GrpcCode.RESOURCE_EXHAUSTED,
  internal: GrpcCode.INTERNAL,
  unavailable: GrpcCode.UNAVAILABLE,
};

export function httpStatusOf(err: unknown): number {
  return httpStatus[AppError.from(err).code];
}

export function grpcStatusOf(err: unknown): number {
  return grpcStatus[AppError.from(err).code];
}

/** The code a client should see for a gRPC status it received (inverse mapping). */
export function codeOfGrpcStatus(status: number): ErrorCode {
  switch (status) {
    case GrpcCode.INVALID_ARGUMENT:
    case GrpcCode.OUT_OF_RANGE:
      return "invalid_argument";
    case GrpcCode.UNAUTHENTICATED:
      return "unauthenticated";
    case GrpcCode.PERMISSION_DENIED:
      return "permission_denied";
    case GrpcCode.NOT_FOUND:
      return "not_found";
    case GrpcCode.ALREADY_EXISTS:
      return "already_exists";
    case GrpcCode.FAILED_PRECONDITION:
      return "failed_precondition";
    case GrpcCode.RESOURCE_EXHAUSTED:
      return "resource_exhausted";
    case GrpcCode.UNAVAILABLE:
    case GrpcCode.DEADLINE_EXCEEDED:
    case GrpcCode.ABORTED:
    case GrpcCode.CANCELLED:
      return "unavailable";
    default:
      return "internal";
  }
}

/** A client-safe error body: `{ error: { code, message, fields } }`. Internal messages are hidden. */
export function errorBody(err: unknown): {
  error: { code: ErrorCode; message: string; fields: { path: string; reason: string }[] };
} {
  const e = AppError.from(err);
  // An internal error's message may describe our internals; clients get a fixed text.
  const message = e.code === "internal" ? "internal error" : e.message;
  return { error: { code: e.code, message, fields: [...e.fields] } };
}
