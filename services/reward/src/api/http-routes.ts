// HTTP scoring. POST /get_reward speaks OpenRLHF's remote reward model protocol
// ({"query": [...]} -> {"rewards": [...]}), so OpenRLHF / verl trainers can use this service.
import { AppError, CALL_ROLES, READ_ROLES, WRITE_ROLES } from "@rlhf-loop/kit";
import type { FastifyInstance } from "fastify";
import type { RewardAccess } from "./access.js";
import type { RewardServing } from "../serve/reward-serving.js";
import type { RegistryStore } from "../store/registry-store.js";
import { toProtoModel } from "./wire.js";
import { toJson } from "@bufbuild/protobuf";
import { RewardModelSchema } from "@rlhf-loop/proto";

function stringArray(body: Record<string, unknown>, field: string, required: boolean): string[] | undefined {
  const v = body[field];
  if (v === undefined && !required) return undefined;
  if (!Array.isArray(v)) throw AppError.invalid([{ path: field, reason: "must be an array of strings" }]);
  const bad = v.findIndex((x) => typeof x !== "string");
  if (bad >= 0) throw AppError.invalid([{ path: `${field}[${bad}]`, reason: "must be a string" }]);
  return v as string[];
}

/**
 * OpenRLHF sends each query as the full text (prompt followed by the response) and, in newer
 * versions, the prompts alongside. When a query starts with its prompt we split it, so the compact
 * model sees prompt and answer features as in training; otherwise the whole query is the answer.
 */
export function splitQueries(queries: readonly string[], prompts: readonly string[] | undefined): { prompt: string; answer: string }[] {
  return queries.map((q, i) => {
    const p = prompts?.[i];
    return p && q.startsWith(p) && q.length > p.length ? { prompt: p, answer: q.slice(p.length) } : { prompt: "", answer: q };
  });
}

export function registerHttpApi(
  app: FastifyInstance,
  serving: RewardServing,
  registry: RegistryStore,
  onRows: (n: number) => void,
  approve: (modelId: string, force: boolean) => Promise<unknown>,
  access: RewardAccess,
): void {
  // Approval: FAILED_PRECONDITION (409... mapped by kit) unless the model's diagnostics passed, or
  // {"force": true} for a brought model whose quality was judged elsewhere (logged as forced).
  app.post("/v1/models/:id/approve", async (req) => {
    const id = (req.params as { id: string }).id;
    await access.model(req.headers.authorization, WRITE_ROLES, id);
    const body = (req.body ?? {}) as { force?: unknown };
    if (body.force !== undefined && typeof body.force !== "boolean") throw AppError.invalid([{ path: "force", reason: "must be a boolean" }]);
    await approve(id, body.force === true);
    const m = await registry.get(id);
    return toJson(RewardModelSchema, toProtoModel(m!));
  });

  app.post("/get_reward", async (req) => {
    const caller = await access.caller(req.headers.authorization, CALL_ROLES);
    if (typeof req.body !== "object" || req.body === null || Array.isArray(req.body)) throw AppError.invalid([{ path: "", reason: "body must be a JSON object" }]);
    const body = req.body as Record<string, unknown>;
    const queries = stringArray(body, "query", true)!;
    const prompts = stringArray(body, "prompts", false);
    const modelId = typeof body["model_id"] === "string" ? body["model_id"] : "";
    await access.checkModel(caller, modelId);
    const r = await serving.score(modelId, splitQueries(queries, prompts), (i) => (i < 0 ? "query" : `query[${i}].`));
    onRows(queries.length);
    return { rewards: Array.from(r.scores), model_id: r.modelId };
  });

  app.get("/v1/models/:id", async (req) => {
    const id = (req.params as { id: string }).id;
    await access.model(req.headers.authorization, READ_ROLES, id === "serving" ? "" : id);
    const m = id === "serving" ? (serving.servingModelId ? await registry.get(serving.servingModelId) : undefined) : await registry.get(id);
    if (!m) throw new AppError("not_found", `unknown reward model ${id}`);
    return toJson(RewardModelSchema, toProtoModel(m));
  });
}
