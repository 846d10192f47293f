/** Child for the lifecycle test: registers steps, prints READY, waits for a signal (max 30 s). */
import { createLogger } from "../../log/logger.js";
import { createLifecycle } from "../lifecycle.js";

const hang = process.env.HANG_STEP === "1";
const logger = createLogger({ service: "lifecycle-child" });
const lc = createLifecycle({ logger, stepTimeoutMs: 300 });
lc.onShutdown("close pool", () => void process.stdout.write("STEP pools\n"), { phase: "pools" });
lc.onShutdown("stop consumers", async () => {
  await new Promise((r) => setTimeout(r, 50));
  process.stdout.write("STEP consumers\n");
}, { phase: "consumers" });
lc.onShutdown("mark unready", () => void process.stdout.write("STEP unready\n"), { phase: "unready" });
lc.onShutdown("flush producer", async () => {
  if (hang) await new Promise((r) => setTimeout(r, 10_000));
  process.stdout.write("STEP flush\n");
});
lc.installSignalHandlers();
const keepAlive = setTimeout(() => process.exit(9), 30_000);
lc.signal.addEventListener("abort", () => clearTimeout(keepAlive));
process.stdout.write("READY\n");
