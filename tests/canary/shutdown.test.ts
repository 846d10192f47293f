/**
 * SIGTERM during a canary run (the reliability suite saw "stop consumers and runs" time out after
 * 10 s, exit 1): the canary process (services/canary/src/main.ts) exits 0 well within the grace,
 * the interrupted report is left running, not failed, and the next start resumes and finishes it.
 * Real Kafka and Postgres; Policy and Reward are gRPC doubles here, the Policy one holding its
 * GenerateBatch answer until told to answer (a long generation).
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { AppError, addService, bindGrpc, createGrpcServer, createLogger, createPool, freePort, newApiKey, stopGrpc, type Pool } from "@rlhf-loop/kit";
import { Policy, Reward } from "@rlhf-loop/proto";
import { canaryKeys, migrateCanary } from "@rlhf-loop/canary";
import { readStackEnv } from "../support/stack-env.js";

const env = readStackEnv();
const skip = env ? false : "needs KAFKA_BROKERS and DATABASE_URL (bash infra/stack.sh up)";
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const suffix = randomBytes(4).toString("hex");
const schema = `canary_stop_${suffix}`;
const POLICY_KEY = newApiKey("pk");
const REWARD_KEY = newApiKey("rk");
/** Each step of the kit's shutdown is bounded by 10 s; the whole shutdown must fit well inside. */
const GRACE_MS = 10_000;

const grpc = createGrpcServer();
let pool: Pool;
let doubles = "";
/** "hold": GenerateBatch answers only when its call is cancelled (never, for the run); "answer": at once. */
let mode: "hold" | "answer" = "hold";
let generateCalls = 0;

async function until<T>(what: string, f: () => Promise<T | undefined>, ms: number): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The canary as a process, its log lines kept. */
function startCanary(httpPort: number): { child: ChildProcess; lines: string[]; exited: Promise<number | null> } {
  const t = (n: string) => `test.${suffix}.${n}`;
  const child = spawn(process.execPath, ["--import", "tsx", "services/canary/src/main.ts"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      DATABASE_URL: env!.databaseUrl, KAFKA_BROKERS: env!.brokers.join(","), HOST: "127.0.0.1", PORT: String(httpPort), GRPC_PORT: "0", LOG_LEVEL: "info",
      POLICY_GRPC_ADDRESS: doubles, REWARD_GRPC_ADDRESS: doubles, CANARY_POLICY_KEY: POLICY_KEY, CANARY_REWARD_KEY: REWARD_KEY,
      CANARY_DB_SCHEMA: schema, CANARY_GROUP_PREFIX: `canary-stop-${suffix}`, CANARY_AUTO_RUN: "false", CANARY_SAMPLES_PER_TASK: "1", CANARY_BOOTSTRAP_RESAMPLES: "100",
      CANARY_TOPIC_INTERACTIONS: t("interactions"), CANARY_TOPIC_FEEDBACK: t("feedback"), CANARY_TOPIC_POLICIES: t("policies"), CANARY_TOPIC_REPORTS: t("canary-reports"),
    },
  });
  const lines: string[] = [];
  const keep = (d: Buffer) => lines.push(...d.toString().split("\n").filter(Boolean));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { child, lines, exited };
}

const running: ChildProcess[] = [];

before(async () => {
  if (skip) return;
  const logger = createLogger({ service: "canary-stop-test", level: "silent" });
  pool = createPool({ url: env!.databaseUrl, max: 2, applicationName: "canary-stop-test", logger });
  const refuse = async () => {
    throw new AppError("failed_precondition", "not served by this double");
  };
  const requireKey = (ctx: { header(n: string): string | undefined }, key: string) => {
    if (ctx.header("authorization") !== `Bearer ${key}`) throw new AppError("unauthenticated", "missing or wrong key");
  };
  addService(grpc, Policy, {
    generate: refuse, startRun: refuse, getRun: refuse,
    async generateBatch(req, ctx) {
      requireKey(ctx, POLICY_KEY);
      generateCalls++;
      if (mode === "hold") await new Promise((r) => ctx.signal.addEventListener("abort", r, { once: true }));
      const answers = req.prompts.flatMap((p, i) => Array.from({ length: req.samplesPerPrompt || 1 }, (_, s) => ({ promptIndex: i, sampleIndex: s, answer: `Sorry about ${p.slice(0, 12)}, answer ${s}.`, tokens: 0, logProb: 0 })));
      return { policyVersion: req.policyVersion, answers };
    },
  }, { logger });
  addService(grpc, Reward, {
    score: refuse, compare: refuse,
    async scoreBatch(req, ctx) {
      requireKey(ctx, REWARD_KEY);
      return { modelId: req.modelId, scores: req.items.map((x) => x.answer.length / 100) };
    },
    async getModel(req, ctx) {
      requireKey(ctx, REWARD_KEY);
      if (req.modelId !== "rm-1") throw new AppError("not_found", `unknown reward model ${req.modelId}`);
      return { model: { modelId: req.modelId, tenantId: "t1" } };
    },
  }, { logger });
  doubles = `127.0.0.1:${await bindGrpc(grpc, "127.0.0.1:0")}`;
  await migrateCanary(pool, { schema });
});

after(async () => {
  if (skip) return;
  for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await stopGrpc(grpc, 1_000);
  await pool?.query(`drop schema if exists "${schema}" cascade`);
  await pool?.end();
});

void test("SIGTERM during a canary run exits 0 within the grace; the run resumes at the next start", { skip, timeout: 180_000 }, async (t) => {
  const key = (await canaryKeys.create(pool, { schema, tenantId: "t1", role: "operator" })).key;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, text: await res.text() };
  };
  const report = async (id: string) => (await pool.query<{ status: string; stage: string; error: string }>(`select status, stage, error from "${schema}".reports where report_id = $1`, [id])).rows[0];

  const first = startCanary(port);
  running.push(first.child);
  await until("the canary ready", async () => ((await fetch(`${base}/readyz`)).ok ? true : undefined), 60_000);
  const lines = Array.from({ length: 6 }, (_, i) => JSON.stringify({ prompt: `Where is my refund for order ${i}?`, loggedAnswer: `It is on its way, order ${i}.` }));
  const set = await call("POST", "/v1/canary-sets", { tenantId: "t1", jsonl: lines.join("\n") });
  assert.equal(set.status, 201, set.text);
  const run = await call("POST", "/v1/canary-runs", { tenantId: "t1", candidateVersion: "cand-1", canarySetId: (JSON.parse(set.text) as { setId: string }).setId, rewardModelId: "rm-1" });
  assert.equal(run.status, 202, run.text);
  const reportId = (JSON.parse(run.text) as { reportId: string }).reportId;
  await until("the run waiting on GenerateBatch", async () => (generateCalls > 0 && (await report(reportId))?.status === "running" ? true : undefined), 30_000);

  const t0 = Date.now();
  first.child.kill("SIGTERM");
  let overrun: NodeJS.Timeout | undefined;
  const code = await Promise.race([first.exited, new Promise<"overran">((r) => (overrun = setTimeout(() => r("overran"), 3 * GRACE_MS)))]);
  clearTimeout(overrun);
  const ms = Date.now() - t0;
  const timedOut = first.lines.filter((l) => l.includes("shutdown step timed out"));
  assert.equal(code, 0, `exit ${String(code)} after ${ms} ms; ${timedOut.join(" | ")}`);
  assert.ok(ms < GRACE_MS, `shutdown took ${ms} ms`);
  const steps = first.lines.map((l) => JSON.parse(l) as { msg?: string; steps?: { name: string; ms: number }[] }).find((l) => l.msg === "shutdown complete")?.steps;
  t.diagnostic(`SIGTERM to exit ${ms} ms; steps ${(steps ?? []).map((s) => `${s.name} ${s.ms} ms`).join(", ")}`);
  assert.ok(first.lines.some((l) => l.includes("canary run interrupted by shutdown")), "the run was interrupted, not waited for");
  const left = await report(reportId);
  assert.equal(left?.status, "running", `left ${JSON.stringify(left)}`);
  assert.equal(left?.error, "");

  // The next start resumes it; this time the policy answers.
  mode = "answer";
  const second = startCanary(port);
  running.push(second.child);
  const done = await until("the resumed run finished", async () => {
    const r = await report(reportId);
    return r && (r.status === "done" || r.status === "failed") ? r : undefined;
  }, 90_000);
  assert.equal(done.status, "done", done.error);
  second.child.kill("SIGTERM");
  assert.equal(await second.exited, 0);
});
