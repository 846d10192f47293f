/**
 * Callers of the RL trainer need a key (issue 10): every gRPC method (Generate, GenerateBatch,
 * StartRun, GetRun) and HTTP route without one is UNAUTHENTICATED / 401; a key of another tenant
 * cannot sample a tenant's checkpoints, read its runs or download its weights (NOT_FOUND / 404,
 * worded as for an unknown id), cannot start runs for it (PERMISSION_DENIED), and no answer names
 * the tenant; a reader cannot generate or start runs; the right key passes; a tenant key asking
 * for no version gets its own tenant's served policy; a revoked key stops working.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { createGrpcClient, createKafkaBus, createLogger, createMetrics, createPool, newApiKey, type Bus, type GrpcClient, type Pool } from "@rlhf-loop/kit";
import { freshOptimizerState } from "@rlhf-loop/ml";
import { Policy } from "@rlhf-loop/proto";
import { createRlTrainerService, fitReference, packCheckpoint, policyKeys, type PolicyModelJson, type RlTrainerService } from "@rlhf-loop/rl-trainer";
import { readStackEnv } from "../support/stack-env.js";
import { grpcOutcome } from "../support/grpc-outcome.js";

const env = readStackEnv();
const suffix = randomBytes(4).toString("hex");
const schema = `rl_auth_${suffix}`;
const t = (n: string) => `test.${suffix}.${n}`;
const topics = { rlRuns: t("rl-runs"), rewardModels: t("reward-models"), policies: t("policies"), interactions: t("interactions"), canaryReports: t("canary-reports") };

describe("rl-trainer caller authentication", { skip: env ? false : "needs KAFKA_BROKERS and DATABASE_URL (bash infra/stack.sh up)" }, () => {
  let pool: Pool;
  let bus: Bus;
  let svc: RlTrainerService;
  let base = "";
  let client: GrpcClient<typeof Policy>;
  const k: Record<string, string> = {};
  const md = (key: string) => ({ metadata: { authorization: `Bearer ${key}` } });
  const http = async (path: string, key: string | undefined) => {
    const res = await fetch(`${base}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
    return { status: res.status, text: await res.text() };
  };

  before(async () => {
    const logger = createLogger({ service: "rl-auth-test", level: "silent" });
    const metrics = createMetrics({ service: "rl-auth-test", defaultMetrics: false });
    pool = createPool({ url: env!.databaseUrl, max: 4, applicationName: "rl-auth-test", logger });
    bus = createKafkaBus({ brokers: env!.brokers, clientId: `rl-auth-${suffix}`, logger, metrics });
    svc = createRlTrainerService({ bus, pool, logger, metrics, rewardFor: async () => async (rows) => rows.map(() => 0), options: { dbSchema: schema, topics, groupPrefix: `rl-auth-${suffix}`, httpPort: 0, grpcPort: 0, consumeRuns: false } });
    const ports = await svc.start();
    base = `http://127.0.0.1:${ports.httpPort}`;
    client = createGrpcClient(Policy, `127.0.0.1:${ports.grpcPort}`);
    // One small real checkpoint of tenant acme, promoted as acme's served policy.
    const words = ["refund", "order", "sent", "today", "sorry", "help"];
    const rows = Array.from({ length: 60 }, (_, i) => ({ prompt: `question ${i % 5}`, answer: `${words[i % 6]} ${words[(i * 5) % 6]} .` }));
    const fit = await fitReference(rows, { seed: 1, shape: { window: 2, prompt: { buckets: 32, bigrams: false, maxFeatures: 8, seed: 0 }, promptDim: 8, tokenDim: 8, hidden: 8 }, epochs: 1, batchAnswers: 32, lr: 0.03, threads: 1 });
    const model: PolicyModelJson = { kind: "policy", config: fit.config, vocab: fit.codec.vocab.toJSON(), referenceId: "ref" };
    const blob = packCheckpoint({ model: model as never, state: { params: fit.params, ...freshOptimizerState(fit.params) } });
    await svc.store.createRun({ runId: "acme-run", tenantId: "acme", rewardModelId: "rm-acme", referenceId: "ref", datasetId: "acme-ds", config: {} });
    await svc.store.saveCheckpoint({ policyVersion: "acme-run@1", runId: "acme-run", parentVersion: "", step: 1, referenceId: "ref", rewardModelId: "rm-acme", datasetId: "acme-ds", config: {}, beta: 0.1, checkpoint: blob.bytes, sha256: blob.sha256, final: true });
    await svc.store.recordPromotion({ tenantId: "acme", policyVersion: "acme-run@1", reportId: "rep-1", promotedAt: new Date() });
    await svc.store.upsertRewardModel({ modelId: "rm-acme", tenantId: "acme", status: "APPROVED" });
    await svc.store.upsertRewardModel({ modelId: "rm-globex", tenantId: "globex", status: "APPROVED" });
    const make = async (tenantId: string, role: "reader" | "operator" | "service") => (await policyKeys.create(pool, { schema, tenantId, role })).key;
    k["acmeOperator"] = await make("acme", "operator");
    k["acmeReader"] = await make("acme", "reader");
    k["acmeService"] = await make("acme", "service");
    k["globexOperator"] = await make("globex", "operator");
    k["star"] = await make("*", "service");
  });
  after(async () => {
    client?.close();
    await svc?.stop();
    await bus?.close();
    await pool?.query(`drop schema if exists "${schema}" cascade`);
    await pool?.end();
  });

  const prompt = "question 1";
  const calls = {
    Generate: (o?: ReturnType<typeof md>) => client.generate({ prompt, policyVersion: "acme-run@1", seed: 1, maxTokens: 4 }, o),
    GenerateBatch: (o?: ReturnType<typeof md>) => client.generateBatch({ prompts: [prompt], policyVersion: "acme-run@1", seed: 1, maxTokens: 4 }, o),
    StartRun: (o?: ReturnType<typeof md>) => client.startRun({ run: { runId: `r-${randomBytes(3).toString("hex")}`, tenantId: "acme", rewardModelId: "rm-acme", config: { steps: 1 } } }, o),
    GetRun: (o?: ReturnType<typeof md>) => client.getRun({ runId: "acme-run" }, o),
  };
  const routes = ["/v1/runs/acme-run", "/v1/policies/acme-run@1/model.onnx"];

  it("every method and route answers UNAUTHENTICATED / 401 without a valid key; probes stay open", async () => {
    const runs0 = (await pool.query<{ n: number }>(`select count(*)::int as n from "${schema}".runs`)).rows[0]!.n;
    for (const [name, call] of Object.entries(calls)) {
      for (const o of [undefined, md("nope"), md(newApiKey("rk")), md(newApiKey("pk"))]) assert.equal((await grpcOutcome(call(o))).code, "unauthenticated", name);
    }
    for (const p of routes) {
      for (const key of [undefined, newApiKey("pk")]) assert.equal((await http(p, key)).status, 401, p);
    }
    assert.equal((await pool.query<{ n: number }>(`select count(*)::int as n from "${schema}".runs`)).rows[0]!.n, runs0, "no run was stored");
    for (const p of ["/healthz", "/readyz", "/metrics"]) assert.equal((await http(p, undefined)).status, 200, p);
  });

  it("another tenant's key: its checkpoints, runs and weights are unknown to it; it cannot act for the tenant", async () => {
    const other = md(k["globexOperator"]!);
    for (const name of ["Generate", "GenerateBatch", "GetRun"] as const) {
      const r = await grpcOutcome(calls[name](other));
      assert.equal(r.code, "not_found", `${name}: ${r.text}`);
      assert.ok(!r.text.includes("acme-ds") && !/\bacme\b/.test(r.text.replace(/acme-run(@1)?/g, "")), `${name} names the owner: ${r.text}`);
    }
    const unknown = await grpcOutcome(client.generate({ prompt, policyVersion: "nope@1" }, other));
    const theirs = await grpcOutcome(client.generate({ prompt, policyVersion: "acme-run@1" }, other));
    assert.equal(theirs.text.replace("acme-run@1", "ID"), unknown.text.replace("nope@1", "ID"), "worded as for an unknown version");
    assert.equal((await grpcOutcome(calls.StartRun(other))).code, "permission_denied");
    assert.equal((await grpcOutcome(client.generate({ prompt, tenantId: "acme" }, other))).code, "permission_denied");
    // Its own run id may not reuse acme's, nor train on acme's reward model.
    assert.equal((await grpcOutcome(client.startRun({ run: { runId: "acme-run", tenantId: "globex", rewardModelId: "rm-globex" } }, other))).code, "already_exists");
    const borrowed = await grpcOutcome(client.startRun({ run: { runId: "globex-run", tenantId: "globex", rewardModelId: "rm-acme" } }, other));
    assert.equal(borrowed.code, "failed_precondition", borrowed.text);
    assert.ok(!borrowed.text.includes("acme\"") && !/tenant/.test(borrowed.text), borrowed.text);
    for (const p of routes) {
      const r = await http(p, k["globexOperator"]);
      assert.equal(r.status, 404, `${p}: ${r.text}`);
      assert.ok(!r.text.includes("acme-ds") && !r.text.includes("rm-acme"), r.text);
    }
    // No version and no tenant: its own tenant's served policy (it has none), never acme's.
    assert.match((await grpcOutcome(client.generate({ prompt }, other))).text, /no policy has been promoted for tenant globex/);
  });

  it("roles: a reader reads but cannot generate or start runs; service and operator keys of the tenant generate; an operator starts runs", async () => {
    const reader = md(k["acmeReader"]!);
    assert.equal((await client.getRun({ runId: "acme-run" }, reader)).run?.tenantId, "acme");
    assert.equal((await http(routes[1]!, k["acmeReader"])).status, 200);
    for (const name of ["Generate", "GenerateBatch", "StartRun"] as const) assert.equal((await grpcOutcome(calls[name](reader))).code, "permission_denied", name);
    assert.equal((await client.generate({ prompt, seed: 1, maxTokens: 4 }, md(k["acmeService"]!))).policyVersion, "acme-run@1", "a tenant key with no version gets its served policy");
    assert.equal((await client.generateBatch({ prompts: [prompt], tenantId: "acme", seed: 1, maxTokens: 4 }, md(k["star"]!))).policyVersion, "acme-run@1");
    assert.equal((await grpcOutcome(calls.StartRun(md(k["acmeService"]!)))).code, "permission_denied", "service keys do not start runs");
    assert.equal((await grpcOutcome(calls.StartRun(md(k["acmeOperator"]!)))).code, "ok");
  });

  it("a revoked key stops working", async () => {
    const fresh = await policyKeys.create(pool, { schema, tenantId: "acme", role: "reader" });
    assert.equal(await policyKeys.revoke(pool, { id: fresh.id }, { schema }), 1);
    assert.equal((await grpcOutcome(calls.GetRun(md(fresh.key)))).code, "unauthenticated");
  });
});
