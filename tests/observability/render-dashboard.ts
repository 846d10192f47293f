/**
 * Draws a Grafana dashboard JSON as a static HTML page from a real Prometheus: every panel's
 * queries run against Prometheus's HTTP API (query_range for graphs, instant for stat and
 * table panels) and are drawn as SVG lines, values or rows at the panel's gridPos. This is NOT
 * Grafana (Grafana is not packaged for Debian): it shows that each panel's query returns data
 * from the running services, laid out as the dashboard lays it out.
 */

interface Target { refId: string; expr: string; legendFormat?: string }
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: Target[];
  fieldConfig?: { defaults?: { unit?: string; min?: number; max?: number; mappings?: { options?: Record<string, { text: string; color: string }> }[]; thresholds?: { steps?: { color: string; value: number | null }[] } } };
}
interface Series { metric: Record<string, string>; values: [number, string][] }

export interface PanelResult { id: number; title: string; type: string; series: number; error?: string }

const COLORS = ["#73bf69", "#f2cc0c", "#8ab8ff", "#ff780a", "#f2495c", "#5794f2", "#b877d9", "#fade2a", "#37872d", "#e0b400"];
const PX_PER_ROW = 30;
const WIDTH = 1600;

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Variables as "All": regex variables become .*, $__rate_interval a fixed window. */
export function concreteExpr(expr: string, rateInterval: string): string {
  return expr.replaceAll("$__rate_interval", rateInterval).replace(/\$\{?(\w+)\}?/g, ".*");
}

export function formatValue(v: number, unit: string | undefined): string {
  if (!Number.isFinite(v)) return String(v);
  const si = (x: number, suffix = "") => {
    const a = Math.abs(x);
    if (a >= 1e9) return `${(x / 1e9).toFixed(2)}G${suffix}`;
    if (a >= 1e6) return `${(x / 1e6).toFixed(2)}M${suffix}`;
    if (a >= 1e3) return `${(x / 1e3).toFixed(2)}k${suffix}`;
    if (a >= 100 || a === 0) return `${x.toFixed(0)}${suffix}`;
    return `${x.toPrecision(3)}${suffix}`;
  };
  switch (unit) {
    case "percentunit":
      return `${(v * 100).toFixed(1)}%`;
    case "s":
      return Math.abs(v) < 1 ? `${(v * 1000).toPrecision(3)} ms` : `${v.toPrecision(3)} s`;
    case "bytes": {
      const units = ["B", "KiB", "MiB", "GiB"];
      let x = v;
      let i = 0;
      while (Math.abs(x) >= 1024 && i < units.length - 1) {
        x /= 1024;
        i++;
      }
      return `${x.toFixed(1)} ${units[i]}`;
    }
    case "ops":
    case "reqps":
      return si(v, "/s");
    default:
      return si(v);
  }
}

function legendOf(fmt: string | undefined, metric: Record<string, string>): string {
  if (!fmt || fmt === "__auto") {
    const { __name__: name, ...rest } = metric;
    const labels = Object.entries(rest).filter(([k]) => k !== "instance" && k !== "job").map(([k, v]) => `${k}="${v}"`).join(", ");
    return `${name ?? ""}{${labels}}`;
  }
  return fmt.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, k: string) => metric[k] ?? "");
}

type Query = (expr: string, range: boolean) => Promise<Series[]>;

/** A Query over Prometheus's HTTP API for the window [start, end] (seconds). */
export function prometheusQuery(baseUrl: string, start: number, end: number, step: number): Query {
  return async (expr, range) => {
    const params = new URLSearchParams(range ? { query: expr, start: String(start), end: String(end), step: String(step) } : { query: expr, time: String(end) });
    const res = await fetch(`${baseUrl}/api/v1/${range ? "query_range" : "query"}?${params.toString()}`);
    const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: { metric: Record<string, string>; values?: [number, string][]; value?: [number, string] }[] } };
    if (body.status !== "success" || !body.data) throw new Error(body.error ?? `HTTP ${res.status}`);
    return body.data.result.map((r) => ({ metric: r.metric, values: r.values ?? (r.value ? [r.value] : []) }));
  };
}

function graphSvg(series: { name: string; values: [number, number][] }[], w: number, h: number, start: number, end: number, unit: string | undefined, min?: number, max?: number): string {
  const pts = series.flatMap((s) => s.values.map(([, v]) => v)).filter(Number.isFinite);
  const lo = min ?? Math.min(0, ...pts);
  let hi = max ?? Math.max(...pts);
  // A flat line at the bottom (all zeros) gets a unit range, not a 1e-9 one.
  if (!(hi - lo > 1e-9 * Math.max(1, Math.abs(lo)))) hi = lo + 1;
  const padL = 62;
  const padB = 18;
  const pw = w - padL - 6;
  const ph = h - padB - 6;
  const X = (t: number) => padL + ((t - start) / Math.max(1, end - start)) * pw;
  const Y = (v: number) => 6 + ph - ((v - lo) / (hi - lo)) * ph;
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => {
      const v = lo + f * (hi - lo);
      const y = Y(v).toFixed(1);
      return `<line x1="${padL}" x2="${w - 6}" y1="${y}" y2="${y}" stroke="#2c3235"/><text x="${padL - 4}" y="${y}" fill="#9fa7b3" font-size="10" text-anchor="end" dominant-baseline="middle">${esc(formatValue(v, unit))}</text>`;
    })
    .join("");
  const fmtT = (t: number) => new Date(t * 1000).toISOString().slice(11, 19);
  const axis = `<text x="${padL}" y="${h - 4}" fill="#9fa7b3" font-size="10">${fmtT(start)}</text><text x="${w - 6}" y="${h - 4}" fill="#9fa7b3" font-size="10" text-anchor="end">${fmtT(end)} UTC</text>`;
  const lines = series
    .map((s, i) => {
      const d = s.values.filter(([, v]) => Number.isFinite(v)).map(([t, v]) => `${X(t).toFixed(1)},${Y(Math.min(hi, Math.max(lo, v))).toFixed(1)}`).join(" ");
      return `<polyline fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.5" points="${d}"/>`;
    })
    .join("");
  return `<svg width="${w}" height="${h}">${grid}${axis}${lines}</svg>`;
}

/** Renders one dashboard: the HTML page and what each panel returned. */
export async function renderDashboard(dashboard: Record<string, unknown>, query: Query, window: { start: number; end: number }, opts: { rateInterval: string; subtitle: string }): Promise<{ html: string; panels: PanelResult[] }> {
  const panels = dashboard["panels"] as Panel[];
  const results: PanelResult[] = [];
  const colW = WIDTH / 24;
  let maxY = 0;
  const boxes: string[] = [];
  for (const p of panels) {
    const { x, y, w, h } = p.gridPos;
    maxY = Math.max(maxY, y + h);
    const style = `left:${(x * colW).toFixed(0)}px;top:${y * PX_PER_ROW}px;width:${(w * colW - 6).toFixed(0)}px;height:${h * PX_PER_ROW - 6}px`;
    if (p.type === "row") {
      boxes.push(`<div class="row" style="${style}">${esc(p.title)}</div>`);
      continue;
    }
    const unit = p.fieldConfig?.defaults?.unit;
    const range = p.type === "timeseries";
    const got: { name: string; values: [number, number][]; metric: Record<string, string> }[] = [];
    let error: string | undefined;
    for (const t of p.targets ?? []) {
      try {
        for (const s of await query(concreteExpr(t.expr, opts.rateInterval), range)) got.push({ name: legendOf(t.legendFormat, s.metric), metric: s.metric, values: s.values.map(([ts, v]) => [ts, Number(v)]) });
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
      }
    }
    results.push({ id: p.id, title: p.title, type: p.type, series: got.length, ...(error ? { error } : {}) });
    const innerW = Math.round(w * colW - 6 - 16);
    const innerH = h * PX_PER_ROW - 6 - 30;
    let body: string;
    if (error) body = `<div class="nodata">query error: ${esc(error)}</div>`;
    else if (got.length === 0) body = `<div class="nodata">No data</div>`;
    else if (p.type === "timeseries") {
      const legend = got.slice(0, 8).map((s, i) => `<span><i style="background:${COLORS[i % COLORS.length]}"></i>${esc(s.name)}</span>`).join("");
      const more = got.length > 8 ? `<span>+${got.length - 8} more</span>` : "";
      const legendH = 16 * Math.ceil(Math.min(got.length, 8) / 3);
      body = graphSvg(got, innerW, Math.max(40, innerH - legendH), window.start, window.end, unit, p.fieldConfig?.defaults?.min, p.fieldConfig?.defaults?.max) + `<div class="legend">${legend}${more}</div>`;
    } else if (p.type === "stat") {
      const mapping = p.fieldConfig?.defaults?.mappings?.[0]?.options ?? {};
      const steps = (p.fieldConfig?.defaults?.thresholds?.steps ?? []).filter((s) => s.value !== null) as { color: string; value: number }[];
      body = `<div class="stats">${got
        .map((s) => {
          const v = s.values.at(-1)?.[1] ?? Number.NaN;
          const m = mapping[String(v)];
          const color = m?.color ?? steps.filter((st) => v >= st.value).at(-1)?.color ?? "green";
          return `<div class="stat" style="background:${color === "green" ? "#37872d" : color === "red" ? "#c4162a" : color === "orange" ? "#fa6400" : color === "blue" ? "#1f60c4" : color}"><b>${esc(m?.text ?? formatValue(v, unit))}</b><small>${esc(s.name)}</small></div>`;
        })
        .join("")}</div>`;
    } else {
      const cols = [...new Set(got.flatMap((s) => Object.keys(s.metric).filter((k) => k !== "__name__" && k !== "instance" && k !== "job")))];
      const rows = got.map((s) => `<tr>${cols.map((c) => `<td>${esc(s.metric[c] ?? "")}</td>`).join("")}<td>${esc(formatValue(s.values.at(-1)?.[1] ?? Number.NaN, unit))}</td></tr>`).join("");
      body = `<table><tr>${cols.map((c) => `<th>${esc(c)}</th>`).join("")}<th>Value</th></tr>${rows}</table>`;
    }
    boxes.push(`<div class="panel" style="${style}"><div class="title">${esc(p.title)}</div><div class="body">${body}</div></div>`);
  }
  const html = `<!doctype html><html><head><meta charset="utf-8"><style>
body{margin:0;background:#111217;color:#ccccdc;font:12px -apple-system,Segoe UI,Roboto,sans-serif}
header{padding:10px 16px;border-bottom:1px solid #2c3235}header h1{font-size:18px;margin:0 0 4px}header p{margin:0;color:#9fa7b3}
.grid{position:relative;margin:8px;width:${WIDTH}px;height:${maxY * PX_PER_ROW}px}
.row{position:absolute;font-size:14px;font-weight:600;padding-top:8px;color:#d8d9da}
.panel{position:absolute;background:#181b1f;border:1px solid #2c3235;border-radius:2px;overflow:hidden}
.title{padding:4px 8px;font-weight:600;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.body{padding:0 8px}.nodata{color:#6e7580;text-align:center;padding-top:40px;font-size:14px}
.legend{font-size:10px;line-height:16px;overflow:hidden}.legend span{margin-right:10px;white-space:nowrap}.legend i{display:inline-block;width:10px;height:3px;margin-right:4px;vertical-align:middle}
.stats{display:flex;flex-wrap:wrap;gap:4px}.stat{flex:1 1 90px;padding:6px;border-radius:2px;color:#fff;text-align:center;min-height:50px}.stat b{display:block;font-size:20px}.stat small{font-size:10px;opacity:.9;word-break:break-all}
table{border-collapse:collapse;width:100%;font-size:11px}th,td{border-bottom:1px solid #2c3235;padding:2px 4px;text-align:left}
</style></head><body><header><h1>${esc(String(dashboard["title"]))}</h1><p>${esc(opts.subtitle)}</p></header><div class="grid">${boxes.join("")}</div></body></html>`;
  return { html, panels: results };
}
