/**
 * Tenancy: every ingestion write path (HTTP and gRPC) with another tenant's key, the labeling
 * tenant-scoped reads and writes with another tenant's lead key, and every route and method of the
 * canary, reward and RL trainer with no key and with another tenant's key. Contracts (service
 * READMEs): ingestion answers 403 / PERMISSION_DENIED when the body names a tenant other than the
 * key's, and a key's events always belong to its own tenant; labeling scopes every read to the
 * key's tenant (another tenant's rubric, dataset or task is 404 / NOT_FOUND); canary, reward and RL
 * trainer answer 401 without a key, 403 when the request names another tenant and 404 for an id of
 * another tenant. Nothing of the victim tenant may appear in any answer or error message, and no
 * key or content in a /metrics series.
 */
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { createGrpcClient } from "@rlhf-loop/kit";
import { freshOptimizerState, DEFAULT_REWARD_CONFIG } from "@rlhf-loop/ml";
import { Canary, ComparisonChoice, FeedbackIngest, FeedbackSource, Labeling, Policy, Reward, Role } from "@rlhf-loop/proto";
import { createRater } from "@rlhf-loop/labeling";
import { RegistryStore, exportInference, syntheticPairs, trainRewardModel } from "@rlhf-loop/reward";
import { RlStore, fitReference, packCheckpoint, type PolicyModelJson } from "@rlhf-loop/rl-trainer";
import { routesOf } from "./fuzz.js";
import { comparison, interaction, startHarness as startLabeling } from "../../labeling/harness.js";
import { post } from "../../ingestion/harness.js";
import { rowCount, startIngestionTarget, startTarget, type Target } from "./targets.js";
import { grpcOutcome } from "../../support/grpc-outcome.js";

export interface TenancyStats {
  /** Read/write paths exercised with another tenant's key. */
  paths: number;
  /** Each leak or wrong answer, described. */
  leaks: string[];
}

function leakCheck(stats: TenancyStats, where: string, text: string, secrets: readonly string[]): void {
  for (const s of secrets) if (s && text.includes(s)) stats.leaks.push(`${where}: answer contains ${JSON.stringify(s.slice(0, 40))}`);
}

export async function ingestionTenancy(stats: TenancyStats = { paths: 0, leaks: [] }): Promise<TenancyStats> {
  const t = await startIngestionTarget();
  const victimKey = t.keys[0]!.slice("Bearer ".length);
  const secretContent = `victim-only prompt ${Math.random().toString(36).slice(2)}`;
  try {
    // The victim stores one interaction; the attacker then tries every write path against it.
    const ix = { interactionId: "victim-ix-1", conversationId: "c1", prompt: [{ role: "ROLE_USER", content: secretContent }], answer: "victim answer", modelVersion: "m1", occurredAt: "2024-05-01T10:00:00Z" };
    const ok = await post(t.baseUrl, "/v1/interactions", ix, { apiKey: victimKey });
    if (ok.status !== 202) throw new Error(`victim setup failed: ${ok.status} ${JSON.stringify(ok.body)}`);
    const victimEventId = (ok.body as { eventId: string }).eventId;
    await new Promise((r) => setTimeout(r, 1_500)); // persisted
    const secrets = [victimKey, victimEventId, secretContent, "victim answer"];
    const stored0 = await t.stored();

    const asVictim = { tenantId: t.tenantId };
    const thumbDown = { interactionId: "victim-ix-1", source: "FEEDBACK_SOURCE_END_USER", thumb: { direction: "THUMB_DIRECTION_DOWN" } };
    const bodies: [string, unknown, string][] = [
      ["/v1/interactions", { ...ix, ...asVictim, interactionId: "attacker-ix" }, "interaction.tenantId"],
      ["/v1/feedback", { ...thumbDown, ...asVictim }, "feedback.tenantId"],
      ["/v1/outcomes", { interactionId: "victim-ix-1", outcome: { kind: "OUTCOME_KIND_REFUND", amountMinor: "100", currency: "EUR" }, ...asVictim }, "outcome.tenantId"],
      ["/v1/events:batch", { events: [{ feedback: { ...thumbDown, ...asVictim } }] }, "events[0].feedback.tenantId"],
    ];
    for (const [path, body, field] of bodies) {
      stats.paths++;
      const r = await post(t.baseUrl, path, body, { apiKey: t.otherKey });
      const e = (r.body as { error?: { code: string; fields: { path: string }[] } }).error;
      if (r.status !== 403 || e?.code !== "permission_denied" || !e.fields.some((f) => f.path === field)) stats.leaks.push(`ingestion POST ${path} with another tenant's key -> ${r.status} ${JSON.stringify(r.body).slice(0, 200)} (want 403 naming ${field})`);
      leakCheck(stats, `ingestion POST ${path}`, JSON.stringify(r.body), secrets);
    }

    const other = createGrpcClient(FeedbackIngest, t.grpcAddress);
    const md = { metadata: { authorization: `Bearer ${t.otherKey}` } };
    const at = timestampFromMs(Date.parse("2024-05-01T10:00:00Z"));
    const fbv = { interactionId: "victim-ix-1", tenantId: t.tenantId, source: FeedbackSource.END_USER, occurredAt: at, kind: { case: "thumb" as const, value: { direction: 2 } } };
    const grpcCases: [string, () => Promise<unknown>][] = [
      ["RecordInteraction", () => other.recordInteraction({ interaction: { interactionId: "attacker-ix2", tenantId: t.tenantId, conversationId: "c", prompt: [{ role: Role.USER, content: "x" }], answer: "y", modelVersion: "m1", occurredAt: at } }, md)],
      ["RecordFeedback", () => other.recordFeedback({ feedback: fbv }, md)],
      ["RecordOutcome", () => other.recordOutcome({ outcome: { interactionId: "victim-ix-1", tenantId: t.tenantId, occurredAt: at, outcome: { kind: 1 } } }, md)],
      ["RecordBatch", () => other.recordBatch({ events: [{ event: { case: "feedback", value: fbv } }] }, md)],
      ["StreamEvents", () => other.streamEvents((async function* () {
        yield { event: { case: "feedback" as const, value: fbv } };
      })(), md)],
    ];
    for (const [name, call] of grpcCases) {
      stats.paths++;
      const r = await grpcOutcome(call());
      if (r.code !== "permission_denied") stats.leaks.push(`ingestion gRPC ${name} with another tenant's key -> ${r.code} ${r.text.slice(0, 200)} (want PERMISSION_DENIED)`);
      leakCheck(stats, `ingestion gRPC ${name}`, r.text, secrets);
    }
    other.close();
    if ((await t.stored()) !== stored0) stats.leaks.push(`ingestion: rejected cross-tenant writes changed what is stored (${stored0} -> ${await t.stored()})`);

    // Same interaction id under the attacker's own tenant: a new event of its own, never a
    // "duplicate" of the victim's (which would reveal that the id exists elsewhere).
    stats.paths++;
    const mine = await post(t.baseUrl, "/v1/interactions", { ...ix, prompt: [{ role: "ROLE_USER", content: "attacker" }], answer: "attacker" }, { apiKey: t.otherKey });
    const mb = mine.body as { eventId?: string; duplicate?: boolean };
    if (mine.status !== 202 || mb.duplicate !== false || mb.eventId === victimEventId) stats.leaks.push(`ingestion: the victim's interaction id under another tenant -> ${mine.status} ${JSON.stringify(mine.body)} (want 202, duplicate false, its own event id)`);
    // Feedback from the attacker on the victim's id stays the attacker's: the victim's rows gain nothing.
    stats.paths++;
    const fb = await post(t.baseUrl, "/v1/feedback", thumbDown, { apiKey: t.otherKey });
    if (fb.status !== 202) stats.leaks.push(`ingestion: attacker feedback on its own tenant -> ${fb.status}`);
    await new Promise((r) => setTimeout(r, 1_500));
    const victimFeedback = await t.pool.query<{ n: number }>(`select count(*)::int as n from "${t.schema}".feedback where tenant_id = $1`, [t.tenantId]);
    if (victimFeedback.rows[0]!.n !== 0) stats.leaks.push(`ingestion: feedback sent with another tenant's key was stored under the victim tenant (${victimFeedback.rows[0]!.n} rows)`);

    // /metrics: no key of either tenant, no victim ids or content, no tenant id as a label value.
    stats.paths++;
    const metrics = await t.metricsText();
    leakCheck(stats, "ingestion /metrics", metrics, [...secrets, t.otherKey, t.tenantId, t.otherTenantId, "victim-ix-1"]);
  } finally {
    await t.close();
  }
  return stats;
}

export async function labelingTenancy(stats: TenancyStats = { paths: 0, leaks: [] }): Promise<TenancyStats> {
  const h = await startLabeling();
  try {
    const victimSecret = `victim-rubric-${Math.random().toString(36).slice(2)}`;
    const rubric = await h.http("POST", "/v1/rubrics", h.leadKey, { version: "v-victim", title: victimSecret, instructions: victimSecret, criteria: [{ name: "policy", description: victimSecret }] });
    if (rubric.status !== 201 && rubric.status !== 200) throw new Error(`victim rubric: ${rubric.status} ${rubric.text}`);
    // An interaction of the victim reaches labeling (as ingestion would publish it) for a gold task.
    const ix = interaction(h.tenantId, "victim-a", victimSecret, `${victimSecret} a`);
    const ix2 = interaction(h.tenantId, "victim-b", victimSecret, `${victimSecret} b`);
    await h.publishInteractions([ix, ix2]);
    await h.publishFeedback([comparison(h.tenantId, "victim-a", "victim-b", ComparisonChoice.THIS, { rater: "u1", id: "victim-cmp" })]);
    let dataset = { status: 0, text: "", body: {} as Record<string, unknown> };
    await h.eventually(async () => {
      dataset = await h.http("POST", "/v1/datasets", h.leadKey, { name: "victim-ds" });
      if (dataset.status !== 201) throw new Error(dataset.text);
    }, 20_000).catch(() => undefined);
    const datasetId = String(((dataset.body["manifest"] as Record<string, unknown> | undefined)?.["datasetId"]) ?? "");
    let goldTask = "";
    await h.eventually(async () => {
      const g = await h.http("POST", "/v1/review/gold", h.leadKey, { interactionA: "victim-a", interactionB: "victim-b", gold: "a" });
      if (g.status !== 201) throw new Error(`gold: ${g.status} ${g.text}`);
      goldTask = String(g.body["taskId"]);
    }, 15_000).catch(() => undefined);

    const otherTenant = `other-${h.suffix}`;
    const attacker = (await createRater(h.pool, h.schema, { tenantId: otherTenant, raterId: "lead-x", role: "lead" })).key;
    // The attacker's tenant has a rubric of its own, so its reads answer with its own data.
    await h.http("POST", "/v1/rubrics", attacker, { version: "v-attacker", title: "attacker rubric", criteria: [{ name: "policy", description: "x" }] });
    const secrets = [h.leadKey, victimSecret, h.tenantId];
    const rowsBefore = await rowCount(h.pool, h.schema);

    const reads: [string, string, number[]][] = [
      ["GET", "/v1/review/me", [200]],
      ["GET", "/v1/review/next", [200]],
      ["GET", "/v1/rubrics/active", [200]],
      ["GET", "/v1/rubrics/v-victim", [404]],
      ["GET", "/v1/rubrics/changes", [200]],
      ["GET", "/v1/datasets", [200]],
      ["GET", "/v1/audits/latest", [404]],
    ];
    if (datasetId) reads.push(["GET", `/v1/datasets/${encodeURIComponent(datasetId)}`, [404]], ["GET", `/v1/datasets/${encodeURIComponent(datasetId)}/export`, [404]]);
    else stats.leaks.push(`labeling: could not create the victim's dataset (${dataset.status} ${dataset.text.slice(0, 120)}); dataset reads not checked`);
    for (const [method, path, want] of reads) {
      stats.paths++;
      const r = await h.http(method, path, attacker);
      if (!want.includes(r.status)) stats.leaks.push(`labeling ${method} ${path} with another tenant's key -> ${r.status} (want ${want.join("/")}) ${r.text.slice(0, 160)}`);
      leakCheck(stats, `labeling ${method} ${path}`, r.text, secrets);
    }
    if (goldTask) {
      stats.paths++;
      const j = await h.http("POST", "/v1/review/judgments", attacker, { taskId: goldTask, choice: "a", rubricVersion: "v-victim", criteria: [] });
      if (j.status < 400 || j.status >= 500) stats.leaks.push(`labeling POST /v1/review/judgments on another tenant's task -> ${j.status} ${j.text.slice(0, 160)}`);
      leakCheck(stats, "labeling POST /v1/review/judgments", j.text, secrets);
    } else stats.leaks.push("labeling: could not create the victim's gold task; cross-tenant judgment not checked");

    const g = createGrpcClient(Labeling, h.grpcAddress);
    const md = { metadata: { authorization: `Bearer ${attacker}` } };
    const grpcCases: [string, () => Promise<unknown>, string[]][] = [
      ["GetRubric", () => g.getRubric({ version: "v-victim" }, md), ["not_found"]],
      ["NextTask", () => g.nextTask({}, md), ["ok", "not_found"]],
      ["StreamDatasetPairs", async () => {
        const out: unknown[] = [];
        for await (const p of g.streamDatasetPairs({ datasetId: datasetId || "none" }, md)) out.push(p);
        return out;
      }, ["not_found"]],
    ];
    for (const [name, call, want] of grpcCases) {
      stats.paths++;
      const r = await grpcOutcome(call());
      if (!want.includes(r.code)) stats.leaks.push(`labeling gRPC ${name} with another tenant's key -> ${r.code} (want ${want.join("/")}) ${r.text.slice(0, 160)}`);
      leakCheck(stats, `labeling gRPC ${name}`, r.text, secrets);
    }
    g.close();
    const rowsAfter = await rowCount(h.pool, h.schema);
    if (rowsAfter !== rowsBefore) stats.leaks.push(`labeling: another tenant's reads changed stored rows (${rowsBefore} -> ${rowsAfter})`);
    stats.paths++;
    const metrics = await (await fetch(`${h.baseUrl}/metrics`)).text();
    leakCheck(stats, "labeling /metrics", metrics, [h.leadKey, attacker, victimSecret, datasetId].filter(Boolean));
  } finally {
    await h.close();
  }
  return stats;
}

/** One HTTP route as another tenant calls it: the answers it may give (403 for a tenant named, 404 for an id it does not own). */
interface HttpCheck {
  path: string;
  body?: unknown;
  want: number[];
}

/** One gRPC method as another tenant calls it. */
interface GrpcCheck {
  call: (o: { metadata: Record<string, string> } | undefined) => Promise<unknown>;
  want: string[];
}

/**
 * Every HTTP route (enumerated from the fastify instance, probes aside) and every gRPC method (from
 * the proto descriptors) of a keyed service must have a check here, so a new route without one is
 * a finding. Each is called three ways: with no key (401 / UNAUTHENTICATED), with another tenant's
 * operator key (`want`, and nothing of the victim in the answer), and with the victim's own key
 * (past the key check: neither 401 nor 403, so the 403 above was about the tenant, not the key).
 */
async function keyedTenancy(
  stats: TenancyStats,
  t: Target,
  o: { victimKey: string; attackerKey: string; secrets: readonly string[]; http: Record<string, HttpCheck>; grpc: Record<string, GrpcCheck> },
): Promise<void> {
  const probes = new Set(["/healthz", "/readyz", "/metrics"]);
  for (const r of routesOf(t.http)) {
    if (probes.has(r.url)) continue;
    if (!o.http[`${r.method} ${r.url}`]) stats.leaks.push(`${t.name} ${r.method} ${r.url}: no tenancy check (add one to tenancy.ts)`);
  }
  for (const svc of t.grpcServices) for (const m of svc.methods) if (!o.grpc[m.name]) stats.leaks.push(`${t.name} gRPC ${m.name}: no tenancy check (add one to tenancy.ts)`);

  const send = async (route: string, c: HttpCheck, key: string | undefined) => {
    const method = route.slice(0, route.indexOf(" "));
    const res = await fetch(`${t.baseUrl}${c.path}`, {
      method,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(c.body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(c.body !== undefined ? { body: JSON.stringify(c.body) } : {}),
    });
    return { status: res.status, text: await res.text() };
  };
  for (const [route, c] of Object.entries(o.http)) {
    stats.paths++;
    const where = `${t.name} ${route.slice(0, route.indexOf(" "))} ${c.path}`;
    const none = await send(route, c, undefined);
    if (none.status !== 401) stats.leaks.push(`${where} with no key -> ${none.status} (want 401) ${none.text.slice(0, 160)}`);
    leakCheck(stats, `${where} (no key)`, none.text, o.secrets);
    const other = await send(route, c, o.attackerKey);
    if (!c.want.includes(other.status)) stats.leaks.push(`${where} with another tenant's key -> ${other.status} (want ${c.want.join("/")}) ${other.text.slice(0, 160)}`);
    leakCheck(stats, `${where} (another tenant)`, other.text, o.secrets);
    const own = await send(route, c, o.victimKey);
    if (own.status === 401 || own.status === 403) stats.leaks.push(`${where} with the tenant's own key -> ${own.status}: the check above proves nothing ${own.text.slice(0, 160)}`);
  }
  const md = (key: string) => ({ metadata: { authorization: `Bearer ${key}` } });
  for (const [name, c] of Object.entries(o.grpc)) {
    stats.paths++;
    const where = `${t.name} gRPC ${name}`;
    const none = await grpcOutcome(c.call(undefined));
    if (none.code !== "unauthenticated") stats.leaks.push(`${where} with no key -> ${none.code} (want UNAUTHENTICATED) ${none.text.slice(0, 160)}`);
    const other = await grpcOutcome(c.call(md(o.attackerKey)));
    if (!c.want.includes(other.code)) stats.leaks.push(`${where} with another tenant's key -> ${other.code} (want ${c.want.join("/")}) ${other.text.slice(0, 160)}`);
    leakCheck(stats, `${where} (another tenant)`, other.text, o.secrets);
    const own = await grpcOutcome(c.call(md(o.victimKey)));
    if (own.code === "unauthenticated" || own.code === "permission_denied") stats.leaks.push(`${where} with the tenant's own key -> ${own.code}: the check above proves nothing ${own.text.slice(0, 160)}`);
  }
  stats.paths++;
  const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
  leakCheck(stats, `${t.name} /metrics`, metrics, [o.victimKey, o.attackerKey, ...o.secrets]);
}

/**
 * Canary: every route and method with another tenant's operator key. Sets and reports are read by
 * id (404, as an unknown id); lists, the serving policy, the watch and every write name a tenant (403).
 */
export async function canaryTenancy(stats: TenancyStats = { paths: 0, leaks: [] }): Promise<TenancyStats> {
  const t = await startTarget("canary");
  try {
    const victimKey = await t.makeKey!("victim", "operator");
    const attackerKey = await t.makeKey!("attacker", "operator");
    const secret = `victim canary prompt ${Math.random().toString(36).slice(2)}`;
    const post = async (path: string, body: unknown) => {
      const r = await fetch(`${t.baseUrl}${path}`, { method: "POST", headers: { authorization: `Bearer ${victimKey}`, "content-type": "application/json" }, body: JSON.stringify(body) });
      return { status: r.status, json: (await r.json()) as Record<string, string> };
    };
    const set = await post("/v1/canary-sets", { tenantId: "victim", jsonl: JSON.stringify({ prompt: secret }) });
    if (set.status !== 201) throw new Error(`victim canary set: ${set.status} ${JSON.stringify(set.json)}`);
    const run = await post("/v1/canary-runs", { tenantId: "victim", candidateVersion: "victim-cand", canarySetId: set.json["setId"], rewardModelId: "victim-rm" });
    if (run.status !== 202) throw new Error(`victim canary run: ${run.status} ${JSON.stringify(run.json)}`);
    const setId = set.json["setId"]!;
    const reportId = run.json["reportId"]!;
    const c = createGrpcClient(Canary, t.grpcAddress);
    try {
      await keyedTenancy(stats, t, {
        victimKey, attackerKey, secrets: [secret, "victim-cand", "victim-rm"],
        http: {
          "POST /v1/canary-sets": { path: "/v1/canary-sets", body: { tenantId: "victim", jsonl: JSON.stringify({ prompt: "attacker" }) }, want: [403] },
          "GET /v1/canary-sets": { path: "/v1/canary-sets?tenant=victim", want: [403] },
          "GET /v1/canary-sets/:id": { path: `/v1/canary-sets/${encodeURIComponent(setId)}`, want: [404] },
          "POST /v1/canary-runs": { path: "/v1/canary-runs", body: { tenantId: "victim", candidateVersion: "attacker-cand" }, want: [403] },
          "GET /v1/canary-runs": { path: "/v1/canary-runs?tenant=victim", want: [403] },
          "GET /v1/reports/:id": { path: `/v1/reports/${encodeURIComponent(reportId)}`, want: [404] },
          "GET /v1/reports/:id/html": { path: `/v1/reports/${encodeURIComponent(reportId)}/html`, want: [404] },
          "GET /v1/tenants/:tenant/serving": { path: "/v1/tenants/victim/serving", want: [403] },
          "GET /v1/tenants/:tenant/watch": { path: "/v1/tenants/victim/watch", want: [403] },
          "POST /v1/tenants/:tenant/track": { path: "/v1/tenants/victim/track", body: {}, want: [403] },
        },
        grpc: {
          StartCanary: { call: (o) => c.startCanary({ tenantId: "victim", candidateVersion: "victim-cand", canarySetId: setId, rewardModelId: "victim-rm" }, { timeoutMs: 60_000, ...o }), want: ["permission_denied"] },
          GetReport: { call: (o) => c.getReport({ reportId }, o), want: ["not_found"] },
          GetServingPolicy: { call: (o) => c.getServingPolicy({ tenantId: "victim" }, o), want: ["permission_denied"] },
        },
      });
      // The attacker's run on the victim's set under its own tenant: the set is unknown to it.
      stats.paths++;
      const borrow = await fetch(`${t.baseUrl}/v1/canary-runs`, { method: "POST", headers: { authorization: `Bearer ${attackerKey}`, "content-type": "application/json" }, body: JSON.stringify({ tenantId: "attacker", candidateVersion: "a", canarySetId: setId }) });
      const text = await borrow.text();
      if (borrow.status !== 404) stats.leaks.push(`canary POST /v1/canary-runs on another tenant's set -> ${borrow.status} (want 404) ${text.slice(0, 160)}`);
      leakCheck(stats, "canary POST /v1/canary-runs (another tenant's set)", text, [secret, "victim"]);
      // ... and with the victim's reward model on its own set: the model reads as unknown.
      stats.paths++;
      const ownSet = await fetch(`${t.baseUrl}/v1/canary-sets`, { method: "POST", headers: { authorization: `Bearer ${attackerKey}`, "content-type": "application/json" }, body: JSON.stringify({ tenantId: "attacker", jsonl: JSON.stringify({ prompt: "attacker prompt" }) }) });
      const ownSetId = ((await ownSet.json()) as Record<string, string>)["setId"];
      const model = await fetch(`${t.baseUrl}/v1/canary-runs`, { method: "POST", headers: { authorization: `Bearer ${attackerKey}`, "content-type": "application/json" }, body: JSON.stringify({ tenantId: "attacker", candidateVersion: "a", canarySetId: ownSetId, rewardModelId: "victim-rm" }) });
      const modelText = await model.text();
      if (model.status !== 404) stats.leaks.push(`canary POST /v1/canary-runs with another tenant's reward model -> ${model.status} (want 404) ${modelText.slice(0, 160)}`);
      leakCheck(stats, "canary POST /v1/canary-runs (another tenant's reward model)", modelText, [secret, "victim-cand", "\"victim\""]);
    } finally {
      c.close();
    }
  } finally {
    await t.close();
  }
  return stats;
}

/** A small real reward model (ONNX), so the victim's own calls score for real. */
async function tinyRewardModel(): Promise<Uint8Array> {
  const trained = await trainRewardModel({ pairs: syntheticPairs(120, { seed: 9 }) }, { model: { ...DEFAULT_REWARD_CONFIG, hashing: { ...DEFAULT_REWARD_CONFIG.hashing, buckets: 1024 }, embedDim: 8, hidden: 8 }, maxEpochs: 1, threads: 1 });
  return exportInference(trained.config, trained.params);
}

/** Reward: a model belongs to its tenant; another tenant's key finds it unknown on every route and method. */
export async function rewardTenancy(stats: TenancyStats = { paths: 0, leaks: [] }): Promise<TenancyStats> {
  const t = await startTarget("reward");
  try {
    const victimKey = await t.makeKey!("victim", "operator");
    const attackerKey = await t.makeKey!("attacker", "operator");
    const registry = new RegistryStore(t.pool, t.schema);
    const datasetId = `victim-ds-${Math.random().toString(36).slice(2)}`;
    const model = await registry.insert({ tenantId: "victim", datasetId, kind: "compact", config: {}, metrics: {}, diagnosticsPassed: true, artifact: await tinyRewardModel(), trainPairs: 1, heldOutPairs: 0 });
    const id = model.modelId;
    const item = { prompt: "where is my refund", answer: "approved per policy" };
    const c = createGrpcClient(Reward, t.grpcAddress);
    try {
      await keyedTenancy(stats, t, {
        victimKey, attackerKey, secrets: [datasetId, model.artifactSha256, "victim"],
        http: {
          "POST /get_reward": { path: "/get_reward", body: { query: ["q a"], model_id: id }, want: [404] },
          "GET /v1/models/:id": { path: `/v1/models/${id}`, want: [404] },
          "POST /v1/models/:id/approve": { path: `/v1/models/${id}/approve`, body: {}, want: [404] },
        },
        grpc: {
          Score: { call: (o) => c.score({ modelId: id, ...item }, o), want: ["not_found"] },
          ScoreBatch: { call: (o) => c.scoreBatch({ modelId: id, items: [item] }, o), want: ["not_found"] },
          Compare: { call: (o) => c.compare({ modelId: id, prompt: item.prompt, answerA: item.answer, answerB: "no" }, o), want: ["not_found"] },
          GetModel: { call: (o) => c.getModel({ modelId: id }, o), want: ["not_found"] },
        },
      });
    } finally {
      c.close();
    }
  } finally {
    await t.close();
  }
  return stats;
}

/** RL trainer: runs, checkpoints and weights belong to the run's tenant; runs for a tenant only by its operators. */
export async function rlTrainerTenancy(stats: TenancyStats = { paths: 0, leaks: [] }): Promise<TenancyStats> {
  const t = await startTarget("rl-trainer");
  try {
    const victimKey = await t.makeKey!("victim", "operator");
    const attackerKey = await t.makeKey!("attacker", "operator");
    const store = new RlStore(t.pool, t.schema);
    const words = ["refund", "order", "sent", "today", "sorry", "help"];
    const rows = Array.from({ length: 60 }, (_, i) => ({ prompt: `question ${i % 5}`, answer: `${words[i % 6]} ${words[(i * 5) % 6]} .` }));
    const fit = await fitReference(rows, { seed: 1, shape: { window: 2, prompt: { buckets: 32, bigrams: false, maxFeatures: 8, seed: 0 }, promptDim: 8, tokenDim: 8, hidden: 8 }, epochs: 1, batchAnswers: 32, lr: 0.03, threads: 1 });
    const model: PolicyModelJson = { kind: "policy", config: fit.config, vocab: fit.codec.vocab.toJSON(), referenceId: "victim-ref" };
    const blob = packCheckpoint({ model: model as never, state: { params: fit.params, ...freshOptimizerState(fit.params) } });
    const runId = `victim-run-${Math.random().toString(36).slice(2, 8)}`;
    const version = `${runId}@1`;
    await store.createRun({ runId, tenantId: "victim", rewardModelId: "victim-rm", referenceId: "victim-ref", datasetId: "victim-ds", config: {} });
    await store.saveCheckpoint({ policyVersion: version, runId, parentVersion: "", step: 1, referenceId: "victim-ref", rewardModelId: "victim-rm", datasetId: "victim-ds", config: {}, beta: 0.1, checkpoint: blob.bytes, sha256: blob.sha256, final: true });
    await store.recordPromotion({ tenantId: "victim", policyVersion: version, reportId: "victim-report", promotedAt: new Date() });
    await store.upsertRewardModel({ modelId: "victim-rm", tenantId: "victim", status: "APPROVED" });
    const c = createGrpcClient(Policy, t.grpcAddress);
    const prompt = "question 1";
    try {
      await keyedTenancy(stats, t, {
        victimKey, attackerKey, secrets: [blob.sha256, "victim-ds", "victim-ref", "victim-report"],
        http: {
          "GET /v1/runs/:id": { path: `/v1/runs/${runId}`, want: [404] },
          "GET /v1/policies/:version/model.onnx": { path: `/v1/policies/${encodeURIComponent(version)}/model.onnx`, want: [404] },
        },
        grpc: {
          Generate: { call: (o) => c.generate({ prompt, policyVersion: version, seed: 1, maxTokens: 4 }, o), want: ["not_found"] },
          GenerateBatch: { call: (o) => c.generateBatch({ prompts: [prompt], tenantId: "victim", seed: 1, maxTokens: 4 }, o), want: ["permission_denied"] },
          StartRun: { call: (o) => c.startRun({ run: { runId: `r-${Math.random().toString(36).slice(2, 8)}`, tenantId: "victim", rewardModelId: "victim-rm", config: { steps: 1 } } }, o), want: ["permission_denied"] },
          GetRun: { call: (o) => c.getRun({ runId }, o), want: ["not_found"] },
        },
      });
      // The other ways to reach the victim's policy: by version in a batch, by tenant in Generate,
      // and by training on its reward model under the attacker's own tenant.
      const md = { metadata: { authorization: `Bearer ${attackerKey}` } };
      const more: [string, () => Promise<unknown>, string][] = [
        ["GenerateBatch by version", () => c.generateBatch({ prompts: [prompt], policyVersion: version, seed: 1, maxTokens: 4 }, md), "not_found"],
        ["Generate by tenant", () => c.generate({ prompt, tenantId: "victim", seed: 1, maxTokens: 4 }, md), "permission_denied"],
        ["StartRun on the victim's reward model", () => c.startRun({ run: { runId: "attacker-run", tenantId: "attacker", rewardModelId: "victim-rm", config: { steps: 1 } } }, md), "failed_precondition"],
      ];
      for (const [name, call, want] of more) {
        stats.paths++;
        const r = await grpcOutcome(call());
        if (r.code !== want) stats.leaks.push(`rl-trainer gRPC ${name} with another tenant's key -> ${r.code} (want ${want}) ${r.text.slice(0, 160)}`);
        leakCheck(stats, `rl-trainer gRPC ${name}`, r.text, [blob.sha256, "victim-ds", "victim-ref"]);
      }
    } finally {
      c.close();
    }
  } finally {
    await t.close();
  }
  return stats;
}

export async function checkTenancy(): Promise<TenancyStats> {
  const stats: TenancyStats = { paths: 0, leaks: [] };
  await ingestionTenancy(stats);
  await labelingTenancy(stats);
  await canaryTenancy(stats);
  await rewardTenancy(stats);
  await rlTrainerTenancy(stats);
  return stats;
}
