// A scoring worker stand-in for tests: accepts models, then dies on every score message.
import { parentPort } from "node:worker_threads";

parentPort.on("message", (m) => {
  if (m.type === "score") process.exit(3);
  parentPort.postMessage({ type: "ok", seq: m.seq });
});
