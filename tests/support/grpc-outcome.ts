import { isAppError } from "@rlhf-loop/kit";

/** How a gRPC call ended: "ok" with the answer as JSON, or the AppError code with its text ("unknown" for anything else). */
export async function grpcOutcome(p: Promise<unknown>): Promise<{ code: string; text: string }> {
  try {
    return { code: "ok", text: JSON.stringify(await p, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) };
  } catch (err) {
    if (isAppError(err)) return { code: err.code, text: `${err.message} ${JSON.stringify(err.fields)}` };
    return { code: "unknown", text: String(err) };
  }
}
