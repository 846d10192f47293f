// Postgres store of the canary schema. Writes are idempotent: a redelivered event writes the same row.
import { checkSchemaName, type Pool } from "@rlhf-loop/kit";
import type { CanaryReportDoc, CanarySet, CanaryTask, Decision } from "../domain/types.js";

export interface TrafficRow {
  readonly tenantId: string;
  readonly interactionId: string;
  readonly conversationId: string;
  readonly intent: string;
  readonly segment: string;
  readonly purpose: string;
  readonly prompt: string;
  readonly answer: string;
  readonly occurredAt: Date | null;
}

export interface ExpertComparisonRow {
  readonly tenantId: string;
  readonly feedbackId: string;
  readonly interactionId: string;
  readonly otherInteractionId: string;
  readonly choice: "this" | "other" | "tie";
  readonly raterId: string;
  readonly rubricVersion: string;
}

export interface PolicyRow {
  readonly policyVersion: string;
  readonly tenantId: string;
  readonly runId: string;
  readonly rewardModelId: string;
  readonly final: boolean;
  readonly createdAt: Date | null;
  readonly stopReason: string;
  readonly stopDetail: string;
}

export type ReportStatus = "queued" | "running" | "done" | "failed";

export interface ReportRow {
  readonly reportId: string;
  readonly tenantId: string;
  readonly candidateVersion: string;
  readonly canarySetId: string;
  readonly productionVersion: string;
  readonly rewardModelId: string;
  readonly runId: string;
  readonly status: ReportStatus;
  readonly stage: string;
  readonly done: number;
  readonly total: number;
  readonly error: string;
  readonly decision: Decision | "";
  readonly doc: CanaryReportDoc | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface ServingRow {
  readonly tenantId: string;
  readonly policyVersion: string;
  readonly reportId: string;
  readonly promotedAt: Date;
}

type Raw = Record<string, unknown>;

function reportOf(r: Raw): ReportRow {
  return {
    reportId: String(r["report_id"]),
    tenantId: String(r["tenant_id"]),
    candidateVersion: String(r["candidate_version"]),
    canarySetId: String(r["canary_set_id"]),
    productionVersion: String(r["production_version"]),
    rewardModelId: String(r["reward_model_id"]),
    runId: String(r["run_id"]),
    status: r["status"] as ReportStatus,
    stage: String(r["stage"]),
    done: Number(r["done"]),
    total: Number(r["total"]),
    error: String(r["error"]),
    decision: String(r["decision"]) as Decision | "",
    doc: (r["doc"] as CanaryReportDoc | null) ?? null,
    createdAt: r["created_at"] as Date,
    updatedAt: r["updated_at"] as Date,
  };
}

function setOf(r: Raw): CanarySet {
  return {
    setId: String(r["set_id"]),
    tenantId: String(r["tenant_id"]),
    version: Number(r["version"]),
    source: r["source"] as CanarySet["source"],
    createdAt: (r["created_at"] as Date).toISOString(),
    tasks: r["tasks"] as CanaryTask[],
  };
}

export class CanaryStore {
  private readonly s: string;
  constructor(
    private readonly pool: Pool,
    schema: string,
  ) {
    this.s = checkSchemaName(schema);
  }

  async insertTraffic(rows: readonly TrafficRow[]): Promise<void> {
    if (rows.length === 0) return;
    const vals: unknown[] = [];
    const tuples = rows.map((r) => {
      vals.push(r.tenantId, r.interactionId, r.conversationId, r.intent, r.segment, r.purpose, r.prompt, r.answer, r.occurredAt);
      const b = vals.length - 9;
      return `($${b + 1},$${b + 2},$${b + 3},$${b + 4},$${b + 5},$${b + 6},$${b + 7},$${b + 8},$${b + 9})`;
    });
    await this.pool.query(
      `insert into ${this.s}.traffic (tenant_id, interaction_id, conversation_id, intent, segment, purpose, prompt, answer, occurred_at) values ${tuples.join(",")} on conflict do nothing`,
      vals,
    );
  }

  /** Held-out chats (not regenerations, not expert reviews) of a tenant since a time, oldest first. */
  async trafficPool(tenantId: string, since: Date | null, limit: number): Promise<TrafficRow[]> {
    const res = await this.pool.query(
      `select * from ${this.s}.traffic where tenant_id = $1 and purpose = 'chat' and ($2::timestamptz is null or occurred_at >= $2) order by occurred_at desc nulls last, interaction_id limit $3`,
      [tenantId, since, limit],
    );
    return res.rows.map((r: Raw) => ({
      tenantId: String(r["tenant_id"]),
      interactionId: String(r["interaction_id"]),
      conversationId: String(r["conversation_id"]),
      intent: String(r["intent"]),
      segment: String(r["segment"]),
      purpose: String(r["purpose"]),
      prompt: String(r["prompt"]),
      answer: String(r["answer"]),
      occurredAt: (r["occurred_at"] as Date | null) ?? null,
    }));
  }

  async insertExpertComparisons(rows: readonly ExpertComparisonRow[]): Promise<void> {
    for (const r of rows) {
      await this.pool.query(
        `insert into ${this.s}.expert_comparisons (tenant_id, feedback_id, interaction_id, other_interaction_id, choice, rater_id, rubric_version) values ($1,$2,$3,$4,$5,$6,$7) on conflict do nothing`,
        [r.tenantId, r.feedbackId, r.interactionId, r.otherInteractionId, r.choice, r.raterId, r.rubricVersion],
      );
    }
  }

  /** Expert comparisons touching these interactions, with both answers where both are held out. */
  async expertComparisonsFor(tenantId: string, interactionIds: readonly string[]): Promise<{ interactionId: string; preferred: string; other: string; raterId: string; rubricVersion: string }[]> {
    if (interactionIds.length === 0) return [];
    const res = await this.pool.query(
      `select e.interaction_id, e.choice, e.rater_id, e.rubric_version, a.answer as this_answer, b.answer as other_answer
         from ${this.s}.expert_comparisons e
         join ${this.s}.traffic a on a.tenant_id = e.tenant_id and a.interaction_id = e.interaction_id
         join ${this.s}.traffic b on b.tenant_id = e.tenant_id and b.interaction_id = e.other_interaction_id
        where e.tenant_id = $1 and e.choice <> 'tie' and (e.interaction_id = any($2) or e.other_interaction_id = any($2))`,
      [tenantId, interactionIds],
    );
    return res.rows.map((r: Raw) => {
      const thisWins = r["choice"] === "this";
      return {
        interactionId: String(r["interaction_id"]),
        preferred: String(thisWins ? r["this_answer"] : r["other_answer"]),
        other: String(thisWins ? r["other_answer"] : r["this_answer"]),
        raterId: String(r["rater_id"]),
        rubricVersion: String(r["rubric_version"]),
      };
    });
  }

  /** Stores a set as the tenant's next version (versions count up per tenant). */
  async createSet(tenantId: string, setId: string, source: CanarySet["source"], tasks: readonly CanaryTask[]): Promise<CanarySet> {
    const res = await this.pool.query(
      `insert into ${this.s}.canary_sets (set_id, tenant_id, version, source, tasks)
       values ($1, $2, coalesce((select max(version) from ${this.s}.canary_sets where tenant_id = $2), 0) + 1, $3, $4) returning *`,
      [setId, tenantId, source, JSON.stringify(tasks)],
    );
    return setOf(res.rows[0] as Raw);
  }

  async getSet(setId: string): Promise<CanarySet | undefined> {
    const res = await this.pool.query(`select * from ${this.s}.canary_sets where set_id = $1`, [setId]);
    return res.rows[0] ? setOf(res.rows[0] as Raw) : undefined;
  }

  async latestSet(tenantId: string): Promise<CanarySet | undefined> {
    const res = await this.pool.query(`select * from ${this.s}.canary_sets where tenant_id = $1 order by version desc limit 1`, [tenantId]);
    return res.rows[0] ? setOf(res.rows[0] as Raw) : undefined;
  }

  async listSets(tenantId: string): Promise<{ setId: string; version: number; source: string; createdAt: string; tasks: number }[]> {
    const res = await this.pool.query(`select set_id, version, source, created_at, jsonb_array_length(tasks) as n from ${this.s}.canary_sets where tenant_id = $1 order by version desc`, [tenantId]);
    return res.rows.map((r: Raw) => ({ setId: String(r["set_id"]), version: Number(r["version"]), source: String(r["source"]), createdAt: (r["created_at"] as Date).toISOString(), tasks: Number(r["n"]) }));
  }

  async upsertPolicy(p: PolicyRow): Promise<void> {
    await this.pool.query(
      `insert into ${this.s}.policies (policy_version, tenant_id, run_id, reward_model_id, final, created_at, stop_reason, stop_detail) values ($1,$2,$3,$4,$5,$6,$7,$8)
       on conflict (policy_version) do update set final = excluded.final or ${this.s}.policies.final,
         stop_reason = case when excluded.stop_reason <> '' then excluded.stop_reason else ${this.s}.policies.stop_reason end,
         stop_detail = case when excluded.stop_reason <> '' then excluded.stop_detail else ${this.s}.policies.stop_detail end`,
      [p.policyVersion, p.tenantId, p.runId, p.rewardModelId, p.final, p.createdAt, p.stopReason, p.stopDetail],
    );
  }

  async policy(version: string): Promise<PolicyRow | undefined> {
    const res = await this.pool.query(`select * from ${this.s}.policies where policy_version = $1`, [version]);
    const r = res.rows[0] as Raw | undefined;
    if (!r) return undefined;
    return {
      policyVersion: String(r["policy_version"]), tenantId: String(r["tenant_id"]), runId: String(r["run_id"]), rewardModelId: String(r["reward_model_id"]),
      final: r["final"] === true, createdAt: (r["created_at"] as Date | null) ?? null, stopReason: String(r["stop_reason"]), stopDetail: String(r["stop_detail"]),
    };
  }

  /** Queues a run; an existing (tenant, candidate, set) run is returned as it is (idempotent). */
  async queueReport(r: Pick<ReportRow, "reportId" | "tenantId" | "candidateVersion" | "canarySetId" | "productionVersion" | "rewardModelId" | "runId">): Promise<{ row: ReportRow; created: boolean }> {
    const ins = await this.pool.query(
      `insert into ${this.s}.reports (report_id, tenant_id, candidate_version, canary_set_id, production_version, reward_model_id, run_id, status)
       values ($1,$2,$3,$4,$5,$6,$7,'queued') on conflict (tenant_id, candidate_version, canary_set_id) do nothing returning *`,
      [r.reportId, r.tenantId, r.candidateVersion, r.canarySetId, r.productionVersion, r.rewardModelId, r.runId],
    );
    if (ins.rows[0]) return { row: reportOf(ins.rows[0] as Raw), created: true };
    const res = await this.pool.query(`select * from ${this.s}.reports where tenant_id = $1 and candidate_version = $2 and canary_set_id = $3`, [r.tenantId, r.candidateVersion, r.canarySetId]);
    return { row: reportOf(res.rows[0] as Raw), created: false };
  }

  /** Progress of a run not finished yet: a write that lands after the report is done or failed changes nothing. */
  async progress(reportId: string, status: ReportStatus, stage: string, done: number, total: number): Promise<void> {
    await this.pool.query(
      `update ${this.s}.reports set status = $2, stage = $3, done = $4, total = $5, updated_at = now() where report_id = $1 and status in ('queued', 'running')`,
      [reportId, status, stage, done, total],
    );
  }

  async finishReport(reportId: string, doc: CanaryReportDoc): Promise<void> {
    await this.pool.query(`update ${this.s}.reports set status = 'done', stage = 'done', decision = $2, doc = $3, production_version = $4, updated_at = now() where report_id = $1`, [reportId, doc.decision, JSON.stringify(doc), doc.productionVersion]);
  }

  async failReport(reportId: string, error: string): Promise<void> {
    await this.pool.query(`update ${this.s}.reports set status = 'failed', error = $2, updated_at = now() where report_id = $1`, [reportId, error.slice(0, 2000)]);
  }

  /** A failed run can be tried again: back to queued. */
  async requeue(reportId: string): Promise<void> {
    await this.pool.query(`update ${this.s}.reports set status = 'queued', error = '', stage = '', done = 0, total = 0, updated_at = now() where report_id = $1 and status = 'failed'`, [reportId]);
  }

  async report(reportId: string): Promise<ReportRow | undefined> {
    const res = await this.pool.query(`select * from ${this.s}.reports where report_id = $1`, [reportId]);
    return res.rows[0] ? reportOf(res.rows[0] as Raw) : undefined;
  }

  async listReports(tenantId: string, limit = 50): Promise<ReportRow[]> {
    const res = await this.pool.query(`select report_id, tenant_id, candidate_version, canary_set_id, production_version, reward_model_id, run_id, status, stage, done, total, error, decision, null as doc, created_at, updated_at from ${this.s}.reports where tenant_id = $1 order by created_at desc limit $2`, [tenantId, limit]);
    return res.rows.map((r: Raw) => reportOf(r));
  }

  async unfinishedReports(): Promise<string[]> {
    const res = await this.pool.query(`select report_id from ${this.s}.reports where status in ('queued', 'running') order by created_at`);
    return res.rows.map((r: Raw) => String(r["report_id"]));
  }

  async serving(tenantId: string): Promise<ServingRow | undefined> {
    const res = await this.pool.query(`select * from ${this.s}.serving where tenant_id = $1`, [tenantId]);
    const r = res.rows[0] as Raw | undefined;
    return r ? { tenantId, policyVersion: String(r["policy_version"]), reportId: String(r["report_id"]), promotedAt: r["promoted_at"] as Date } : undefined;
  }

  /** Records a promotion unless a newer one is already in force. */
  async promote(tenantId: string, policyVersion: string, reportId: string, at: Date): Promise<void> {
    await this.pool.query(
      `insert into ${this.s}.serving (tenant_id, policy_version, report_id, promoted_at) values ($1,$2,$3,$4)
       on conflict (tenant_id) do update set policy_version = excluded.policy_version, report_id = excluded.report_id, promoted_at = excluded.promoted_at
       where ${this.s}.serving.promoted_at < excluded.promoted_at`,
      [tenantId, policyVersion, reportId, at],
    );
  }

  /**
   * Claims event keys and merges the weekly partials `build` makes from the newly claimed ones, in one
   * transaction: a redelivered event is claimed by nobody and counted once.
   */
  async foldWeeks<T>(keys: readonly string[], build: (fresh: ReadonlySet<string>) => { tenantId: string; weekStart: string; partial: T }[], merge: (stored: T, partial: T) => T): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query("begin");
      const claimed = keys.length
        ? await client.query(`insert into ${this.s}.watched_events (event_key) select unnest($1::text[]) on conflict do nothing returning event_key`, [[...new Set(keys)]])
        : { rows: [] };
      const fresh = new Set(claimed.rows.map((r: Raw) => String(r["event_key"])));
      for (const p of build(fresh)) {
        // Insert first: a concurrent first insert of the same week waits on the key and then
        // merges below, where a select-then-insert would let the second writer overwrite the first.
        const inserted = await client.query(
          `insert into ${this.s}.weeks (tenant_id, week_start, aggregate) values ($1,$2,$3) on conflict (tenant_id, week_start) do nothing returning 1`,
          [p.tenantId, p.weekStart, JSON.stringify(p.partial)],
        );
        if ((inserted.rowCount ?? 0) > 0) continue;
        const res = await client.query(`select aggregate from ${this.s}.weeks where tenant_id = $1 and week_start = $2 for update`, [p.tenantId, p.weekStart]);
        const next = merge((res.rows[0] as Raw)["aggregate"] as T, p.partial);
        await client.query(`update ${this.s}.weeks set aggregate = $3, updated_at = now() where tenant_id = $1 and week_start = $2`, [p.tenantId, p.weekStart, JSON.stringify(next)]);
      }
      await client.query("commit");
    } catch (e) {
      await client.query("rollback");
      throw e;
    } finally {
      client.release();
    }
  }

  /** A tenant's weeks, oldest first: all of them, or only the latest `limit`. */
  async weeks<T>(tenantId: string, opts: { limit?: number } = {}): Promise<{ weekStart: string; aggregate: T }[]> {
    const res = await this.pool.query(
      `select to_char(week_start, 'YYYY-MM-DD') as w, aggregate from ${this.s}.weeks where tenant_id = $1 order by week_start desc limit $2`,
      [tenantId, opts.limit ?? null],
    );
    return res.rows.map((r: Raw) => ({ weekStart: String(r["w"]), aggregate: r["aggregate"] as T })).reverse();
  }

  async saveTracking<T>(tenantId: string, weekStart: string, setId: string, point: T): Promise<void> {
    await this.pool.query(
      `insert into ${this.s}.tracking (tenant_id, week_start, set_id, point) values ($1,$2,$3,$4)
       on conflict (tenant_id, week_start, set_id) do update set point = excluded.point, created_at = now()`,
      [tenantId, weekStart, setId, JSON.stringify(point)],
    );
  }

  /** Tracking points of a tenant, oldest week first. */
  async tracking<T>(tenantId: string): Promise<T[]> {
    const res = await this.pool.query(`select point from ${this.s}.tracking where tenant_id = $1 order by week_start, created_at`, [tenantId]);
    return res.rows.map((r: Raw) => r["point"] as T);
  }

  async tenantsWithSets(): Promise<string[]> {
    const res = await this.pool.query(`select distinct tenant_id from ${this.s}.canary_sets order by tenant_id`);
    return res.rows.map((r: Raw) => String(r["tenant_id"]));
  }
}
