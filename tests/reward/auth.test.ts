/**
 * Callers of the reward service need a key (issue 10): every gRPC method and HTTP route without
 * one is UNAUTHENTICATED / 401; a key of another tenant cannot score with, read or approve a
 * tenant's model (NOT_FOUND / 404 worded as for an unknown id, or PERMISSION_DENIED / 403 for the
 * served model) and no answer names that tenant; a reader cannot score or approve; the right key
 * passes; a revoked key stops working.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createGrpcClient, newApiKey, type GrpcClient } from "@rlhf-loop/kit";
import { Reward } from "@rlhf-loop/proto";
import { DEFAULT_REWARD_CONFIG } from "@rlhf-loop/ml";
import { exportInference, rewardKeys, syntheticPairs, trainRewardModel } from "@rlhf-loop/reward";
import { stackEnv, startHarness, type Harness } from "./harness.js";
import { grpcOutcome } from "../support/grpc-outcome.js";

const env = stackEnv();

describe("reward service caller authentication", { skip: env ? false : "KAFKA_BROKERS / DATABASE_URL not set (bash infra/stack.sh up)" }, () => {
  let h: Harness;
  let client: GrpcClient<typeof Reward>;
  let acmeModel = "";
  let globexModel = "";
  const k: Record<string, string> = {};
  const md = (key: string) => ({ metadata: { authorization: `Bearer ${key}` } });
  const http = async (method: string, path: string, key: string | undefined, body?: unknown) => {
    const res = await fetch(`${h.baseUrl}${path}`, { method, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, text: await res.text() };
  };

  before(async () => {
    // The served model is acme's (REWARD_TENANT_ID=acme); globex has a model of its own.
    h = await startHarness(env!, { tenantId: "acme", autoTrain: false, pointwise: false, workers: 1 });
    const trained = await trainRewardModel({ pairs: syntheticPairs(120, { seed: 5 }) }, { model: { ...DEFAULT_REWARD_CONFIG, hashing: { ...DEFAULT_REWARD_CONFIG.hashing, buckets: 1024 }, embedDim: 8, hidden: 8 }, maxEpochs: 1, threads: 1 });
    const artifact = exportInference(trained.config, trained.params);
    const model = (tenantId: string) => h.service.registry.insert({ tenantId, datasetId: `${tenantId}-ds`, kind: "compact", config: {}, metrics: {}, diagnosticsPassed: true, artifact, trainPairs: 1, heldOutPairs: 0 });
    acmeModel = (await model("acme")).modelId;
    globexModel = (await model("globex")).modelId;
    await h.service.registrar.approve(acmeModel);
    const make = async (tenantId: string, role: "reader" | "operator" | "service") => (await rewardKeys.create(h.pool, { schema: h.schema, tenantId, role })).key;
    k["acmeOperator"] = await make("acme", "operator");
    k["acmeReader"] = await make("acme", "reader");
    k["acmeService"] = await make("acme", "service");
    k["globexOperator"] = await make("globex", "operator");
    k["star"] = await make("*", "service");
    client = createGrpcClient(Reward, h.grpcAddress);
  });
  after(async () => {
    client?.close();
    await h?.close();
  });

  const item = { prompt: "where is my refund", answer: "approved refund per our policy" };
  const grpcCalls = (modelId: string) => ({
    Score: (o?: ReturnType<typeof md>) => client.score({ modelId, ...item }, o),
    ScoreBatch: (o?: ReturnType<typeof md>) => client.scoreBatch({ modelId, items: [item] }, o),
    Compare: (o?: ReturnType<typeof md>) => client.compare({ modelId, prompt: item.prompt, answerA: item.answer, answerB: "no" }, o),
    GetModel: (o?: ReturnType<typeof md>) => client.getModel({ modelId }, o),
  });

  it("no key, a malformed key, another service's key or an unknown key: UNAUTHENTICATED / 401 everywhere", async () => {
    for (const [name, call] of Object.entries(grpcCalls(acmeModel))) {
      for (const bad of [undefined, md("nope"), md(newApiKey("ck")), md(newApiKey("rk"))]) {
        assert.equal((await grpcOutcome(call(bad))).code, "unauthenticated", `${name} ${JSON.stringify(bad)}`);
      }
    }
    for (const [method, path, body] of [["POST", "/get_reward", { query: ["q a"] }], ["GET", `/v1/models/${acmeModel}`, undefined], ["GET", "/v1/models/serving", undefined], ["POST", `/v1/models/${acmeModel}/approve`, {}]] as const) {
      assert.equal((await http(method, path, undefined, body)).status, 401, `${method} ${path}`);
      assert.equal((await http(method, path, newApiKey("rk"), body)).status, 401, `${method} ${path} unknown key`);
    }
    // Health, readiness and metrics stay open to the probes and Prometheus.
    for (const p of ["/healthz", "/readyz", "/metrics"]) assert.equal((await http("GET", p, undefined)).status, 200, p);
  });

  it("another tenant's key: the model is unknown to it, worded exactly as an unknown id; the served model is refused", async () => {
    const other = md(k["globexOperator"]!);
    for (const [name, call] of Object.entries(grpcCalls(acmeModel))) {
      const r = await grpcOutcome(call(other));
      assert.equal(r.code, "not_found", `${name}: ${r.text}`);
      assert.ok(!r.text.includes("acme"), `${name} names the owner: ${r.text}`);
      const unknown = await grpcOutcome(grpcCalls("rm-0000000000000000000f")[name as "Score"](other));
      assert.equal(r.text.replace(acmeModel, "ID"), unknown.text.replace("rm-0000000000000000000f", "ID"), `${name}: same answer as for an unknown id`);
    }
    const served = await grpcOutcome(client.score(item, other));
    assert.equal(served.code, "permission_denied", served.text);
    assert.ok(!served.text.includes("acme"));
    for (const [method, path, body, want] of [
      ["GET", `/v1/models/${acmeModel}`, undefined, 404],
      ["GET", "/v1/models/serving", undefined, 403],
      ["POST", `/v1/models/${acmeModel}/approve`, { force: true }, 404],
      ["POST", "/get_reward", { query: ["q a"], model_id: acmeModel }, 404],
      ["POST", "/get_reward", { query: ["q a"] }, 403],
    ] as const) {
      const r = await http(method, path, k["globexOperator"], body);
      assert.equal(r.status, want, `${method} ${path}: ${r.text}`);
      assert.ok(!r.text.includes("acme") && !r.text.includes("artifact"), `${method} ${path} leaks: ${r.text}`);
    }
    // Its own model it may use.
    assert.equal((await client.scoreBatch({ modelId: globexModel, items: [item] }, other)).modelId, globexModel);
  });

  it("roles: a reader reads but cannot score or approve; a service key scores but cannot approve; an operator does both", async () => {
    const reader = md(k["acmeReader"]!);
    assert.equal((await client.getModel({ modelId: acmeModel }, reader)).model?.tenantId, "acme");
    assert.equal((await grpcOutcome(client.score(item, reader))).code, "permission_denied");
    assert.equal((await http("POST", "/get_reward", k["acmeReader"], { query: ["q a"] })).status, 403);
    assert.equal((await http("POST", `/v1/models/${acmeModel}/approve`, k["acmeReader"], {})).status, 403);
    assert.equal((await http("GET", `/v1/models/${acmeModel}`, k["acmeReader"])).status, 200);

    assert.equal((await client.score(item, md(k["acmeService"]!))).modelId, acmeModel);
    assert.equal((await http("POST", `/v1/models/${acmeModel}/approve`, k["acmeService"], {})).status, 403);
    // A service key of every tenant (the RL trainer's, the canary's) scores any tenant's model.
    assert.equal((await client.scoreBatch({ modelId: globexModel, items: [item] }, md(k["star"]!))).scores.length, 1);
    assert.equal((await client.score(item, md(k["star"]!))).modelId, acmeModel);

    const op = k["acmeOperator"]!;
    const r = await http("POST", "/get_reward", op, { query: [`${item.prompt}${item.answer}`], prompts: [item.prompt] });
    assert.equal(r.status, 200, r.text);
    assert.equal((await http("POST", `/v1/models/${acmeModel}/approve`, op, {})).status, 200);
  });

  it("a revoked key stops working", async () => {
    const fresh = await rewardKeys.create(h.pool, { schema: h.schema, tenantId: "acme", role: "service" });
    assert.equal(await rewardKeys.revoke(h.pool, { id: fresh.id }, { schema: h.schema }), 1);
    assert.equal((await grpcOutcome(client.score(item, md(fresh.key)))).code, "unauthenticated");
  });
});
