// A scoring worker thread: holds loaded models and runs them, so onnxruntime's synchronous native
// run never blocks the service's event loop.
import { parentPort, workerData } from "node:worker_threads";
import { createRunner, type ModelRunner } from "./model-runner.js";
import { epochClock, type FromWorker, type ToWorker } from "./worker-protocol.js";

const port = parentPort;
if (!port) throw new Error("score-worker must run in a worker thread");
const threads = (workerData as { threads?: number } | undefined)?.threads ?? 1;
const models = new Map<string, ModelRunner>();

function reply(m: FromWorker): void {
  port!.postMessage(m);
}

async function handle(msg: ToWorker): Promise<void> {
  const got = epochClock();
  try {
    if (msg.type === "load") {
      if (!models.has(msg.modelId)) models.set(msg.modelId, await createRunner(msg.kind, msg.onnx, msg.tokenizer, threads));
      reply({ type: "ok", seq: msg.seq });
    } else if (msg.type === "unload") {
      const m = models.get(msg.modelId);
      models.delete(msg.modelId);
      await m?.release();
      reply({ type: "ok", seq: msg.seq });
    } else {
      const m = models.get(msg.modelId);
      if (!m) return reply({ type: "error", seq: msg.seq, code: "not_found", message: `model ${msg.modelId} is not loaded` });
      const runStart = epochClock();
      const scores = Float64Array.from(await m.score(msg.rows));
      const t = msg.trace ? { got, runStart, runEnd: epochClock() } : undefined;
      port!.postMessage({ type: "ok", seq: msg.seq, scores, ...(t ? { t } : {}) } satisfies FromWorker, [scores.buffer]);
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    reply({ type: "error", seq: msg.seq, code: err instanceof RangeError ? "invalid_argument" : "internal", message });
  }
}

port.on("message", (msg: ToWorker) => void handle(msg));
