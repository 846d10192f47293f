// The service's own copy of unpaired evidence (interactions and their thumbs/outcomes), for the
// pointwise loss. Writes are idempotent (redelivered records change nothing).
import type { Pool } from "@rlhf-loop/kit";
import type { ExampleSource, TrainSingle } from "../domain/examples.js";

export interface InteractionRow {
  readonly interactionId: string;
  readonly tenantId: string;
  readonly prompt: string;
  readonly answer: string;
  readonly segment: string;
  readonly occurredAt: Date;
}

export interface LabelRow {
  readonly evidenceId: string;
  readonly interactionId: string;
  readonly tenantId: string;
  readonly source: ExampleSource;
  readonly label: number;
  readonly weight: number;
  readonly occurredAt: Date;
}

export class EvidenceStore {
  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
  ) {}

  async insertInteractions(rows: readonly InteractionRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.pool.query(
      `insert into "${this.schema}".interactions (interaction_id, tenant_id, prompt, answer, segment, occurred_at)
       select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[]) on conflict do nothing`,
      [rows.map((r) => r.interactionId), rows.map((r) => r.tenantId), rows.map((r) => r.prompt), rows.map((r) => r.answer), rows.map((r) => r.segment), rows.map((r) => r.occurredAt)],
    );
  }

  async insertLabels(rows: readonly LabelRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.pool.query(
      `insert into "${this.schema}".answer_labels (evidence_id, interaction_id, tenant_id, source, label, weight, occurred_at)
       select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::real[], $6::real[], $7::timestamptz[]) on conflict do nothing`,
      [rows.map((r) => r.evidenceId), rows.map((r) => r.interactionId), rows.map((r) => r.tenantId), rows.map((r) => r.source), rows.map((r) => r.label), rows.map((r) => r.weight), rows.map((r) => r.occurredAt)],
    );
  }

  /** Labelled answers of a tenant up to `until` (labels whose interaction has arrived). */
  async singles(tenantId: string, until: Date, limit = 200_000): Promise<TrainSingle[]> {
    const r = await this.pool.query<{ prompt: string; answer: string; label: number; weight: number; source: ExampleSource; segment: string }>(
      `select i.prompt, i.answer, l.label, l.weight, l.source, i.segment
         from "${this.schema}".answer_labels l join "${this.schema}".interactions i using (interaction_id)
        where l.tenant_id = $1 and l.occurred_at <= $2
        order by l.evidence_id limit $3`,
      [tenantId, until, limit],
    );
    return r.rows.map((x) => ({ prompt: x.prompt, answer: x.answer, label: x.label, weight: x.weight, source: x.source, ...(x.segment ? { segment: x.segment } : {}) }));
  }
}
