// HTTP API of the canary: sets, runs, reports (JSON and the HTML page), the served policy, the watch.
// Every route needs a key (README: routes and roles); a set or report of another tenant is "not
// found", exactly as one that does not exist.
import { AppError, READ_ROLES, WRITE_ROLES, assertTenant, canAccess, type Caller, type CallerAuth } from "@rlhf-loop/kit";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { SIM_SUPPORT_CHECKS, validateTemplate, type ChecksTemplate } from "../domain/checks-template.js";
import { renderReportHtml } from "../report/index.js";
import type { CanaryRunner } from "../run/canary-runner.js";
import type { CanarySets } from "../sets/canary-sets.js";
import type { CanaryStore, ReportRow } from "../store/canary-store.js";

type Body = Record<string, unknown>;

function objectBody(body: unknown): Body {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw AppError.invalid([{ path: "", reason: "body must be a JSON object" }]);
  return body as Body;
}

function intField(b: Body, name: string, fallback: number): number {
  const v = b[name];
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v)) throw AppError.invalid([{ path: name, reason: "must be an integer" }]);
  return v;
}

function strField(b: Body, name: string, required = false): string {
  const v = b[name];
  if (v === undefined || v === "") {
    if (required) throw AppError.invalid([{ path: name, reason: "required" }]);
    return "";
  }
  if (typeof v !== "string") throw AppError.invalid([{ path: name, reason: "must be a string" }]);
  return v;
}

function publicRow(row: ReportRow) {
  const { doc, ...rest } = row;
  return { ...rest, ...(doc ? { report: doc } : {}), html: `/v1/reports/${encodeURIComponent(row.reportId)}/html` };
}

/** The resource, when the caller's key may read it. */
function owned<T extends { readonly tenantId: string }>(caller: Caller, row: T | undefined): T | undefined {
  return row && canAccess(caller, row.tenantId) ? row : undefined;
}

export interface HttpDeps {
  readonly auth: CallerAuth;
  readonly store: CanaryStore;
  readonly sets: CanarySets;
  readonly runner: CanaryRunner;
  /** The checks template for sets sampled from traffic when the request names none. */
  readonly defaultTemplate: ChecksTemplate;
  readonly watch: (tenantId: string) => Promise<unknown>;
  /** Tracks the served policy on the tenant's canary set now. */
  readonly track: (tenantId: string, at?: Date) => Promise<unknown>;
}

export function registerHttpApi(app: FastifyInstance, deps: HttpDeps): void {
  const { store, sets, runner, auth } = deps;
  const key = (req: FastifyRequest) => req.headers.authorization;

  // {tenantId, fromTraffic: {size, seed?, sinceDays?, checks?: template | "sim-support"}} or {tenantId, jsonl: "..."}.
  app.post("/v1/canary-sets", { bodyLimit: 64 * 1024 * 1024 }, async (req, reply) => {
    const caller = await auth.require(key(req), WRITE_ROLES);
    const b = objectBody(req.body);
    const tenantId = strField(b, "tenantId", true);
    assertTenant(caller, tenantId);
    if (b["jsonl"] !== undefined) {
      if (typeof b["jsonl"] !== "string") throw AppError.invalid([{ path: "jsonl", reason: "must be a string (the file's text)" }]);
      const set = await sets.importJsonl(tenantId, b["jsonl"]);
      return reply.code(201).send({ setId: set.setId, version: set.version, tasks: set.tasks.length, source: set.source });
    }
    const ft = b["fromTraffic"];
    if (ft === undefined) throw AppError.invalid([{ path: "fromTraffic", reason: "give fromTraffic or jsonl" }]);
    const f = objectBody(ft);
    let template = deps.defaultTemplate;
    const checks = f["checks"];
    if (checks === "sim-support") template = SIM_SUPPORT_CHECKS;
    else if (checks !== undefined) {
      const issues = validateTemplate(checks, "fromTraffic.checks");
      if (issues.length) throw AppError.invalid(issues);
      template = checks as ChecksTemplate;
    }
    const r = await sets.fromTraffic({ tenantId, size: intField(f, "size", 500), seed: intField(f, "seed", 1), sinceDays: intField(f, "sinceDays", 0), template });
    const intents: Record<string, number> = {};
    for (const t of r.set.tasks) intents[t.intent] = (intents[t.intent] ?? 0) + 1;
    return reply.code(201).send({ setId: r.set.setId, version: r.set.version, tasks: r.set.tasks.length, requested: r.requested, pool: r.pool, intents, source: r.set.source });
  });

  app.get("/v1/canary-sets", async (req) => {
    const caller = await auth.require(key(req), READ_ROLES);
    const tenant = (req.query as { tenant?: string }).tenant;
    if (!tenant) throw AppError.invalid([{ path: "tenant", reason: "required query parameter" }]);
    assertTenant(caller, tenant);
    return { sets: await store.listSets(tenant) };
  });

  app.get("/v1/canary-sets/:id", async (req) => {
    const caller = await auth.require(key(req), READ_ROLES);
    const set = owned(caller, await store.getSet((req.params as { id: string }).id));
    if (!set) throw new AppError("not_found", "canary set not found");
    return set;
  });

  app.post("/v1/canary-runs", async (req, reply) => {
    const caller = await auth.require(key(req), WRITE_ROLES);
    const b = objectBody(req.body);
    const tenantId = strField(b, "tenantId", true);
    assertTenant(caller, tenantId);
    const row = await runner.request({ tenantId, candidateVersion: strField(b, "candidateVersion", true), canarySetId: strField(b, "canarySetId"), rewardModelId: strField(b, "rewardModelId") });
    return reply.code(202).send(publicRow(row));
  });

  app.get("/v1/canary-runs", async (req) => {
    const caller = await auth.require(key(req), READ_ROLES);
    const tenant = (req.query as { tenant?: string }).tenant;
    if (!tenant) throw AppError.invalid([{ path: "tenant", reason: "required query parameter" }]);
    assertTenant(caller, tenant);
    return { runs: (await store.listReports(tenant)).map(publicRow) };
  });

  app.get("/v1/reports/:id", async (req) => {
    const caller = await auth.require(key(req), READ_ROLES);
    const row = owned(caller, await store.report((req.params as { id: string }).id));
    if (!row) throw new AppError("not_found", "report not found");
    return publicRow(row);
  });

  app.get("/v1/reports/:id/html", async (req, reply) => {
    const caller = await auth.require(key(req), READ_ROLES);
    const row = owned(caller, await store.report((req.params as { id: string }).id));
    if (!row) throw new AppError("not_found", "report not found");
    if (!row.doc) throw new AppError("failed_precondition", `the canary run is ${row.status}${row.error ? `: ${row.error}` : ""}`);
    return reply.header("content-type", "text/html; charset=utf-8").send(renderReportHtml(row.doc));
  });

  app.get("/v1/tenants/:tenant/serving", async (req) => {
    const tenant = (req.params as { tenant: string }).tenant;
    await auth.require(key(req), READ_ROLES, tenant);
    const s = await store.serving(tenant);
    return s ? { tenantId: tenant, policyVersion: s.policyVersion, reportId: s.reportId, promotedAt: s.promotedAt.toISOString() } : { tenantId: tenant, policyVersion: "" };
  });

  app.get("/v1/tenants/:tenant/watch", async (req) => {
    const tenant = (req.params as { tenant: string }).tenant;
    await auth.require(key(req), READ_ROLES, tenant);
    return deps.watch(tenant);
  });

  // {at?: ISO time}: the week to record the point under (backfills and simulations); default now.
  app.post("/v1/tenants/:tenant/track", async (req) => {
    const tenant = (req.params as { tenant: string }).tenant;
    await auth.require(key(req), WRITE_ROLES, tenant);
    const b = req.body === undefined || req.body === null ? {} : objectBody(req.body);
    const at = strField(b, "at");
    const when = at ? new Date(at) : undefined;
    if (when && Number.isNaN(when.getTime())) throw AppError.invalid([{ path: "at", reason: "must be an ISO 8601 time" }]);
    return deps.track(tenant, when);
  });
}
