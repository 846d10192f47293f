// Postgres store of the rl_trainer schema. Writes are idempotent (a redelivered message or a
// resumed run writes the same rows again).
import { checkSchemaName, type Pool } from "@rlhf-loop/kit";
import type { ServedPolicy } from "../domain/serving.js";
import type { StepStats } from "../train/rl.js";

export interface RunRow {
  readonly runId: string;
  readonly tenantId: string;
  readonly status: "queued" | "running" | "completed" | "stopped" | "failed";
  readonly rewardModelId: string;
  readonly referenceId: string;
  readonly datasetId: string;
  readonly config: Record<string, unknown>;
  readonly stepsDone: number;
  readonly stopReason: string;
  readonly stopDetail: string;
  readonly policyVersion: string;
  readonly error: string;
  readonly updatedAt: Date;
}

export interface CheckpointRow {
  readonly policyVersion: string;
  readonly runId: string;
  readonly parentVersion: string;
  readonly step: number;
  readonly referenceId: string;
  readonly rewardModelId: string;
  readonly datasetId: string;
  readonly config: Record<string, unknown>;
  readonly beta: number;
  readonly checkpoint: Uint8Array;
  readonly sha256: string;
  readonly final: boolean;
  /** On the final checkpoint of a run a guardrail stopped: "kl_budget" or "shape_drift", and why ("" otherwise). */
  readonly stopReason: string;
  readonly stopDetail: string;
}

/** A checkpoint to store: the stop reason only on a final checkpoint of a stopped run. */
export type NewCheckpoint = Omit<CheckpointRow, "stopReason" | "stopDetail"> & Partial<Pick<CheckpointRow, "stopReason" | "stopDetail">>;

export class RlStore {
  private readonly s: string;
  constructor(
    private readonly pool: Pool,
    schema: string,
  ) {
    this.s = checkSchemaName(schema);
  }

  /** Inserts a queued run; an existing run id is left as it is (idempotent requests). */
  async createRun(r: Pick<RunRow, "runId" | "tenantId" | "rewardModelId" | "referenceId" | "datasetId" | "config">): Promise<boolean> {
    const res = await this.pool.query(
      `insert into ${this.s}.runs (run_id, tenant_id, status, reward_model_id, reference_id, dataset_id, config_json) values ($1,$2,'queued',$3,$4,$5,$6) on conflict (run_id) do nothing`,
      [r.runId, r.tenantId, r.rewardModelId, r.referenceId, r.datasetId, JSON.stringify(r.config)],
    );
    return (res.rowCount ?? 0) > 0;
  }

  async updateRun(runId: string, f: Partial<Pick<RunRow, "status" | "stepsDone" | "stopReason" | "stopDetail" | "policyVersion" | "error" | "referenceId">>): Promise<void> {
    const cols: string[] = [];
    const vals: unknown[] = [runId];
    const map: Record<string, string> = { status: "status", stepsDone: "steps_done", stopReason: "stop_reason", stopDetail: "stop_detail", policyVersion: "policy_version", error: "error", referenceId: "reference_id" };
    for (const [k, v] of Object.entries(f)) {
      if (v === undefined) continue;
      vals.push(v);
      cols.push(`${map[k]} = $${vals.length}`);
    }
    if (cols.length === 0) return;
    await this.pool.query(`update ${this.s}.runs set ${cols.join(", ")}, updated_at = now() where run_id = $1`, vals);
  }

  async getRun(runId: string): Promise<RunRow | undefined> {
    const res = await this.pool.query(`select * from ${this.s}.runs where run_id = $1`, [runId]);
    const r = res.rows[0] as Record<string, unknown> | undefined;
    if (!r) return undefined;
    return {
      runId: String(r["run_id"]),
      tenantId: String(r["tenant_id"]),
      status: r["status"] as RunRow["status"],
      rewardModelId: String(r["reward_model_id"]),
      referenceId: String(r["reference_id"]),
      datasetId: String(r["dataset_id"]),
      config: r["config_json"] as Record<string, unknown>,
      stepsDone: Number(r["steps_done"]),
      stopReason: String(r["stop_reason"]),
      stopDetail: String(r["stop_detail"]),
      policyVersion: String(r["policy_version"]),
      error: String(r["error"]),
      updatedAt: r["updated_at"] as Date,
    };
  }

  /** Runs left queued or running (after a crash), oldest first. */
  async unfinishedRuns(): Promise<string[]> {
    const res = await this.pool.query(`select run_id from ${this.s}.runs where status in ('queued','running') order by created_at`);
    return res.rows.map((r: Record<string, unknown>) => String(r["run_id"]));
  }

  async saveStats(runId: string, s: StepStats): Promise<void> {
    await this.pool.query(`insert into ${this.s}.step_stats (run_id, step, stats) values ($1,$2,$3) on conflict (run_id, step) do update set stats = excluded.stats`, [runId, s.step, JSON.stringify(s)]);
  }

  async stats(runId: string, limit = 1000): Promise<StepStats[]> {
    const res = await this.pool.query(`select stats from ${this.s}.step_stats where run_id = $1 order by step desc limit $2`, [runId, limit]);
    return res.rows.map((r: Record<string, unknown>) => r["stats"] as StepStats).reverse();
  }

  async saveCheckpoint(c: NewCheckpoint): Promise<void> {
    await this.pool.query(
      `insert into ${this.s}.checkpoints (policy_version, run_id, parent_version, step, reference_id, reward_model_id, dataset_id, config_json, beta, checkpoint, sha256, final, stop_reason, stop_detail)
       values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14) on conflict (policy_version) do nothing`,
      [c.policyVersion, c.runId, c.parentVersion, c.step, c.referenceId, c.rewardModelId, c.datasetId, JSON.stringify(c.config), c.beta, Buffer.from(c.checkpoint), c.sha256, c.final, c.stopReason ?? "", c.stopDetail ?? ""],
    );
  }

  async markFinal(version: string): Promise<void> {
    await this.pool.query(`update ${this.s}.checkpoints set final = true where policy_version = $1`, [version]);
  }

  private checkpointOf(r: Record<string, unknown>): CheckpointRow {
    return {
      policyVersion: String(r["policy_version"]),
      runId: String(r["run_id"]),
      parentVersion: String(r["parent_version"]),
      step: Number(r["step"]),
      referenceId: String(r["reference_id"]),
      rewardModelId: String(r["reward_model_id"]),
      datasetId: String(r["dataset_id"]),
      config: r["config_json"] as Record<string, unknown>,
      beta: Number(r["beta"]),
      checkpoint: new Uint8Array(r["checkpoint"] as Buffer),
      sha256: String(r["sha256"]),
      final: Boolean(r["final"]),
      stopReason: String(r["stop_reason"] ?? ""),
      stopDetail: String(r["stop_detail"] ?? ""),
    };
  }

  async lastCheckpoint(runId: string): Promise<CheckpointRow | undefined> {
    const res = await this.pool.query(`select * from ${this.s}.checkpoints where run_id = $1 order by step desc limit 1`, [runId]);
    return res.rows[0] ? this.checkpointOf(res.rows[0] as Record<string, unknown>) : undefined;
  }

  async checkpoint(version: string): Promise<CheckpointRow | undefined> {
    const res = await this.pool.query(`select * from ${this.s}.checkpoints where policy_version = $1`, [version]);
    return res.rows[0] ? this.checkpointOf(res.rows[0] as Record<string, unknown>) : undefined;
  }

  /** The newest final checkpoint of any run (the policy Generate serves by default). */
  async latestFinal(): Promise<CheckpointRow | undefined> {
    const res = await this.pool.query(`select * from ${this.s}.checkpoints where final order by created_at desc limit 1`);
    return res.rows[0] ? this.checkpointOf(res.rows[0] as Record<string, unknown>) : undefined;
  }

  /**
   * Records a canary promotion as the tenant's served policy, unless the stored one comes from a
   * report at least as new (replays and late arrivals change nothing). Returns whether it applied.
   */
  async recordPromotion(p: ServedPolicy): Promise<boolean> {
    const res = await this.pool.query(
      `insert into ${this.s}.served_policies as sp (tenant_id, policy_version, report_id, promoted_at) values ($1,$2,$3,$4)
       on conflict (tenant_id) do update set policy_version = excluded.policy_version, report_id = excluded.report_id, promoted_at = excluded.promoted_at, updated_at = now()
       where sp.promoted_at < excluded.promoted_at`,
      [p.tenantId, p.policyVersion, p.reportId, p.promotedAt],
    );
    return (res.rowCount ?? 0) > 0;
  }

  /** The tenant's served policy: its last promoted checkpoint. */
  async servedPolicy(tenantId: string): Promise<ServedPolicy | undefined> {
    const res = await this.pool.query(`select tenant_id, policy_version, report_id, promoted_at from ${this.s}.served_policies where tenant_id = $1`, [tenantId]);
    const r = res.rows[0] as Record<string, unknown> | undefined;
    return r ? { tenantId: String(r["tenant_id"]), policyVersion: String(r["policy_version"]), reportId: String(r["report_id"]), promotedAt: r["promoted_at"] as Date } : undefined;
  }

  async saveReference(r: { referenceId: string; datasetId: string; model: unknown; checkpoint: Uint8Array; heldOutPerplexity: number }): Promise<void> {
    await this.pool.query(
      `insert into ${this.s}.references_ (reference_id, dataset_id, model_json, checkpoint, held_out_perplexity) values ($1,$2,$3,$4,$5) on conflict (reference_id) do nothing`,
      [r.referenceId, r.datasetId, JSON.stringify(r.model), Buffer.from(r.checkpoint), r.heldOutPerplexity],
    );
  }

  async reference(referenceId: string): Promise<{ model: unknown; checkpoint: Uint8Array; heldOutPerplexity: number; datasetId: string } | undefined> {
    const res = await this.pool.query(`select * from ${this.s}.references_ where reference_id = $1`, [referenceId]);
    const r = res.rows[0] as Record<string, unknown> | undefined;
    return r ? { model: r["model_json"], checkpoint: new Uint8Array(r["checkpoint"] as Buffer), heldOutPerplexity: Number(r["held_out_perplexity"]), datasetId: String(r["dataset_id"]) } : undefined;
  }

  async upsertRewardModel(m: { modelId: string; tenantId: string; status: string }): Promise<void> {
    await this.pool.query(
      `insert into ${this.s}.reward_models (model_id, tenant_id, status) values ($1,$2,$3) on conflict (model_id) do update set status = excluded.status, updated_at = now()`,
      [m.modelId, m.tenantId, m.status],
    );
  }

  async rewardModel(modelId: string): Promise<{ status: string; tenantId: string } | undefined> {
    const res = await this.pool.query(`select status, tenant_id from ${this.s}.reward_models where model_id = $1`, [modelId]);
    const r = res.rows[0] as Record<string, unknown> | undefined;
    return r ? { status: String(r["status"]), tenantId: String(r["tenant_id"]) } : undefined;
  }

  /** The tenant of the run that made a checkpoint, or undefined for an unknown version (no weights read). */
  async policyTenant(version: string): Promise<string | undefined> {
    const res = await this.pool.query(`select r.tenant_id from ${this.s}.checkpoints c join ${this.s}.runs r using (run_id) where c.policy_version = $1`, [version]);
    const r = res.rows[0] as Record<string, unknown> | undefined;
    return r ? String(r["tenant_id"]) : undefined;
  }

  async insertLoggedAnswers(rows: readonly { interactionId: string; tenantId: string; prompt: string; answer: string; canary: boolean; occurredAt: Date | null }[]): Promise<void> {
    if (rows.length === 0) return;
    const vals: unknown[] = [];
    const tuples = rows.map((r, i) => {
      vals.push(r.interactionId, r.tenantId, r.prompt, r.answer, r.canary, r.occurredAt);
      const b = i * 6;
      return `($${b + 1},$${b + 2},$${b + 3},$${b + 4},$${b + 5},$${b + 6})`;
    });
    await this.pool.query(`insert into ${this.s}.logged_answers (interaction_id, tenant_id, prompt, answer, canary, occurred_at) values ${tuples.join(",")} on conflict (interaction_id) do nothing`, vals);
  }

  /** Logged (prompt, answer) pairs of a tenant, the canary set excluded, newest first. */
  async loggedAnswers(tenantId: string, limit: number): Promise<{ prompt: string; answer: string }[]> {
    const res = await this.pool.query(`select prompt, answer from ${this.s}.logged_answers where tenant_id = $1 and not canary order by occurred_at desc nulls last, interaction_id limit $2`, [tenantId, limit]);
    return res.rows.map((r: Record<string, unknown>) => ({ prompt: String(r["prompt"]), answer: String(r["answer"]) }));
  }
}
