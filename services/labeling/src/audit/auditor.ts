import { withTransaction } from "@rlhf-loop/kit";
import type { Logger, Pool } from "@rlhf-loop/kit";
import type { AuditPolicy, AuditReport } from "../domain/audit.js";
import { auditJudgments } from "../domain/audit.js";
import { stableId } from "../domain/hash.js";
import type { LabelingMetrics } from "../metrics.js";
import { judgmentsForAudit } from "../store/review-store.js";
import { table, toIso, toMs, type Queryable } from "../store/sql.js";

export interface StoredAudit {
  auditId: string;
  tenantId: string;
  fromMs: number;
  toMs: number;
  report: AuditReport;
  createdAtMs: number;
}

/**
 * The consistency audit over a window (weekly by default): agreement per rater pair and
 * overall, accuracy on gold; raters below the thresholds are flagged and their judgments
 * down-weighted in later snapshots. A rater stays flagged until an audit in which they pass;
 * raters absent from a window keep their status.
 */
export class Auditor {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly options: { schema: string; policy: AuditPolicy; windowMs: number; intervalMs: number },
    private readonly metrics: LabelingMetrics,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.options.intervalMs <= 0) return;
    this.timer = setInterval(() => void this.runAll(Date.now()).catch((err: unknown) => this.logger.warn({ err }, "scheduled audit failed")), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Audits every tenant with judgments in the window ending at `toMs`. */
  async runAll(toMs_: number): Promise<StoredAudit[]> {
    const from = toMs_ - this.options.windowMs;
    const res = await this.pool.query<{ tenant_id: string }>(`select distinct tenant_id from ${table(this.options.schema, "judgments")} where submitted_at >= $1 and submitted_at < $2`, [
      toIso(from),
      toIso(toMs_),
    ]);
    const out: StoredAudit[] = [];
    for (const r of res.rows) out.push(await this.run(r.tenant_id, from, toMs_));
    return out;
  }

  async run(tenantId: string, fromMs: number, toMs_: number): Promise<StoredAudit> {
    const { schema, policy } = this.options;
    const judgments = await judgmentsForAudit(this.pool, schema, tenantId, fromMs, toMs_);
    const report = auditJudgments(judgments, policy);
    const auditId = stableId("aud_", tenantId, String(fromMs), String(toMs_), String(Date.now()));
    await withTransaction(this.pool, async (c) => {
      await c.query(`insert into ${table(schema, "audits")} (tenant_id, audit_id, window_from, window_to, report) values ($1, $2, $3, $4, $5)`, [
        tenantId,
        auditId,
        toIso(fromMs),
        toIso(toMs_),
        JSON.stringify(report),
      ]);
      for (const r of report.raters) {
        await c.query(
          `insert into ${table(schema, "rater_status")} (tenant_id, rater_id, flagged, weight_factor, reasons, audit_id, updated_at) values ($1, $2, $3, $4, $5, $6, now())
           on conflict (tenant_id, rater_id) do update set flagged = excluded.flagged, weight_factor = excluded.weight_factor, reasons = excluded.reasons, audit_id = excluded.audit_id, updated_at = now()`,
          [tenantId, r.raterId, r.flagged, r.weightFactor, JSON.stringify(r.reasons), auditId],
        );
      }
    });
    const flagged = report.raters.filter((r) => r.flagged);
    this.metrics.audit(tenantId, report.alpha, flagged.length);
    this.logger.info(
      { tenant: tenantId, auditId, judgments: report.judgments, alpha: report.alpha, goldAccuracy: report.goldAccuracy, flagged: flagged.map((r) => ({ rater: r.raterId, reasons: r.reasons })) },
      "consistency audit done",
    );
    return { auditId, tenantId, fromMs, toMs: toMs_, report, createdAtMs: Date.now() };
  }

  async latest(db: Queryable, tenantId: string): Promise<StoredAudit | undefined> {
    const res = await db.query<{ audit_id: string; window_from: Date; window_to: Date; report: AuditReport; created_at: Date }>(
      `select audit_id, window_from, window_to, report, created_at from ${table(this.options.schema, "audits")} where tenant_id = $1 order by created_at desc limit 1`,
      [tenantId],
    );
    const r = res.rows[0];
    return r ? { auditId: r.audit_id, tenantId, fromMs: toMs(r.window_from), toMs: toMs(r.window_to), report: r.report, createdAtMs: toMs(r.created_at) } : undefined;
  }
}
