import type { Pool } from "@rlhf-loop/kit";

export interface StoredSummary {
  interactions: number;
  feedback: number;
  parked: number;
  byKind: { kind: string; source: string; n: number }[];
  bySegment: { segment: string; n: number }[];
  example: { interaction_id: string; prompt: string; answer: string; feedback: string } | undefined;
}

// The CLI composes the services (DESIGN.md), so it may read ingestion's schema to show what was stored.
export async function storedSummary(pool: Pool, schema = "ingestion"): Promise<StoredSummary> {
  const one = async (sql: string) => Number((await pool.query<{ n: string }>(sql)).rows[0]?.n ?? 0);
  const interactions = await one(`select count(*)::text as n from ${schema}.interactions`);
  const feedback = await one(`select count(*)::text as n from ${schema}.feedback`);
  const parked = await one(`select count(*)::text as n from ${schema}.parked_feedback`);
  const byKind = (
    await pool.query<{ kind: string; source: string; n: string }>(
      `select kind, source, count(*)::text as n from ${schema}.feedback group by 1, 2 order by 1, 2`,
    )
  ).rows.map((r) => ({ kind: r.kind, source: r.source, n: Number(r.n) }));
  const bySegment = (
    await pool.query<{ segment: string; n: string }>(`select segment, count(*)::text as n from ${schema}.interactions group by 1 order by 2 desc`)
  ).rows.map((r) => ({ segment: r.segment, n: Number(r.n) }));
  const example = (
    await pool.query<{ interaction_id: string; prompt: string; answer: string; feedback: string }>(
      `select i.interaction_id, i.prompt->-1->>'content' as prompt, i.answer, f.kind || ' ' || f.detail::text as feedback
         from ${schema}.feedback f join ${schema}.interactions i using (tenant_id, interaction_id)
        where f.kind = 'thumb' order by i.occurred_at limit 1`,
    )
  ).rows[0];
  return { interactions, feedback, parked, byKind, bySegment, example };
}

/** Polls until the stored rows stop changing and reach `expected` (bounded by `timeoutMs`). */
export async function waitUntilStored(pool: Pool, expected: number, timeoutMs: number, schema = "ingestion"): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let stored = 0;
  while (Date.now() < deadline) {
    const r = await pool.query<{ n: string }>(
      `select ((select count(*) from ${schema}.interactions) + (select count(*) from ${schema}.feedback) + (select count(*) from ${schema}.parked_feedback))::text as n`,
    );
    stored = Number(r.rows[0]?.n ?? 0);
    if (stored >= expected) return stored;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return stored;
}

export function printSummary(s: StoredSummary, schema: string, out: NodeJS.WritableStream = process.stdout): void {
  const lines = [
    "",
    `what ingestion stored (Postgres, schema ${schema})`,
    `  interactions           ${s.interactions}`,
    ...s.bySegment.map((x) => `    segment ${x.segment.padEnd(14)} ${x.n}`),
    `  feedback and outcomes  ${s.feedback}`,
    ...s.byKind.map((x) => `    ${`${x.kind} / ${x.source}`.padEnd(36)} ${x.n}`),
    `  parked (interaction not seen yet)  ${s.parked}`,
  ];
  if (s.example) {
    lines.push("", "an example, tied to its exact prompt and answer:");
    lines.push(`  interaction ${s.example.interaction_id}`, `  prompt   ${s.example.prompt}`, `  answer   ${s.example.answer.slice(0, 160)}${s.example.answer.length > 160 ? "..." : ""}`, `  feedback ${s.example.feedback}`);
  }
  out.write(`${lines.join("\n")}\n`);
}
