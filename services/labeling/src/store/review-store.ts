import type { Verdict } from "../domain/audit.js";
import type { PromptMessage } from "../domain/model.js";
import type { CriterionCheck } from "../domain/rubric.js";
import { table, toIso, toMs, type Queryable } from "./sql.js";

export interface TaskRecord {
  tenantId: string;
  taskId: string;
  candidateKey: string;
  interactionA: string;
  interactionB: string;
  stratum: string;
  inclusionProbability: number;
  samplingWeight: number;
  /** Undefined for gold items. */
  judgmentsRequired: number | undefined;
  goldChoice: Verdict | undefined;
  createdAtMs: number;
  closed: boolean;
}

export interface TaskView extends TaskRecord {
  prompt: PromptMessage[];
  answerA: string;
  answerB: string;
  promptHash: string;
  groupKey: string;
}

interface TaskRow extends Record<string, unknown> {
  tenant_id: string;
  task_id: string;
  candidate_key: string;
  interaction_a: string;
  interaction_b: string;
  stratum: string;
  inclusion_probability: number;
  sampling_weight: number;
  judgments_required: number | null;
  gold_choice: Verdict | null;
  created_at: Date;
  closed_at: Date | null;
}

function toTask(r: TaskRow): TaskRecord {
  return {
    tenantId: r.tenant_id,
    taskId: r.task_id,
    candidateKey: r.candidate_key,
    interactionA: r.interaction_a,
    interactionB: r.interaction_b,
    stratum: r.stratum,
    inclusionProbability: r.inclusion_probability,
    samplingWeight: r.sampling_weight,
    judgmentsRequired: r.judgments_required ?? undefined,
    goldChoice: r.gold_choice ?? undefined,
    createdAtMs: toMs(r.created_at),
    closed: r.closed_at !== null,
  };
}

/** Records that a pair of answers was considered in `stratum`; returns every stratum it has been considered in. */
export async function considerCandidate(db: Queryable, schema: string, tenantId: string, key: string, stratum: string): Promise<{ strata: string[]; isNew: boolean }> {
  const res = await db.query<{ strata: string[]; fresh: boolean }>(
    `insert into ${table(schema, "review_candidates")} as c (tenant_id, candidate_key, strata) values ($1, $2, array[$3])
     on conflict (tenant_id, candidate_key) do update
       set strata = case when $3 = any(c.strata) then c.strata else c.strata || $3 end
     returning strata, (xmax = 0) as fresh`,
    [tenantId, key, stratum],
  );
  const row = res.rows[0];
  return { strata: row?.strata ?? [stratum], isNew: row?.fresh ?? true };
}

export async function taskForCandidate(db: Queryable, schema: string, tenantId: string, key: string): Promise<TaskRecord | undefined> {
  const res = await db.query<TaskRow>(`select * from ${table(schema, "review_tasks")} where tenant_id = $1 and candidate_key = $2`, [tenantId, key]);
  return res.rows[0] ? toTask(res.rows[0]) : undefined;
}

export async function insertTask(db: Queryable, schema: string, t: Omit<TaskRecord, "createdAtMs" | "closed">): Promise<boolean> {
  const res = await db.query(
    `insert into ${table(schema, "review_tasks")} (tenant_id, task_id, candidate_key, interaction_a, interaction_b, stratum, inclusion_probability, sampling_weight, judgments_required, gold_choice)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict do nothing`,
    [t.tenantId, t.taskId, t.candidateKey, t.interactionA, t.interactionB, t.stratum, t.inclusionProbability, t.samplingWeight, t.judgmentsRequired ?? null, t.goldChoice ?? null],
  );
  return (res.rowCount ?? 0) > 0;
}

export async function getTask(db: Queryable, schema: string, tenantId: string, taskId: string, forUpdate = false): Promise<TaskRecord | undefined> {
  const res = await db.query<TaskRow>(`select * from ${table(schema, "review_tasks")} where tenant_id = $1 and task_id = $2${forUpdate ? " for update" : ""}`, [tenantId, taskId]);
  return res.rows[0] ? toTask(res.rows[0]) : undefined;
}

/** A task with the prompt and both answers, in the order shown. */
export async function taskView(db: Queryable, schema: string, t: TaskRecord): Promise<TaskView> {
  const res = await db.query<{ interaction_id: string; prompt: PromptMessage[]; answer: string; prompt_hash: string; group_key: string }>(
    `select interaction_id, prompt, answer, prompt_hash, group_key from ${table(schema, "answers")} where tenant_id = $1 and interaction_id = any($2::text[])`,
    [t.tenantId, [t.interactionA, t.interactionB]],
  );
  const by = new Map(res.rows.map((r) => [r.interaction_id, r]));
  const a = by.get(t.interactionA);
  const b = by.get(t.interactionB);
  if (!a || !b) throw new Error(`task ${t.taskId} refers to answers that are not stored`);
  return { ...t, prompt: a.prompt, answerA: a.answer, answerB: b.answer, promptHash: a.prompt_hash, groupKey: a.group_key };
}

/** How many judgments a rater has made (drives the gold mix-in). */
export async function judgmentCount(db: Queryable, schema: string, tenantId: string, raterId: string): Promise<number> {
  const res = await db.query<{ n: number }>(`select count(*)::int as n from ${table(schema, "judgments")} where tenant_id = $1 and rater_id = $2`, [tenantId, raterId]);
  return res.rows[0]?.n ?? 0;
}

/**
 * Leases the next task for a rater inside the caller's transaction: a task they already hold,
 * else (gold first when `preferGold`) an open task they have not judged and that still has a
 * free slot (judgments plus other raters' live leases below the required count).
 */
export async function leaseNextTask(db: Queryable, schema: string, tenantId: string, raterId: string, leaseMs: number, preferGold: boolean): Promise<TaskRecord | undefined> {
  const tasks = table(schema, "review_tasks");
  const leases = table(schema, "task_leases");
  const judgments = table(schema, "judgments");
  const held = await db.query<TaskRow>(
    `select t.* from ${leases} l join ${tasks} t using (tenant_id, task_id)
      where l.tenant_id = $1 and l.rater_id = $2 and l.leased_until > now() and t.closed_at is null
        and not exists (select 1 from ${judgments} j where j.tenant_id = t.tenant_id and j.task_id = t.task_id and j.rater_id = $2)
      order by t.created_at limit 1`,
    [tenantId, raterId],
  );
  if (held.rows[0]) return toTask(held.rows[0]);
  const gold = `select t.* from ${tasks} t
      where t.tenant_id = $1 and t.closed_at is null and t.gold_choice is not null
        and not exists (select 1 from ${judgments} j where j.tenant_id = t.tenant_id and j.task_id = t.task_id and j.rater_id = $2)
      order by t.created_at, t.task_id limit 1 for update of t skip locked`;
  const regular = `select t.* from ${tasks} t
      where t.tenant_id = $1 and t.closed_at is null and t.gold_choice is null
        and not exists (select 1 from ${judgments} j where j.tenant_id = t.tenant_id and j.task_id = t.task_id and j.rater_id = $2)
        and (select count(*) from ${judgments} j where j.tenant_id = t.tenant_id and j.task_id = t.task_id)
          + (select count(*) from ${leases} l where l.tenant_id = t.tenant_id and l.task_id = t.task_id and l.rater_id <> $2 and l.leased_until > now())
          < t.judgments_required
      order by t.created_at, t.task_id limit 1 for update of t skip locked`;
  let picked: TaskRow | undefined;
  for (const q of preferGold ? [gold, regular] : [regular, gold]) {
    picked = (await db.query<TaskRow>(q, [tenantId, raterId])).rows[0];
    if (picked) break;
  }
  if (!picked) return undefined;
  await db.query(
    `insert into ${leases} (tenant_id, task_id, rater_id, leased_until) values ($1, $2, $3, now() + ($4 || ' milliseconds')::interval)
     on conflict (tenant_id, task_id, rater_id) do update set leased_until = excluded.leased_until`,
    [tenantId, picked.task_id, raterId, String(leaseMs)],
  );
  return toTask(picked);
}

export interface JudgmentRecord {
  tenantId: string;
  judgmentId: string;
  taskId: string;
  raterId: string;
  choice: Verdict;
  criteria: CriterionCheck[];
  rubricVersion: string;
  comment: string;
  superseded: boolean;
  submittedAtMs: number;
}

/** Inserts a judgment (false when this rater already judged the task) and closes full tasks. */
export async function insertJudgment(db: Queryable, schema: string, j: JudgmentRecord, task: TaskRecord): Promise<boolean> {
  const res = await db.query(
    `insert into ${table(schema, "judgments")} (tenant_id, judgment_id, task_id, rater_id, choice, criteria, rubric_version, comment, superseded, submitted_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) on conflict do nothing`,
    [j.tenantId, j.judgmentId, j.taskId, j.raterId, j.choice, JSON.stringify(j.criteria), j.rubricVersion, j.comment, j.superseded, toIso(j.submittedAtMs)],
  );
  if ((res.rowCount ?? 0) === 0) return false;
  await db.query(`delete from ${table(schema, "task_leases")} where tenant_id = $1 and task_id = $2 and rater_id = $3`, [j.tenantId, j.taskId, j.raterId]);
  if (task.judgmentsRequired !== undefined) {
    await db.query(
      `update ${table(schema, "review_tasks")} t set closed_at = now()
        where tenant_id = $1 and task_id = $2 and closed_at is null
          and (select count(*) from ${table(schema, "judgments")} j where j.tenant_id = t.tenant_id and j.task_id = t.task_id) >= t.judgments_required`,
      [j.tenantId, j.taskId],
    );
  }
  return true;
}

/** Judgments in a window with each task's gold answer, for the audit. */
export async function judgmentsForAudit(db: Queryable, schema: string, tenantId: string, fromMs: number, toMs_: number): Promise<{ taskId: string; raterId: string; choice: Verdict; gold: Verdict | undefined }[]> {
  const res = await db.query<{ task_id: string; rater_id: string; choice: Verdict; gold_choice: Verdict | null }>(
    `select j.task_id, j.rater_id, j.choice, t.gold_choice from ${table(schema, "judgments")} j join ${table(schema, "review_tasks")} t using (tenant_id, task_id)
      where j.tenant_id = $1 and j.submitted_at >= $2 and j.submitted_at < $3 order by j.submitted_at`,
    [tenantId, toIso(fromMs), toIso(toMs_)],
  );
  return res.rows.map((r) => ({ taskId: r.task_id, raterId: r.rater_id, choice: r.choice, gold: r.gold_choice ?? undefined }));
}

export async function openTaskCount(db: Queryable, schema: string): Promise<number> {
  const res = await db.query<{ n: number }>(`select count(*)::int as n from ${table(schema, "review_tasks")} where closed_at is null and gold_choice is null`);
  return res.rows[0]?.n ?? 0;
}
