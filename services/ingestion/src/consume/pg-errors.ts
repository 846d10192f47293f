import { AppError } from "@rlhf-loop/kit";

/**
 * Postgres errors caused by the data (SQLSTATE class 22 data exception, 23 integrity
 * violation) will fail the same way on every retry: mark them non-retriable so the record
 * reaches the DLQ at once. Everything else (connection loss, timeouts) is worth retrying.
 */
export function classifyDbError(err: unknown): unknown {
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && /^2[23]/.test(code)) {
    const message = err instanceof Error ? err.message : String(err);
    return new AppError("invalid_argument", `rejected by the database (${code}): ${message}`, { retriable: false, cause: err });
  }
  return err;
}
