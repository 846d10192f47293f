// Which model answers a call: the approved (serving) model unless an id is asked for. Swapping to a
// newly approved model loads it everywhere first, then moves the pointer; the old model is unloaded
// only once its in-flight calls are done, so no request is dropped.
import { AppError, type FieldViolation } from "@rlhf-loop/kit";
import type { RegistryStore } from "../store/registry-store.js";
import type { ScoringPool } from "./scoring-pool.js";

export interface ScoringLimits {
  /** Longest prompt or answer, in characters. */
  readonly maxTextChars: number;
  /** Most rows in one ScoreBatch / HTTP call. */
  readonly maxBatchItems: number;
  /** Most models kept loaded besides the serving one. */
  readonly maxExtraModels: number;
}

export const DEFAULT_LIMITS: ScoringLimits = { maxTextChars: 20_000, maxBatchItems: 4096, maxExtraModels: 4 };

export interface Row {
  readonly prompt: string;
  readonly answer: string;
}

export function validateRows(rows: readonly Row[], limits: ScoringLimits, path: (i: number) => string): void {
  const bad: FieldViolation[] = [];
  if (rows.length === 0) bad.push({ path: path(-1), reason: "no rows to score" });
  if (rows.length > limits.maxBatchItems) bad.push({ path: path(-1), reason: `${rows.length} rows; at most ${limits.maxBatchItems} per call` });
  rows.forEach((r, i) => {
    if (bad.length >= 20) return;
    if (!r.answer.trim()) bad.push({ path: `${path(i)}answer`, reason: "empty answer" });
    if (r.answer.length > limits.maxTextChars) bad.push({ path: `${path(i)}answer`, reason: `${r.answer.length} characters; the limit is ${limits.maxTextChars}` });
    if (r.prompt.length > limits.maxTextChars) bad.push({ path: `${path(i)}prompt`, reason: `${r.prompt.length} characters; the limit is ${limits.maxTextChars}` });
  });
  if (bad.length) throw AppError.invalid(bad);
}

export class RewardServing {
  private serving: string | undefined;
  private readonly inflight = new Map<string, number>();
  private readonly extra: string[] = [];
  private readonly loading = new Map<string, Promise<void>>();
  private swapChain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly pool: ScoringPool,
    private readonly registry: RegistryStore,
    readonly limits: ScoringLimits = DEFAULT_LIMITS,
    /** The tenant whose approved model this process serves by default. */
    readonly tenantId = "",
  ) {}

  get servingModelId(): string | undefined {
    return this.serving;
  }

  /** Serves the registry's approved model (no-op when it already does). Returns the serving id. */
  async refreshApproved(): Promise<string | undefined> {
    const m = await this.registry.approved(this.tenantId);
    if (m && m.modelId !== this.serving) await this.activate(m.modelId);
    return this.serving;
  }

  /** Hot swap: load, move the pointer, unload the old model once its calls finish. Serialized. */
  activate(modelId: string): Promise<void> {
    const run = this.swapChain.then(async () => {
      if (modelId === this.serving) return;
      await this.ensureLoaded(modelId);
      const old = this.serving;
      this.serving = modelId;
      const i = this.extra.indexOf(modelId);
      if (i >= 0) this.extra.splice(i, 1);
      if (old) void this.unloadWhenIdle(old);
    });
    this.swapChain = run.catch(() => {});
    return run;
  }

  private async unloadWhenIdle(modelId: string): Promise<void> {
    while ((this.inflight.get(modelId) ?? 0) > 0) await new Promise((r) => setTimeout(r, 5));
    if (modelId !== this.serving && !this.extra.includes(modelId)) await this.pool.unload(modelId).catch(() => {});
  }

  private ensureLoaded(modelId: string): Promise<void> {
    if (this.pool.has(modelId)) return Promise.resolve();
    let p = this.loading.get(modelId);
    if (!p) {
      p = (async () => {
        const a = await this.registry.artifact(modelId);
        if (!a) throw new AppError("not_found", `unknown reward model ${modelId}`);
        await this.pool.load(modelId, a.kind, a.onnx, a.tokenizer);
      })().finally(() => this.loading.delete(modelId));
      this.loading.set(modelId, p);
    }
    return p;
  }

  /** Scores rows with the asked model (the serving one when `modelId` is empty). */
  async score(modelId: string, rows: readonly Row[], path: (i: number) => string = (i) => (i < 0 ? "items" : `items[${i}].`)): Promise<{ modelId: string; scores: Float64Array }> {
    validateRows(rows, this.limits, path);
    let id = modelId;
    if (!id) {
      // Taken and counted in the same tick, so a concurrent swap cannot unload it under this call.
      if (!this.serving) throw new AppError("failed_precondition", "no approved reward model is being served; pass model_id or approve a model");
      id = this.serving;
      this.inflight.set(id, (this.inflight.get(id) ?? 0) + 1);
    } else {
      this.inflight.set(id, (this.inflight.get(id) ?? 0) + 1);
      try {
        if (!this.pool.has(id)) {
          await this.ensureLoaded(id);
          if (id !== this.serving && !this.extra.includes(id)) {
            this.extra.push(id);
            while (this.extra.length > this.limits.maxExtraModels) void this.unloadWhenIdle(this.extra.shift()!);
          }
        }
      } catch (err) {
        this.inflight.set(id, this.inflight.get(id)! - 1);
        throw err;
      }
    }
    try {
      return { modelId: id, scores: await this.pool.score(id, rows) };
    } finally {
      this.inflight.set(id, this.inflight.get(id)! - 1);
    }
  }
}
