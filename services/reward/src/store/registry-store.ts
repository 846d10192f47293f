// The model registry in Postgres: one row per model with its config, diagnostics, ONNX artifact and
// status. Approval retires the previously approved model of the tenant in the same transaction.
import { createHash } from "node:crypto";
import { AppError, withTransaction, type Pool } from "@rlhf-loop/kit";
import type { ModelKind } from "../serve/worker-protocol.js";

export type ModelStatus = "candidate" | "approved" | "retired";

export interface RegisteredModel {
  readonly modelId: string;
  readonly tenantId: string;
  readonly datasetId: string;
  readonly kind: ModelKind;
  readonly status: ModelStatus;
  readonly config: unknown;
  readonly metrics: unknown;
  readonly diagnosticsPassed: boolean;
  readonly artifactSha256: string;
  readonly artifactBytes: number;
  readonly trainPairs: number;
  readonly heldOutPairs: number;
  readonly createdAt: Date;
}

export interface NewModel {
  readonly tenantId: string;
  readonly datasetId: string;
  readonly kind: ModelKind;
  readonly config: unknown;
  readonly metrics: unknown;
  readonly diagnosticsPassed: boolean;
  readonly artifact: Uint8Array;
  readonly tokenizer?: string;
  readonly trainPairs: number;
  readonly heldOutPairs: number;
}

export function sha256Hex(b: Uint8Array | string): string {
  return createHash("sha256").update(b).digest("hex");
}

/** Deterministic from what the model is: the same training run registers under the same id. */
export function modelIdOf(m: Pick<NewModel, "tenantId" | "datasetId" | "artifact">): string {
  return `rm-${sha256Hex(`${m.tenantId}\n${m.datasetId}\n${sha256Hex(m.artifact)}`).slice(0, 20)}`;
}

const COLUMNS = `model_id, tenant_id, dataset_id, kind, status, config, metrics, diagnostics_passed, artifact_sha256,
  octet_length(artifact) as artifact_bytes, train_pairs, held_out_pairs, created_at`;

interface Row {
  model_id: string;
  tenant_id: string;
  dataset_id: string;
  kind: ModelKind;
  status: ModelStatus;
  config: unknown;
  metrics: unknown;
  diagnostics_passed: boolean;
  artifact_sha256: string;
  artifact_bytes: number;
  train_pairs: string;
  held_out_pairs: string;
  created_at: Date;
}

function toModel(r: Row): RegisteredModel {
  return {
    modelId: r.model_id,
    tenantId: r.tenant_id,
    datasetId: r.dataset_id,
    kind: r.kind,
    status: r.status,
    config: r.config,
    metrics: r.metrics,
    diagnosticsPassed: r.diagnostics_passed,
    artifactSha256: r.artifact_sha256,
    artifactBytes: Number(r.artifact_bytes),
    trainPairs: Number(r.train_pairs),
    heldOutPairs: Number(r.held_out_pairs),
    createdAt: r.created_at,
  };
}

export class RegistryStore {
  private readonly t: string;

  constructor(
    private readonly pool: Pool,
    schema: string,
  ) {
    this.t = `"${schema}".reward_models`;
  }

  /** Registers a candidate; registering the same model again returns the stored row. */
  async insert(m: NewModel): Promise<RegisteredModel> {
    const id = modelIdOf(m);
    await this.pool.query(
      `insert into ${this.t} (model_id, tenant_id, dataset_id, kind, status, config, metrics, diagnostics_passed, artifact, artifact_sha256, tokenizer, train_pairs, held_out_pairs)
       values ($1, $2, $3, $4, 'candidate', $5, $6, $7, $8, $9, $10, $11, $12) on conflict (model_id) do nothing`,
      [id, m.tenantId, m.datasetId, m.kind, JSON.stringify(m.config), JSON.stringify(m.metrics), m.diagnosticsPassed, Buffer.from(m.artifact), sha256Hex(m.artifact), m.tokenizer ?? null, m.trainPairs, m.heldOutPairs],
    );
    return (await this.get(id))!;
  }

  async get(modelId: string): Promise<RegisteredModel | undefined> {
    const r = await this.pool.query<Row>(`select ${COLUMNS} from ${this.t} where model_id = $1`, [modelId]);
    return r.rows[0] ? toModel(r.rows[0]) : undefined;
  }

  /** The tenant a model belongs to ("" for none), or undefined for an unknown id. */
  async tenantOf(modelId: string): Promise<string | undefined> {
    const r = await this.pool.query<{ tenant_id: string }>(`select tenant_id from ${this.t} where model_id = $1`, [modelId]);
    return r.rows[0]?.tenant_id;
  }

  async artifact(modelId: string): Promise<{ kind: ModelKind; onnx: Uint8Array; tokenizer?: string } | undefined> {
    const r = await this.pool.query<{ kind: ModelKind; artifact: Buffer; tokenizer: string | null; artifact_sha256: string }>(
      `select kind, artifact, tokenizer, artifact_sha256 from ${this.t} where model_id = $1`,
      [modelId],
    );
    const row = r.rows[0];
    if (!row) return undefined;
    const onnx = new Uint8Array(row.artifact);
    if (sha256Hex(onnx) !== row.artifact_sha256) throw new AppError("internal", `artifact of ${modelId} does not match its checksum`);
    return { kind: row.kind, onnx, ...(row.tokenizer !== null ? { tokenizer: row.tokenizer } : {}) };
  }

  async approved(tenantId = ""): Promise<RegisteredModel | undefined> {
    const r = await this.pool.query<Row>(`select ${COLUMNS} from ${this.t} where tenant_id = $1 and status = 'approved'`, [tenantId]);
    return r.rows[0] ? toModel(r.rows[0]) : undefined;
  }

  async list(limit = 100): Promise<RegisteredModel[]> {
    const r = await this.pool.query<Row>(`select ${COLUMNS} from ${this.t} order by created_at desc, model_id limit $1`, [limit]);
    return r.rows.map(toModel);
  }

  /**
   * Approves a model whose diagnostics passed (FAILED_PRECONDITION otherwise, unless `force`, which
   * is recorded in the caller's logs); the tenant's previously approved model is retired.
   */
  async approve(modelId: string, opts: { force?: boolean } = {}): Promise<{ approved: RegisteredModel; retired: string | undefined }> {
    return withTransaction(this.pool, async (c) => {
      const r = await c.query<Row>(`select ${COLUMNS} from ${this.t} where model_id = $1 for update`, [modelId]);
      const m = r.rows[0];
      if (!m) throw new AppError("not_found", `unknown reward model ${modelId}`);
      if (m.status === "approved") return { approved: toModel(m), retired: undefined };
      if (!m.diagnostics_passed && !opts.force) {
        throw new AppError("failed_precondition", `reward model ${modelId} did not pass its diagnostics; approval refused`);
      }
      const prev = await c.query<{ model_id: string }>(
        `update ${this.t} set status = 'retired', status_changed_at = now() where tenant_id = $1 and status = 'approved' returning model_id`,
        [m.tenant_id],
      );
      await c.query(`update ${this.t} set status = 'approved', status_changed_at = now() where model_id = $1`, [modelId]);
      return { approved: toModel({ ...m, status: "approved" }), retired: prev.rows[0]?.model_id };
    });
  }

  async retire(modelId: string): Promise<void> {
    const r = await this.pool.query(`update ${this.t} set status = 'retired', status_changed_at = now() where model_id = $1`, [modelId]);
    if (r.rowCount === 0) throw new AppError("not_found", `unknown reward model ${modelId}`);
  }
}
