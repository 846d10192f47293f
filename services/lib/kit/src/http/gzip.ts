import { Transform, type TransformCallback } from "node:stream";
import { createGunzip } from "node:zlib";
import { AppError } from "../errors/app-error.js";

/**
 * Inflates a gzip request body, failing with 413 once the inflated size passes `maxBytes`
 * (so a small zip bomb cannot make us inflate gigabytes). `receivedEncodedLength` is kept on
 * the returned stream: fastify checks its body limit and Content-Length against it.
 */
export function inflateBounded(payload: NodeJS.ReadableStream, maxBytes: number): NodeJS.ReadableStream {
  let inflated = 0;
  const limiter = new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      inflated += chunk.length;
      if (inflated > maxBytes) {
        cb(new AppError("payload_too_large", `request body inflates to more than ${maxBytes} bytes`));
        return;
      }
      cb(null, chunk);
    },
  }) as Transform & { receivedEncodedLength?: number };
  const gunzip = createGunzip();
  let encoded = 0;
  payload.on("data", (c: Buffer) => {
    encoded += c.length;
    limiter.receivedEncodedLength = encoded;
  });
  payload.on("error", (err) => limiter.destroy(err));
  gunzip.on("error", () =>
    limiter.destroy(new AppError("invalid_argument", "request body is not valid gzip data", { fields: [] })),
  );
  limiter.on("error", () => {
    gunzip.destroy();
  });
  payload.pipe(gunzip).pipe(limiter);
  return limiter;
}
