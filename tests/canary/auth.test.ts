/**
 * Callers of the canary need a key (issue 10): every HTTP route and gRPC method without one is
 * 401 / UNAUTHENTICATED; a key of another tenant lists nothing of a tenant, reads none of its sets
 * or reports (404 / NOT_FOUND, worded as for an unknown id) and cannot act for it (403 /
 * PERMISSION_DENIED); no answer names the tenant's ids or prompts; a reader cannot write; the right
 * key passes; a revoked key stops working. A run cannot borrow another tenant's reward model (the
 * canary scores with an every-tenant key, so it asks Reward.GetModel for the owner first).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { AppError, addService, bindGrpc, createGrpcClient, createGrpcServer, createKafkaBus, createLogger, createMetrics, createPool, newApiKey, stopGrpc, type Bus, type GrpcClient, type Pool } from "@rlhf-loop/kit";
import { Canary, Reward } from "@rlhf-loop/proto";
import { canaryKeys, createCanaryService, grpcScores, type CanaryService, type ScoreSource } from "@rlhf-loop/canary";
import { readStackEnv } from "../support/stack-env.js";
import { grpcOutcome } from "../support/grpc-outcome.js";

const env = readStackEnv();
const suffix = randomBytes(4).toString("hex");
const schema = `canary_auth_${suffix}`;
const topics = { interactions: `test.${suffix}.interactions`, feedback: `test.${suffix}.feedback`, policies: `test.${suffix}.policies`, reports: `test.${suffix}.canary-reports` };

describe("canary caller authentication", { skip: env ? false : "needs KAFKA_BROKERS and DATABASE_URL (bash infra/stack.sh up)" }, () => {
  let pool: Pool;
  let bus: Bus;
  let svc: CanaryService;
  let base = "";
  let client: GrpcClient<typeof Canary>;
  const k: Record<string, string> = {};
  const secret = `acme-only prompt ${randomBytes(6).toString("hex")}`;
  let setId = "";
  let reportId = "";
  const http = async (method: string, path: string, key: string | undefined, body?: unknown) => {
    const res = await fetch(`${base}${path}`, { method, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, text: await res.text() };
  };
  const md = (key: string) => ({ metadata: { authorization: `Bearer ${key}` } });
  // The reward service as the canary sees it: models of acme, of globex and one shared (no tenant),
  // each known to the canary's every-tenant key only.
  const REWARD_KEY = newApiKey("rk");
  const models: Record<string, string> = { "rm-1": "acme", "rm-globex": "globex", "rm-shared": "" };
  const rewardGrpc = createGrpcServer();
  let scores: ScoreSource | undefined;

  before(async () => {
    const logger = createLogger({ service: "canary-auth-test", level: "silent" });
    const metrics = createMetrics({ service: "canary-auth-test", defaultMetrics: false });
    pool = createPool({ url: env!.databaseUrl, max: 4, applicationName: "canary-auth-test", logger });
    bus = createKafkaBus({ brokers: env!.brokers, clientId: `canary-auth-${suffix}`, logger, metrics });
    // Policy and Reward stand-ins: a run finishes quickly (its gate decision does not matter here).
    const answers = { generate: async (_v: string, prompts: readonly string[], n: number) => prompts.map(() => Array.from({ length: n }, () => "ok")), close: () => undefined };
    const refuse = async () => {
      throw new AppError("failed_precondition", "not served by this double");
    };
    const requireKey = (ctx: { header(n: string): string | undefined }) => {
      if (ctx.header("authorization") !== `Bearer ${REWARD_KEY}`) throw new AppError("unauthenticated", "missing or wrong key");
    };
    addService(rewardGrpc, Reward, {
      score: refuse, compare: refuse,
      async scoreBatch(req, ctx) {
        requireKey(ctx);
        return { modelId: req.modelId, scores: req.items.map(() => 0) };
      },
      async getModel(req, ctx) {
        requireKey(ctx);
        const tenantId = models[req.modelId];
        if (tenantId === undefined) throw new AppError("not_found", `unknown reward model ${req.modelId}`);
        return { model: { modelId: req.modelId, tenantId } };
      },
    }, { logger, metrics });
    scores = grpcScores(`127.0.0.1:${await bindGrpc(rewardGrpc, "127.0.0.1:0")}`, { key: REWARD_KEY });
    svc = createCanaryService({ bus, pool, logger, metrics, answers, scores, options: { dbSchema: schema, topics, groupPrefix: `canary-auth-${suffix}`, httpPort: 0, grpcPort: 0, samplesPerTask: 1, bootstrapResamples: 100, autoRun: false } });
    const ports = await svc.start();
    base = `http://127.0.0.1:${ports.httpPort}`;
    client = createGrpcClient(Canary, `127.0.0.1:${ports.grpcPort}`);
    const make = async (tenantId: string, role: "reader" | "operator" | "service") => (await canaryKeys.create(pool, { schema, tenantId, role })).key;
    k["acmeOperator"] = await make("acme", "operator");
    k["acmeReader"] = await make("acme", "reader");
    k["globexOperator"] = await make("globex", "operator");
    k["star"] = await make("*", "service");
    const made = await http("POST", "/v1/canary-sets", k["acmeOperator"], { tenantId: "acme", jsonl: `${JSON.stringify({ prompt: secret })}\n${JSON.stringify({ prompt: `${secret} 2` })}` });
    assert.equal(made.status, 201, made.text);
    setId = (JSON.parse(made.text) as { setId: string }).setId;
    const run = await http("POST", "/v1/canary-runs", k["acmeOperator"], { tenantId: "acme", candidateVersion: "cand-1", canarySetId: setId, rewardModelId: "rm-1" });
    assert.equal(run.status, 202, run.text);
    reportId = (JSON.parse(run.text) as { reportId: string }).reportId;
    await svc.runner.wait(reportId, 60_000);
  });
  after(async () => {
    client?.close();
    await svc?.stop();
    scores?.close();
    await stopGrpc(rewardGrpc, 1_000);
    await bus?.close();
    await pool?.query(`drop schema if exists "${schema}" cascade`);
    await pool?.end();
  });

  const routes = () =>
    [
      ["POST", "/v1/canary-sets", { tenantId: "acme", jsonl: JSON.stringify({ prompt: "x" }) }],
      ["GET", "/v1/canary-sets?tenant=acme", undefined],
      ["GET", `/v1/canary-sets/${setId}`, undefined],
      ["POST", "/v1/canary-runs", { tenantId: "acme", candidateVersion: "cand-2" }],
      ["GET", "/v1/canary-runs?tenant=acme", undefined],
      ["GET", `/v1/reports/${reportId}`, undefined],
      ["GET", `/v1/reports/${reportId}/html`, undefined],
      ["GET", "/v1/tenants/acme/serving", undefined],
      ["GET", "/v1/tenants/acme/watch", undefined],
      ["POST", "/v1/tenants/acme/track", {}],
    ] as const;

  it("every route and method answers 401 / UNAUTHENTICATED without a valid key; probes stay open", async () => {
    const rowsBefore = await pool.query<{ n: number }>(`select (select count(*) from "${schema}".canary_sets) + (select count(*) from "${schema}".reports) as n`);
    for (const [method, path, body] of routes()) {
      for (const key of [undefined, "nope", newApiKey("rk"), newApiKey("ck")]) {
        const r = await http(method, path, key, body);
        assert.equal(r.status, 401, `${method} ${path} key=${String(key).slice(0, 3)}: ${r.text}`);
        assert.ok(!r.text.includes(secret) && !r.text.includes("acme"));
      }
    }
    for (const [name, call] of [
      ["StartCanary", (o?: ReturnType<typeof md>) => client.startCanary({ tenantId: "acme", candidateVersion: "cand-3" }, o)],
      ["GetReport", (o?: ReturnType<typeof md>) => client.getReport({ reportId }, o)],
      ["GetServingPolicy", (o?: ReturnType<typeof md>) => client.getServingPolicy({ tenantId: "acme" }, o)],
    ] as const) {
      for (const o of [undefined, md(newApiKey("ck"))]) assert.equal((await grpcOutcome(call(o))).code, "unauthenticated", name);
    }
    const rowsAfter = await pool.query<{ n: number }>(`select (select count(*) from "${schema}".canary_sets) + (select count(*) from "${schema}".reports) as n`);
    assert.deepEqual(rowsAfter.rows, rowsBefore.rows, "nothing was stored");
    for (const p of ["/healthz", "/readyz", "/metrics"]) assert.equal((await http("GET", p, undefined)).status, 200, p);
  });

  it("another tenant's key: 403 for what names the tenant, 404 for the tenant's ids, nothing of it in any answer", async () => {
    const want: Record<string, number> = {
      "POST /v1/canary-sets": 403, "GET /v1/canary-sets?tenant=acme": 403, [`GET /v1/canary-sets/${setId}`]: 404, "POST /v1/canary-runs": 403,
      "GET /v1/canary-runs?tenant=acme": 403, [`GET /v1/reports/${reportId}`]: 404, [`GET /v1/reports/${reportId}/html`]: 404,
      "GET /v1/tenants/acme/serving": 403, "GET /v1/tenants/acme/watch": 403, "POST /v1/tenants/acme/track": 403,
    };
    for (const [method, path, body] of routes()) {
      const r = await http(method, path, k["globexOperator"], body);
      assert.equal(r.status, want[`${method} ${path}`], `${method} ${path}: ${r.text}`);
      for (const s of [secret, "acme", setId.slice(-8)]) assert.ok(!r.text.includes(s) || path.includes(s), `${method} ${path} leaks ${s}: ${r.text}`);
    }
    // An id of another tenant reads exactly as an id that does not exist.
    const unknown = await http("GET", "/v1/canary-sets/no-such-set", k["globexOperator"]);
    const theirs = await http("GET", `/v1/canary-sets/${setId}`, k["globexOperator"]);
    assert.equal(theirs.text, unknown.text);
    // Its own lists are empty; a run on acme's set under its own tenant is "not found".
    assert.deepEqual(JSON.parse((await http("GET", "/v1/canary-sets?tenant=globex", k["globexOperator"])).text), { sets: [] });
    const borrowed = await http("POST", "/v1/canary-runs", k["globexOperator"], { tenantId: "globex", candidateVersion: "c", canarySetId: setId });
    assert.equal(borrowed.status, 404, borrowed.text);
    assert.ok(!borrowed.text.includes("acme"), borrowed.text);
    const other = md(k["globexOperator"]!);
    assert.equal((await grpcOutcome(client.startCanary({ tenantId: "acme", candidateVersion: "c" }, other))).code, "permission_denied");
    const rep = await grpcOutcome(client.getReport({ reportId }, other));
    assert.equal(rep.code, "not_found");
    assert.ok(!rep.text.includes(secret) && !rep.text.includes("acme"));
    assert.equal((await grpcOutcome(client.getServingPolicy({ tenantId: "acme" }, other))).code, "permission_denied");
  });

  it("roles: a reader reads but cannot write; an operator writes; a service key of every tenant reads any tenant", async () => {
    const reader = k["acmeReader"]!;
    for (const [method, path, body] of routes()) {
      const r = await http(method, path, reader, body);
      if (method === "POST") assert.equal(r.status, 403, `${method} ${path}: ${r.text}`);
      else assert.equal(r.status, 200, `${method} ${path}: ${r.text}`);
    }
    assert.ok((await http("GET", `/v1/canary-sets/${setId}`, reader)).text.includes(secret));
    assert.equal((await grpcOutcome(client.startCanary({ tenantId: "acme", candidateVersion: "c" }, md(reader)))).code, "permission_denied");
    assert.equal((await grpcOutcome(client.getReport({ reportId }, md(reader)))).code, "ok");
    const tracked = await http("POST", "/v1/tenants/acme/track", k["acmeOperator"], {});
    assert.ok(tracked.status !== 401 && tracked.status !== 403, `an operator passes: ${tracked.status} ${tracked.text}`);
    assert.equal((await http("GET", `/v1/reports/${reportId}`, k["star"])).status, 200);
    assert.equal((await http("POST", "/v1/canary-sets", k["star"], { tenantId: "acme", jsonl: JSON.stringify({ prompt: "x" }) })).status, 403, "service keys do not write");
  });

  it("another tenant's reward model is 404, worded as an unknown model; a shared one is allowed", async () => {
    const g = k["globexOperator"]!;
    const made = await http("POST", "/v1/canary-sets", g, { tenantId: "globex", jsonl: JSON.stringify({ prompt: "globex question" }) });
    assert.equal(made.status, 201, made.text);
    const globexSet = (JSON.parse(made.text) as { setId: string }).setId;
    const runs = async () => (await pool.query<{ n: number }>(`select count(*)::int as n from "${schema}".reports where tenant_id = 'globex'`)).rows[0]!.n;
    const start = (rewardModelId: string, candidateVersion = "g-1") => http("POST", "/v1/canary-runs", g, { tenantId: "globex", candidateVersion, canarySetId: globexSet, rewardModelId });
    // Acme's model, asked for by globex: exactly the answer for a model that does not exist.
    const theirs = await start("rm-1");
    const unknown = await start("rm-nope");
    assert.equal(theirs.status, 404, theirs.text);
    assert.equal(unknown.status, 404, unknown.text);
    assert.equal(theirs.text.replace("rm-1", "ID"), unknown.text.replace("rm-nope", "ID"));
    assert.ok(!theirs.text.includes("acme"), theirs.text);
    const other = md(g);
    const viaGrpc = await grpcOutcome(client.startCanary({ tenantId: "globex", candidateVersion: "g-1", canarySetId: globexSet, rewardModelId: "rm-1" }, other));
    const unknownViaGrpc = await grpcOutcome(client.startCanary({ tenantId: "globex", candidateVersion: "g-1", canarySetId: globexSet, rewardModelId: "rm-nope" }, other));
    assert.equal(viaGrpc.code, "not_found", viaGrpc.text);
    assert.equal(viaGrpc.text.replace("rm-1", "ID"), unknownViaGrpc.text.replace("rm-nope", "ID"));
    assert.equal(await runs(), 0, "no run queued with a model globex may not use");
    // Its own model and a shared (brought) one are fine.
    for (const [model, candidate] of [["rm-globex", "g-own"], ["rm-shared", "g-shared"]] as const) {
      const ok = await start(model, candidate);
      assert.equal(ok.status, 202, `${model}: ${ok.text}`);
      const row = JSON.parse(ok.text) as { reportId: string; rewardModelId: string };
      assert.equal(row.rewardModelId, model);
      assert.equal((await svc.runner.wait(row.reportId, 60_000)).status, "done");
    }
  });

  it("a revoked key stops working", async () => {
    const fresh = await canaryKeys.create(pool, { schema, tenantId: "acme", role: "reader" });
    assert.equal(await canaryKeys.revoke(pool, { key: fresh.key }, { schema }), 1);
    assert.equal((await http("GET", "/v1/canary-sets?tenant=acme", fresh.key)).status, 401);
  });
});
