/**
 * The metric conventions of issue 9, as pure checks over a parsed exposition: promtool's lint
 * (counters end in _total, base units, ...), the rlhf_ prefix, agreement with the code, the
 * service label, and bounded labels. Each returns a list of problems (empty = fine).
 */
import type { Family } from "./exposition.js";
import { promtool } from "./exposition.js";
import type { Catalog } from "./metric-catalog.js";

/** Label names that would carry a per-user, per-request or secret value: never allowed. */
export const FORBIDDEN_LABELS: ReadonlySet<string> = new Set([
  "user_id", "user", "prompt", "prompt_hash", "answer", "text", "message", "comment", "interaction_id", "conversation_id",
  "feedback_id", "event_id", "idempotency_key", "api_key", "key", "token", "secret", "password", "rater_id", "rater", "email",
  "run_id", "task_id", "pair_id", "request_id", "trace_id", "session_id",
]);

/** Families prom-client's default collectors add (process and Node.js runtime). */
export const DEFAULT_PREFIXES = ["process_", "nodejs_"] as const;

/**
 * promtool findings on prom-client's own default metrics, which this repo does not name:
 * gauges called *_total (prometheus/client_js#283, open upstream). kit could drop them after
 * collectDefaultMetrics (`registry.removeSingleMetric(...)`); `sum without (type)
 * (nodejs_active_handles)` gives the same number. Anything else promtool says fails the test.
 */
export const UPSTREAM_LINT: readonly string[] = [
  'nodejs_active_handles_total non-counter metrics should not have "_total" suffix',
  'nodejs_active_requests_total non-counter metrics should not have "_total" suffix',
  'nodejs_active_resources_total non-counter metrics should not have "_total" suffix',
];

/** `promtool check metrics` over an exposition: its problems, minus the known upstream ones. */
export function lintExposition(text: string): { code: number; problems: string[]; tolerated: string[] } {
  const { code, output } = promtool(["check", "metrics"], text);
  const lines = output.split("\n").map((l) => l.trim()).filter((l) => l.length > 0);
  const tolerated = lines.filter((l) => UPSTREAM_LINT.includes(l));
  const problems = lines.filter((l) => !UPSTREAM_LINT.includes(l));
  // promtool exits 3 for lint findings; any other non-zero code is a parse error.
  if (code !== 0 && code !== 3) problems.push(`promtool exited ${code}`);
  if (code === 3 && problems.length === 0 && tolerated.length === 0) problems.push("promtool exited 3 without saying why");
  return { code, problems, tolerated };
}

const NON_BASE_UNIT = /_(ms|millis|milliseconds|us|micros|microseconds|ns|nanoseconds|sec|secs|minutes|hours|days|kb|kib|mb|mib|gb|gib|percent|pct)(_|$)/;

/** Prefix, help, _total, base units, and agreement with the metric definitions in the code. */
export function namingProblems(service: string, families: ReadonlyMap<string, Family>, catalog: Catalog): string[] {
  const out: string[] = [];
  for (const f of families.values()) {
    if (DEFAULT_PREFIXES.some((p) => f.name.startsWith(p))) continue;
    if (!f.name.startsWith("rlhf_")) {
      out.push(`${service}: ${f.name} lacks the rlhf_ prefix`);
      continue;
    }
    const def = catalog.byName.get(f.name);
    if (!def) out.push(`${service}: ${f.name} is not defined in services/*/src (or the catalog cannot read its definition)`);
    else if (def.type !== f.type) out.push(`${service}: ${f.name} is a ${f.type}, the code says ${def.type}`);
    if (!f.help.trim()) out.push(`${service}: ${f.name} has no help text`);
    if (f.type === "counter" && !f.name.endsWith("_total")) out.push(`${service}: counter ${f.name} does not end in _total`);
    if (f.type !== "counter" && f.name.endsWith("_total")) out.push(`${service}: ${f.type} ${f.name} ends in _total`);
    if (NON_BASE_UNIT.test(f.name)) out.push(`${service}: ${f.name} is not in base units (seconds, bytes, ratio)`);
  }
  return out;
}

/**
 * The service label on every sample; no forbidden label names; only the labels the code
 * declares; no label value equal to an id the client sent; short values; bounded series counts.
 */
export function labelProblems(service: string, families: ReadonlyMap<string, Family>, catalog: Catalog, sentIds: ReadonlySet<string>, maxSeries = 1_000): string[] {
  const out: string[] = [];
  for (const f of families.values()) {
    const def = catalog.byName.get(f.name);
    const allowed = new Set([...(def?.labels ?? []), "service", "le"]);
    for (const s of f.samples) {
      if (s.labels["service"] !== service) out.push(`${service}: ${s.name} has service=${String(s.labels["service"])}`);
      for (const [k, v] of Object.entries(s.labels)) {
        if (FORBIDDEN_LABELS.has(k)) out.push(`${service}: ${s.name} has label ${k}`);
        if (def && !allowed.has(k)) out.push(`${service}: ${s.name} has label ${k}, not declared in ${def.file}`);
        if (sentIds.has(v)) out.push(`${service}: ${s.name}{${k}="${v}"} carries an id the client sent`);
        if (v.length > 80) out.push(`${service}: ${s.name}{${k}} value is ${v.length} chars (unbounded?)`);
      }
    }
    // A per-event label makes a family grow with traffic; a day of traffic stays far below this.
    if (f.samples.length > maxSeries) out.push(`${service}: ${f.name} has ${f.samples.length} series`);
  }
  return out;
}
