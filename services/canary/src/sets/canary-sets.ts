// Creating canary sets: sampled from held-out traffic, or imported from JSONL; stored as new versions.
import { randomUUID } from "node:crypto";
import { AppError } from "@rlhf-loop/kit";
import type { ChecksTemplate } from "../domain/checks-template.js";
import { tasksFromTraffic } from "../domain/from-traffic.js";
import { parseTasksJsonl } from "../domain/set-import.js";
import type { CanarySet, ExpertComparison } from "../domain/types.js";
import type { CanaryMetrics } from "../metrics.js";
import type { CanaryStore } from "../store/canary-store.js";

export interface FromTrafficRequest {
  readonly tenantId: string;
  readonly size: number;
  readonly seed: number;
  /** Only traffic of the last N days (0 = all held-out traffic). */
  readonly sinceDays: number;
  readonly template: ChecksTemplate;
}

/** Enough history that a stratified sample has every stratum to choose from. */
const POOL_LIMIT = 50_000;

export class CanarySets {
  constructor(
    private readonly store: CanaryStore,
    private readonly metrics: CanaryMetrics,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async fromTraffic(req: FromTrafficRequest): Promise<{ set: CanarySet; requested: number; pool: number }> {
    const bad: { path: string; reason: string }[] = [];
    if (!req.tenantId) bad.push({ path: "tenantId", reason: "required" });
    if (!Number.isInteger(req.size) || req.size < 1 || req.size > 10_000) bad.push({ path: "size", reason: "an integer in 1..10000" });
    if (!Number.isInteger(req.sinceDays) || req.sinceDays < 0) bad.push({ path: "sinceDays", reason: "an integer >= 0" });
    if (bad.length) throw AppError.invalid(bad);
    const since = req.sinceDays > 0 ? new Date(this.now().getTime() - req.sinceDays * 86_400_000) : null;
    const pool = await this.store.trafficPool(req.tenantId, since, POOL_LIMIT);
    if (pool.length === 0) throw new AppError("failed_precondition", `no held-out traffic for tenant ${req.tenantId} yet: canary sets are sampled from the 1-in-20 conversations every service keeps out of training`);
    const comparisons = new Map<string, ExpertComparison[]>();
    for (const c of await this.store.expertComparisonsFor(req.tenantId, pool.map((p) => p.interactionId))) {
      const list = comparisons.get(c.interactionId) ?? [];
      list.push({ preferred: c.preferred, other: c.other, raterId: c.raterId, rubricVersion: c.rubricVersion });
      comparisons.set(c.interactionId, list);
    }
    const tasks = tasksFromTraffic(pool, { size: req.size, seed: req.seed, template: req.template, comparisons });
    const set = await this.store.createSet(req.tenantId, `cs-${randomUUID()}`, "traffic", tasks);
    this.metrics.setTasks.set({ tenant: req.tenantId }, tasks.length);
    return { set, requested: req.size, pool: pool.length };
  }

  /** Imports JSONL; nothing is stored when any line is bad (the error lists every line and field). */
  async importJsonl(tenantId: string, text: string): Promise<CanarySet> {
    if (!tenantId) throw AppError.invalid([{ path: "tenantId", reason: "required" }]);
    const { tasks, issues } = parseTasksJsonl(text);
    if (issues.length) throw AppError.invalid(issues.slice(0, 100).map((i) => ({ path: i.line ? `line ${i.line}: ${i.path}` : i.path, reason: i.reason })));
    const set = await this.store.createSet(tenantId, `cs-${randomUUID()}`, "import", tasks);
    this.metrics.setTasks.set({ tenant: tenantId }, tasks.length);
    return set;
  }
}
