/**
 * What Grafana needs from a dashboard JSON (uid, schemaVersion, unique panel ids, a gridPos that
 * fits the 24-column grid without overlaps, Prometheus targets with an expr and a refId, the
 * datasource variable), and whether every metric a query names exists. Grafana itself is not
 * packaged for Debian, so this is the check a dashboard gets here.
 */

export interface CheckContext {
  /** Series names the code exposes (histograms with _bucket/_sum/_count). */
  series: ReadonlySet<string>;
  /** Recorded series defined in infra/prometheus/rules (level:metric:ops). */
  recorded: ReadonlySet<string>;
  /** Default process/runtime series prom-client adds. */
  defaults: ReadonlySet<string>;
}

const PANEL_TYPES = new Set(["row", "timeseries", "stat", "table", "gauge", "bargauge", "state-timeline", "text"]);
const FUNCTIONS = new Set([
  "abs", "absent", "absent_over_time", "avg", "avg_over_time", "bottomk", "ceil", "changes", "clamp", "clamp_max", "clamp_min", "count",
  "count_over_time", "count_values", "delta", "deriv", "exp", "floor", "group", "histogram_quantile", "idelta", "increase", "irate",
  "label_join", "label_replace", "last_over_time", "ln", "log2", "log10", "max", "max_over_time", "min", "min_over_time", "predict_linear",
  "quantile", "quantile_over_time", "rate", "resets", "round", "scalar", "sort", "sort_desc", "sqrt", "stddev", "stddev_over_time", "stdvar",
  "sum", "sum_over_time", "time", "timestamp", "topk", "vector",
]);
const KEYWORDS = new Set(["and", "or", "unless", "offset", "bool", "on", "ignoring", "group_left", "group_right", "by", "without", "Inf", "NaN"]);

/** Metric names a PromQL expression reads (label matchers, groupings, ranges and strings removed). */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, "")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "")
    .replace(/\[[^\]]*\]/g, "")
    .replace(/\boffset\s+\d+[smhdwy]/g, "");
  const out = new Set<string>();
  for (const m of bare.matchAll(/(?<![\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*)/g)) {
    const t = m[1]!;
    if (FUNCTIONS.has(t) || KEYWORDS.has(t)) continue;
    out.add(t);
  }
  return [...out];
}

interface Panel {
  id?: unknown;
  type?: unknown;
  title?: unknown;
  description?: unknown;
  gridPos?: { h?: unknown; w?: unknown; x?: unknown; y?: unknown };
  datasource?: { type?: unknown; uid?: unknown };
  targets?: { refId?: unknown; expr?: unknown; datasource?: { uid?: unknown } }[];
  panels?: Panel[];
}

const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);

/** Problems of one dashboard JSON (empty = fine). */
export function dashboardProblems(d: Record<string, unknown>, ctx: CheckContext): string[] {
  const out: string[] = [];
  const uid = d["uid"];
  if (typeof uid !== "string" || !/^[a-zA-Z0-9_-]{1,40}$/.test(uid)) out.push(`uid ${JSON.stringify(uid)} must be 1-40 of [a-zA-Z0-9_-]`);
  if (typeof d["title"] !== "string" || !d["title"]) out.push("no title");
  if (!isInt(d["schemaVersion"]) || d["schemaVersion"] < 36) out.push(`schemaVersion ${String(d["schemaVersion"])} (Grafana 9+ writes 36 or later)`);
  if (!isInt(d["version"])) out.push("version must be an integer");
  const time = d["time"] as { from?: unknown; to?: unknown } | undefined;
  if (typeof time?.from !== "string" || typeof time.to !== "string") out.push("time.from/to missing");

  const vars = ((d["templating"] as { list?: { name?: string; type?: string; query?: unknown }[] } | undefined)?.list ?? []);
  const ds = vars.find((v) => v.name === "datasource");
  if (!ds || ds.type !== "datasource" || ds.query !== "prometheus") out.push("templating needs a datasource variable named datasource (type datasource, query prometheus)");
  const varNames = new Set(vars.map((v) => v.name));

  const top = d["panels"];
  if (!Array.isArray(top) || top.length === 0) {
    out.push("no panels");
    return out;
  }
  const all: Panel[] = [];
  for (const p of top as Panel[]) {
    all.push(p);
    for (const c of p.panels ?? []) all.push(c);
  }
  const ids = new Set<number>();
  const boxes: { id: number; x: number; y: number; w: number; h: number }[] = [];
  const usedVars = new Set<string>();
  for (const p of all) {
    const where = `panel ${String(p.id)} "${String(p.title)}"`;
    if (!isInt(p.id) || p.id < 1) out.push(`${where}: id must be a positive integer`);
    else if (ids.has(p.id)) out.push(`${where}: duplicate id`);
    else ids.add(p.id);
    if (typeof p.type !== "string" || !PANEL_TYPES.has(p.type)) out.push(`${where}: type ${String(p.type)} not known`);
    const g = p.gridPos;
    if (!g || !isInt(g.h) || !isInt(g.w) || !isInt(g.x) || !isInt(g.y)) {
      out.push(`${where}: gridPos needs integer h, w, x, y`);
    } else {
      if (g.w < 1 || g.x < 0 || g.x + g.w > 24 || g.h < 1 || g.y < 0) out.push(`${where}: gridPos ${JSON.stringify(g)} outside the 24-column grid`);
      if (p.type === "row" && (g.h !== 1 || g.w !== 24 || g.x !== 0)) out.push(`${where}: a row spans the width with height 1`);
      if (isInt(p.id)) boxes.push({ id: p.id, x: g.x, y: g.y, w: g.w, h: g.h });
    }
    if (p.type === "row" || p.type === "text") continue;
    if (typeof p.title !== "string" || !p.title) out.push(`${where}: no title`);
    if (typeof p.description !== "string" || !p.description) out.push(`${where}: no description`);
    if (p.datasource?.type !== "prometheus" || p.datasource.uid !== "${datasource}") out.push(`${where}: datasource must be {type: prometheus, uid: \${datasource}}`);
    const targets = p.targets ?? [];
    if (targets.length === 0) out.push(`${where}: no targets`);
    const refIds = new Set<string>();
    for (const t of targets) {
      if (typeof t.refId !== "string" || !t.refId) out.push(`${where}: target without refId`);
      else if (refIds.has(t.refId)) out.push(`${where}: duplicate refId ${t.refId}`);
      else refIds.add(t.refId);
      if (t.datasource && t.datasource.uid !== "${datasource}") out.push(`${where}: target datasource is not \${datasource}`);
      if (typeof t.expr !== "string" || !t.expr.trim()) {
        out.push(`${where}: target ${String(t.refId)} has no expr`);
        continue;
      }
      for (const v of t.expr.matchAll(/\$(?!__)(\w+)|\$\{(\w+)\}/g)) usedVars.add(v[1] ?? v[2]!);
      for (const name of metricNames(t.expr)) {
        const known = name === "up" || ctx.series.has(name) || ctx.recorded.has(name) || ctx.defaults.has(name);
        if (!known) out.push(`${where}: ${name} is not a metric the code, the recording rules or prom-client define`);
      }
    }
  }
  for (const v of usedVars) if (!varNames.has(v)) out.push(`query variable $${v} is not defined in templating`);
  for (const v of varNames) if (v && v !== "datasource" && !usedVars.has(v)) out.push(`variable ${v} is defined but no query uses it`);
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i]!;
      const b = boxes[j]!;
      if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) out.push(`panels ${a.id} and ${b.id} overlap`);
    }
  }
  return out;
}
