/**
 * A small reader of the Prometheus text exposition format (what prom-client writes), and the
 * `promtool check metrics` call. Enough for conventions checks; not a general parser.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function unescape(v: string): string {
  return v.replace(/\\(["\\n])/g, (_, c: string) => (c === "n" ? "\n" : c));
}

/** Families by name, with their samples (histogram _bucket/_sum/_count go to their family). */
export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const family = (name: string): Family => {
    let f = families.get(name);
    if (!f) {
      f = { name, type: "untyped", help: "", samples: [] };
      families.set(name, f);
    }
    return f;
  };
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$/.exec(line);
    if (meta) {
      const f = family(meta[2]!);
      if (meta[1] === "TYPE") f.type = meta[3]!;
      else f.help = meta[3]!;
      continue;
    }
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)/.exec(line);
    if (!m) throw new Error(`unreadable exposition line: ${line}`);
    const name = m[1]!;
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? "").matchAll(LABEL)) labels[l[1]!] = unescape(l[2]!);
    const base = families.has(name) ? name : name.replace(/_(bucket|sum|count)$/, "");
    family(base).samples.push({ name, labels, value: Number(m[4]) });
  }
  return families;
}

export const PROMTOOL = process.env["PROMTOOL"] ?? "/usr/bin/promtool";
export const havePromtool = (): boolean => existsSync(PROMTOOL);

/** Runs `promtool <args>` with optional stdin; returns exit code and combined output. */
export function promtool(args: string[], input?: string, cwd?: string): { code: number; output: string } {
  const r = spawnSync(PROMTOOL, args, { input, cwd, encoding: "utf8", timeout: 60_000 });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, output: `${r.stdout}${r.stderr}`.trim() };
}
