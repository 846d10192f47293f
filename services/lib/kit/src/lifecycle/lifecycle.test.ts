import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { createLogger } from "../log/logger.js";
import { waitFor } from "../testing/wait.js";
import { createLifecycle } from "./lifecycle.js";

const CHILD = fileURLToPath(new URL("./testdata/signal-child.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../../../../", import.meta.url));
const logger = createLogger({ service: "t", level: "silent" });

function runChild(env: Record<string, string>, signal: NodeJS.Signals) {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "ignore"] });
  const out: string[] = [];
  child.stdout.on("data", (d: Buffer) => out.push(...d.toString().split("\n").filter(Boolean)));
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return { child, out, exited, signal };
}

describe("lifecycle", () => {
  it("runs steps by phase, then registration order, once", async () => {
    const order: string[] = [];
    const lc = createLifecycle({ logger });
    lc.onShutdown("pools", () => void order.push("pools"), { phase: "pools" });
    lc.onShutdown("flush-a", () => void order.push("flush-a"));
    lc.onShutdown("intake", async () => void order.push("intake"), { phase: "intake" });
    lc.onShutdown("flush-b", () => void order.push("flush-b"), { phase: "flush" });
    lc.onShutdown("unready", () => void order.push("unready"), { phase: "unready" });
    lc.onShutdown("consumers", () => void order.push("consumers"), { phase: "consumers" });
    assert.equal(lc.shuttingDown, false);
    const [a, b] = await Promise.all([lc.shutdown("test"), lc.shutdown("again")]);
    assert.equal(a, b);
    assert.equal(a.code, 0);
    assert.deepEqual(order, ["unready", "intake", "consumers", "flush-a", "flush-b", "pools"]);
    assert.equal(lc.shuttingDown, true);
    assert.equal(lc.signal.aborted, true);
  });

  it("reports a timed-out or failing step with a non-zero code and still runs the rest", async () => {
    const order: string[] = [];
    const lc = createLifecycle({ logger, stepTimeoutMs: 100 });
    lc.onShutdown("slow", () => new Promise((r) => setTimeout(r, 2_000)), { phase: "consumers" });
    lc.onShutdown("broken", () => {
      throw new Error("x");
    });
    lc.onShutdown("pools", () => void order.push("pools"), { phase: "pools" });
    const t0 = Date.now();
    const r = await lc.shutdown();
    assert.ok(Date.now() - t0 < 1_000);
    assert.equal(r.code, 1);
    assert.deepEqual(r.steps.map((s) => s.outcome), ["timeout", "error", "ok"]);
    assert.deepEqual(order, ["pools"]);
  });

  for (const [signal, hang, code] of [
    ["SIGTERM", "0", 0],
    ["SIGINT", "0", 0],
    ["SIGTERM", "1", 1],
  ] as const) {
    it(`on ${signal} shuts down in order and exits ${code}${hang === "1" ? " when a step times out" : ""}`, { timeout: 30_000 }, async () => {
      const c = runChild({ HANG_STEP: hang }, signal);
      await waitFor(() => c.out.includes("READY"), { timeoutMs: 20_000, what: "child ready" });
      c.child.kill(signal);
      const exit = await c.exited;
      assert.equal(exit, code);
      const steps = c.out.filter((l) => l.startsWith("STEP ")).map((l) => l.slice(5));
      assert.deepEqual(steps, hang === "1" ? ["unready", "consumers", "pools"] : ["unready", "consumers", "flush", "pools"]);
    });
  }
});
