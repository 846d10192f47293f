/**
 * Tenancy: every ingestion write path (HTTP and gRPC) with another tenant's key, and the labeling
 * tenant-scoped reads and writes with another tenant's lead key. Contracts (service READMEs):
 * ingestion answers 403 / PERMISSION_DENIED when the body names a tenant other than the key's, and
 * a key's events always belong to its own tenant; labeling scopes every read to the key's tenant
 * (another tenant's rubric, dataset or task is 404 / NOT_FOUND). Nothing of the victim tenant may
 * appear in any answer, error message or /metrics series (keys never; ids and content never).
 */
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { createGrpcClient, isAppError } from "@rlhf-loop/kit";
import { ComparisonChoice, FeedbackIngest, FeedbackSource, Labeling, Role } from "@rlhf-loop/proto";
import { createRater } from "@rlhf-loop/labeling";
import { comparison, interaction, startHarness as startLabeling } from "../../labeling/harness.js";
import { post } from "../../ingestion/harness.js";
import { rowCount, startIngestionTarget, startTarget } from "./targets.js";

export interface TenancyStats {
  /** Read/write paths exercised with another tenant's key. */
  paths: number;
  /** Each leak or wrong answer, described. */
  leaks: string[];
  /**
   * Tenant-scoped paths that take the tenant from the request with no caller credential at all
   * (canary's documented API): any caller that reaches the port reads any tenant. Reported, not
   * counted as leaks, since no key exists to test against; a design gap for the lead.
   */
  unauthenticated?: string[];
}

function leakCheck(stats: TenancyStats, where: string, text: string, secrets: readonly string[]): void {
  for (const s of secrets) if (s && text.includes(s)) stats.leaks.push(`${where}: answer contains ${JSON.stringify(s.slice(0, 40))}`);
}

async function grpcCode(p: Promise<unknown>): Promise<{ code: string; text: string }> {
  try {
    const v = await p;
    return { code: "ok", text: JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x)) };
  } catch (err) {
    if (isAppError(err)) return { code: err.code, text: `${err.message} ${JSON.stringify(err.fields)}` };
    return { code: "unknown", text: String(err) };
  }
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
      const r = await grpcCode(call());
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
      const r = await grpcCode(call());
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

/**
 * Canary has no caller identity (README: the tenant is a query or body field). Checked: lists are
 * scoped to the tenant named, and another tenant's set never shows in them; recorded: which
 * tenant-scoped reads answer anyone who names a tenant or an id.
 */
export async function canaryTenancy(stats: TenancyStats = { paths: 0, leaks: [] }): Promise<TenancyStats> {
  const t = await startTarget("canary");
  const unauth = (stats.unauthenticated ??= []);
  try {
    const secret = `victim canary prompt ${Math.random().toString(36).slice(2)}`;
    const get = async (path: string) => {
      const r = await fetch(`${t.baseUrl}${path}`);
      return { status: r.status, text: await r.text() };
    };
    const made = await fetch(`${t.baseUrl}/v1/canary-sets`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ tenantId: "victim", jsonl: JSON.stringify({ prompt: secret }) }) });
    const set = (await made.json()) as { setId?: string };
    if (made.status !== 201 || !set.setId) throw new Error(`victim canary set: ${made.status}`);
    for (const path of ["/v1/canary-sets?tenant=attacker", "/v1/canary-runs?tenant=attacker", "/v1/tenants/attacker/serving", "/v1/tenants/attacker/watch"]) {
      stats.paths++;
      const r = await get(path);
      if (r.status >= 500) stats.leaks.push(`canary GET ${path} -> ${r.status}`);
      leakCheck(stats, `canary GET ${path}`, r.text, [secret, set.setId, "victim"]);
    }
    const byId = await get(`/v1/canary-sets/${encodeURIComponent(set.setId)}`);
    if (byId.status === 200 && byId.text.includes(secret)) unauth.push(`canary GET /v1/canary-sets/:id answers another tenant's set (prompts included) to a caller with no credential`);
    const list = await get("/v1/canary-sets?tenant=victim");
    if (list.status === 200 && list.text.includes(set.setId)) unauth.push("canary GET /v1/canary-sets?tenant=<any> lists any tenant's sets to a caller with no credential");
    unauth.push("canary POST /v1/canary-sets, /v1/canary-runs, /v1/tenants/:t/track and gRPC StartCanary/GetReport/GetServingPolicy act for the tenant named in the request, with no credential");
  } finally {
    await t.close();
  }
  return stats;
}

export async function checkTenancy(): Promise<TenancyStats> {
  const stats: TenancyStats = { paths: 0, leaks: [], unauthenticated: [] };
  await ingestionTenancy(stats);
  await labelingTenancy(stats);
  await canaryTenancy(stats);
  return stats;
}
