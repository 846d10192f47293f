import { AppError } from "@rlhf-loop/kit";
import type { Pool } from "@rlhf-loop/kit";
import { toJson } from "@bufbuild/protobuf";
import { DatasetManifestSchema } from "@rlhf-loop/proto";
import type { FastifyInstance } from "fastify";
import type { Auditor } from "../audit/auditor.js";
import type { BuildRequest } from "../datasets/snapshots.js";
import { exportSnapshot } from "../datasets/snapshots.js";
import type { DatasetManifest } from "@rlhf-loop/proto";
import type { Verdict } from "../domain/audit.js";
import type { PairSourceName } from "../domain/model.js";
import type { WeightingPolicy } from "../domain/weighting.js";
import { FORMAT_NAMES, isFormatName } from "../formats/formats.js";
import type { ReviewDesk } from "../review/review-desk.js";
import { getManifest, listDatasets } from "../store/datasets-store.js";
import { createRater, type RaterRole } from "../store/raters-store.js";
import { rubricChanges } from "../store/rubrics-store.js";
import type { RaterAuth } from "./auth.js";
import { judgmentJson, rubricJson, taskJson } from "./convert.js";
import { REVIEW_PAGE } from "./review-page.js";

export interface HttpDeps {
  auth: RaterAuth;
  desk: ReviewDesk;
  auditor: Auditor;
  /** Builds, stores and announces a snapshot. */
  snapshot(req: BuildRequest): Promise<DatasetManifest>;
  pool: Pool;
  schema: string;
  /** Snapshot policy used when a request names none (from config). */
  defaultPolicy: WeightingPolicy;
  auditWindowMs: number;
}

const criterionSchema = {
  type: "object",
  required: ["name", "description"],
  additionalProperties: false,
  properties: { name: { type: "string" }, description: { type: "string" } },
} as const;

const PAIR_SOURCES: readonly PairSourceName[] = ["comparison", "thumbs", "rating", "outcome", "expert_review", "import"];

function parseTime(v: string | undefined, path: string): number | undefined {
  if (v === undefined) return undefined;
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw AppError.invalid([{ path, reason: "must be an RFC 3339 time" }]);
  return ms;
}

/** The JSON API behind the review page, plus the lead's admin endpoints. */
export function registerHttpApi(app: FastifyInstance, deps: HttpDeps): void {
  const { auth, desk } = deps;

  app.get("/review", async (_req, reply) => reply.type("text/html; charset=utf-8").header("cache-control", "no-store").send(REVIEW_PAGE));
  app.get("/", async (_req, reply) => reply.redirect("/review"));

  app.get("/v1/review/me", async (req) => {
    const r = await auth.fromHeader(req.headers.authorization);
    return { raterId: r.raterId, role: r.role, tenantId: r.tenantId, name: r.name };
  });

  app.get("/v1/review/next", async (req) => {
    const rater = await auth.fromHeader(req.headers.authorization);
    const next = await desk.nextTask(rater);
    return { rubric: rubricJson(next.rubric), task: next.task ? taskJson(next.task, next.rubric.version) : null };
  });

  app.post<{ Body: { taskId: string; choice: Verdict; rubricVersion: string; criteria: { criterion: string; aMet: boolean; bMet: boolean }[]; comment?: string } }>(
    "/v1/review/judgments",
    {
      schema: {
        body: {
          type: "object",
          required: ["taskId", "choice", "rubricVersion", "criteria"],
          additionalProperties: false,
          properties: {
            taskId: { type: "string", minLength: 1 },
            choice: { type: "string", enum: ["a", "b", "tie"] },
            rubricVersion: { type: "string" },
            comment: { type: "string", maxLength: 5000 },
            criteria: {
              type: "array",
              maxItems: 50,
              items: { type: "object", required: ["criterion", "aMet", "bMet"], additionalProperties: false, properties: { criterion: { type: "string" }, aMet: { type: "boolean" }, bMet: { type: "boolean" } } },
            },
          },
        },
      },
    },
    async (req, reply) => {
      const rater = await auth.fromHeader(req.headers.authorization);
      const j = await desk.submit(rater, { ...req.body, comment: req.body.comment ?? "" });
      return reply.code(201).send({ judgment: judgmentJson(j), pairId: j.pairId ?? null });
    },
  );

  app.get("/v1/rubrics/active", async (req) => {
    const rater = await auth.fromHeader(req.headers.authorization);
    return { rubric: rubricJson(await desk.rubric(rater.tenantId, "")) };
  });
  app.get<{ Params: { version: string } }>("/v1/rubrics/:version", async (req) => {
    const rater = await auth.fromHeader(req.headers.authorization);
    return { rubric: rubricJson(await desk.rubric(rater.tenantId, req.params.version)) };
  });
  app.get("/v1/rubrics/changes", async (req) => {
    const rater = await auth.fromHeader(req.headers.authorization);
    return { changes: await rubricChanges(deps.pool, deps.schema, rater.tenantId) };
  });
  app.post<{ Body: { version: string; title: string; instructions?: string; criteria: { name: string; description: string }[]; changeNote?: string } }>(
    "/v1/rubrics",
    {
      schema: {
        body: {
          type: "object",
          required: ["version", "title", "criteria"],
          additionalProperties: false,
          properties: { version: { type: "string" }, title: { type: "string" }, instructions: { type: "string" }, changeNote: { type: "string" }, criteria: { type: "array", items: criterionSchema } },
        },
      },
    },
    async (req, reply) => {
      const rater = await auth.fromHeader(req.headers.authorization);
      const out = await desk.publish(rater, { ...req.body, instructions: req.body.instructions ?? "", changeNote: req.body.changeNote ?? "" });
      return reply.code(out.kind === "published" ? 201 : 200).send({
        rubric: rubricJson(out.rubric),
        pausedVersion: out.kind === "published" ? out.pausedVersion : "",
        judgmentsMarked: out.kind === "published" ? out.judgmentsMarked : 0,
        pairsMarked: out.kind === "published" ? out.pairsMarked : 0,
      });
    },
  );

  app.post<{ Body: { interactionA: string; interactionB: string; gold: Verdict } }>(
    "/v1/review/gold",
    {
      schema: {
        body: {
          type: "object",
          required: ["interactionA", "interactionB", "gold"],
          additionalProperties: false,
          properties: { interactionA: { type: "string", minLength: 1 }, interactionB: { type: "string", minLength: 1 }, gold: { type: "string", enum: ["a", "b", "tie"] } },
        },
      },
    },
    async (req, reply) => {
      const rater = await auth.fromHeader(req.headers.authorization);
      return reply.code(201).send({ taskId: await desk.addGold(rater, req.body) });
    },
  );

  app.post<{ Body: { raterId: string; role?: RaterRole; name?: string } }>(
    "/v1/raters",
    {
      schema: {
        body: {
          type: "object",
          required: ["raterId"],
          additionalProperties: false,
          properties: { raterId: { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$" }, role: { type: "string", enum: ["expert", "lead", "service"] }, name: { type: "string", maxLength: 200 } },
        },
      },
    },
    async (req, reply) => {
      const lead = await auth.require(req.headers.authorization, ["lead"]);
      try {
        const r = await createRater(deps.pool, deps.schema, { tenantId: lead.tenantId, raterId: req.body.raterId, role: req.body.role ?? "expert", name: req.body.name ?? "" });
        return reply.code(201).send(r);
      } catch (err) {
        if ((err as { code?: string }).code === "23505") throw new AppError("already_exists", `rater ${req.body.raterId} exists`);
        throw err;
      }
    },
  );

  app.post<{
    Body: { name: string; from?: string; to?: string; sources?: PairSourceName[]; policy?: Partial<Omit<WeightingPolicy, "raterWindowMs">> & { raterWindowSeconds?: number } };
  }>(
    "/v1/datasets",
    {
      schema: {
        body: {
          type: "object",
          required: ["name"],
          additionalProperties: false,
          properties: {
            name: { type: "string" },
            from: { type: "string" },
            to: { type: "string" },
            sources: { type: "array", items: { type: "string", enum: [...PAIR_SOURCES] } },
            policy: {
              type: "object",
              additionalProperties: false,
              properties: {
                raterCapPerWindow: { type: "number", minimum: 0 },
                raterWindowSeconds: { type: "number", exclusiveMinimum: 0 },
                heavyShareMax: { type: "number", exclusiveMinimum: 0, maximum: 1 },
                heavyFraction: { type: "number", exclusiveMinimum: 0, maximum: 1 },
                segmentTargets: { type: "object", additionalProperties: { type: "number", minimum: 0, maximum: 1 } },
                maxSegmentFactor: { type: "number", minimum: 1 },
                applySamplingWeights: { type: "boolean" },
                applyRaterAudit: { type: "boolean" },
                includeSuperseded: { type: "boolean" },
              },
            },
          },
        },
      },
    },
    async (req, reply) => {
      const lead = await auth.require(req.headers.authorization, ["lead", "service"]);
      const { raterWindowSeconds, ...rest } = req.body.policy ?? {};
      const policy: WeightingPolicy = { ...deps.defaultPolicy, ...rest, ...(raterWindowSeconds !== undefined ? { raterWindowMs: raterWindowSeconds * 1000 } : {}) };
      const manifest = await deps.snapshot({
        tenantId: lead.tenantId,
        name: req.body.name,
        policy,
        fromMs: parseTime(req.body.from, "from"),
        toMs: parseTime(req.body.to, "to"),
        sources: req.body.sources,
      });
      return reply.code(201).send({ manifest: toJson(DatasetManifestSchema, manifest) });
    },
  );

  app.get("/v1/datasets", async (req) => {
    const r = await auth.fromHeader(req.headers.authorization);
    return { datasets: await listDatasets(deps.pool, deps.schema, r.tenantId) };
  });
  app.get<{ Params: { id: string } }>("/v1/datasets/:id", async (req) => {
    const r = await auth.fromHeader(req.headers.authorization);
    const m = await getManifest(deps.pool, deps.schema, r.tenantId, req.params.id);
    if (!m) throw new AppError("not_found", `no dataset ${req.params.id}`);
    return { manifest: toJson(DatasetManifestSchema, m) };
  });
  app.get<{ Params: { id: string }; Querystring: { format?: string; weights?: string } }>("/v1/datasets/:id/export", async (req, reply) => {
    const r = await auth.fromHeader(req.headers.authorization);
    const format = req.query.format ?? "trl";
    if (!isFormatName(format)) throw AppError.invalid([{ path: "format", reason: `must be one of ${FORMAT_NAMES.join(", ")}` }]);
    let body = "";
    await exportSnapshot(deps.pool, deps.schema, { tenantId: r.tenantId, datasetId: req.params.id, format, includeWeight: req.query.weights === "true" }, (chunk) => {
      body += chunk;
    });
    return reply.type("application/x-ndjson").header("content-disposition", `attachment; filename="${req.params.id}.${format}.jsonl"`).send(body);
  });

  app.post<{ Body: { from?: string; to?: string } }>(
    "/v1/audits",
    { schema: { body: { type: "object", additionalProperties: false, properties: { from: { type: "string" }, to: { type: "string" } } } } },
    async (req, reply) => {
      const lead = await auth.require(req.headers.authorization, ["lead"]);
      const to = parseTime(req.body.to, "to") ?? Date.now();
      const from = parseTime(req.body.from, "from") ?? to - deps.auditWindowMs;
      if (from >= to) throw AppError.invalid([{ path: "from", reason: "must be before to" }]);
      return reply.code(201).send(await deps.auditor.run(lead.tenantId, from, to));
    },
  );
  app.get("/v1/audits/latest", async (req) => {
    const r = await auth.fromHeader(req.headers.authorization);
    const a = await deps.auditor.latest(deps.pool, r.tenantId);
    if (!a) throw new AppError("not_found", "no audit has run yet");
    return a;
  });
}
