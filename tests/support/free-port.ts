import { createServer } from "node:net";

/** A TCP port on 127.0.0.1 that was free a moment ago (for a service a test starts as a process). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = a && typeof a === "object" ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}
