/**
 * The rlhf_* series defined in the code, read from the source (services/<package>/src; tests and dist
 * excluded): every `.counter({ name, help, labelNames })`, `.gauge(...)` and `.histogram(...)`.
 * Dashboards and rules are checked against this list, and the READMEs' metric tables are made
 * from it, so a renamed metric breaks a test instead of a panel.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

export const ROOT = new URL("../../", import.meta.url).pathname;

export type MetricType = "counter" | "gauge" | "histogram";

export interface MetricDef {
  name: string;
  type: MetricType;
  help: string;
  labels: string[];
  /** Repository-relative file that defines it. */
  file: string;
  /** Who registers it: a service name, or "kit" for the shared library's series. */
  owner: string;
}

const SKIP = new Set(["node_modules", "dist", "gen", "testing"]);

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) sources(full, out);
    else if (name.endsWith(".ts") && !name.endsWith(".test.ts") && !name.endsWith(".d.ts")) out.push(full);
  }
  return out;
}

function ownerOf(file: string): string {
  const parts = file.split(sep);
  // services/<svc>/src/... or services/lib/<lib>/src/...
  return parts[1] === "lib" ? (parts[2] ?? "lib") : (parts[1] ?? "?");
}

// `.counter({ name: "rlhf_x", help: "...", labelNames: ["a", "b"] as const` across lines; the
// definitions in this repo always list name, then help, then labelNames.
const DEF = /\.(counter|gauge|histogram)(?:<[^>]*>)?\(\s*\{\s*name:\s*"(rlhf_[a-z0-9_]+)",\s*help:\s*"((?:[^"\\]|\\.)*)"(?:,\s*labelNames:\s*\[([^\]]*)\])?/g;
// Any metric-looking registration at all, to catch a definition written in another shape.
const ANY = /\.(counter|gauge|histogram)(?:<[^>]*>)?\(\s*\{\s*name:/g;

export interface Catalog {
  defs: MetricDef[];
  byName: Map<string, MetricDef>;
  /** Registrations the pattern could not read (file:offset); should be empty. */
  unreadable: string[];
}

export function metricCatalog(root = ROOT): Catalog {
  const files = [...sources(join(root, "services"))].sort();
  const defs: MetricDef[] = [];
  const unreadable: string[] = [];
  for (const full of files) {
    const text = readFileSync(full, "utf8");
    const file = relative(root, full);
    const seen = new Set<number>();
    for (const m of text.matchAll(DEF)) {
      seen.add(m.index);
      const labels = (m[4] ?? "").split(",").map((s) => s.trim().replace(/^"|"$/g, "")).filter((s) => s.length > 0);
      defs.push({ name: m[2]!, type: m[1] as MetricType, help: m[3]!, labels, file, owner: ownerOf(file) });
    }
    for (const m of text.matchAll(ANY)) if (!seen.has(m.index)) unreadable.push(`${file}:${m.index}`);
  }
  const byName = new Map<string, MetricDef>();
  for (const d of defs) if (!byName.has(d.name)) byName.set(d.name, d);
  return { defs, byName, unreadable };
}

/** Series names a metric family exposes (a histogram adds _bucket, _sum and _count). */
export function seriesNames(d: MetricDef): string[] {
  return d.type === "histogram" ? [d.name, `${d.name}_bucket`, `${d.name}_sum`, `${d.name}_count`] : [d.name];
}

/** The metrics list for the READMEs, grouped by owner, as a markdown table. */
export function metricsMarkdown(c: Catalog): string {
  const owners = [...new Set(c.defs.map((d) => d.owner))].sort((a, b) => (a === "kit" ? -1 : b === "kit" ? 1 : a.localeCompare(b)));
  const lines: string[] = [];
  for (const o of owners) {
    lines.push("", `### ${o === "kit" ? "kit (shared: HTTP and gRPC servers, Kafka bus; consumer lag where a service tracks it)" : o}`, "", "| metric | type | labels | help |", "|---|---|---|---|");
    const seen = new Set<string>();
    for (const d of c.defs.filter((x) => x.owner === o).sort((a, b) => a.name.localeCompare(b.name))) {
      if (seen.has(d.name)) continue;
      seen.add(d.name);
      lines.push(`| \`${d.name}\` | ${d.type} | ${d.labels.join(", ")} | ${d.help.replace(/\|/g, "\\|")} |`);
    }
  }
  return lines.join("\n").trim();
}
