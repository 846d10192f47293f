// Automatic training runs, one per announced snapshot: queued by the consumer, claimed by the train
// queue (skip locked, so two replicas never train the same snapshot), marked done or failed.
import type { Pool } from "@rlhf-loop/kit";

export interface TrainingRun {
  readonly datasetId: string;
  readonly tenantId: string;
  readonly evidenceTo: Date | null;
  readonly status: "queued" | "running" | "done" | "failed";
  readonly modelId: string | null;
  readonly error: string | null;
}

export class RunsStore {
  private readonly t: string;

  constructor(
    private readonly pool: Pool,
    schema: string,
  ) {
    this.t = `"${schema}".training_runs`;
  }

  /** Queues a snapshot once; a redelivered announcement is a no-op. True when newly queued. */
  async enqueue(datasetId: string, tenantId: string, evidenceTo: Date | null): Promise<boolean> {
    const r = await this.pool.query(`insert into ${this.t} (dataset_id, tenant_id, evidence_to, status) values ($1, $2, $3, 'queued') on conflict do nothing`, [datasetId, tenantId, evidenceTo]);
    return (r.rowCount ?? 0) > 0;
  }

  async claim(): Promise<TrainingRun | undefined> {
    const r = await this.pool.query<{ dataset_id: string; tenant_id: string; evidence_to: Date | null; status: TrainingRun["status"]; model_id: string | null; error: string | null }>(
      `update ${this.t} set status = 'running', started_at = now()
        where dataset_id = (select dataset_id from ${this.t} where status = 'queued' order by started_at, dataset_id limit 1 for update skip locked)
        returning dataset_id, tenant_id, evidence_to, status, model_id, error`,
    );
    const x = r.rows[0];
    return x ? { datasetId: x.dataset_id, tenantId: x.tenant_id, evidenceTo: x.evidence_to, status: x.status, modelId: x.model_id, error: x.error } : undefined;
  }

  async finish(datasetId: string, result: { modelId: string } | { error: string }): Promise<void> {
    await this.pool.query(`update ${this.t} set status = $2, model_id = $3, error = $4, finished_at = now() where dataset_id = $1`, [
      datasetId,
      "modelId" in result ? "done" : "failed",
      "modelId" in result ? result.modelId : null,
      "error" in result ? result.error.slice(0, 2000) : null,
    ]);
  }

  /** Runs left 'running' by a process that died are queued again at start. */
  async requeueStale(): Promise<number> {
    const r = await this.pool.query(`update ${this.t} set status = 'queued' where status = 'running'`);
    return r.rowCount ?? 0;
  }

  async get(datasetId: string): Promise<TrainingRun | undefined> {
    const r = await this.pool.query<{ dataset_id: string; tenant_id: string; evidence_to: Date | null; status: TrainingRun["status"]; model_id: string | null; error: string | null }>(
      `select dataset_id, tenant_id, evidence_to, status, model_id, error from ${this.t} where dataset_id = $1`,
      [datasetId],
    );
    const x = r.rows[0];
    return x ? { datasetId: x.dataset_id, tenantId: x.tenant_id, evidenceTo: x.evidence_to, status: x.status, modelId: x.model_id, error: x.error } : undefined;
  }
}
