import crypto from "node:crypto";

/** Hex sha256; the one-shot crypto.hash (Node >= 20.12) avoids a Hash object per call. */
export function sha256Hex(data: string | Uint8Array): string {
  return crypto.hash("sha256", data, "hex");
}
