// A reader for the subset of Dockerfile syntax the service Dockerfile uses (ARG, FROM .. AS,
// ENV, WORKDIR, COPY [--from], RUN, USER, CMD, EXPOSE) and a .dockerignore matcher with Docker's
// rules (`**`, `*`, `?`, `!` exceptions, the last matching rule wins, a pattern covers what lies
// under it). Nothing is built: no Docker engine runs on the development machine.
import { readFileSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "./kustomize.js";

export interface Step {
  op: string;
  arg: string;
}
export interface Stage {
  from: string;
  name: string;
  steps: Step[];
}
export interface Dockerfile {
  args: Record<string, string>;
  stages: Stage[];
}

/** Parses a Dockerfile as `docker build --build-arg` would see it: a stage's steps have the ARGs it
 * declares expanded (`${NAME}`), with `buildArgs` over the defaults. */
export function parseDockerfile(file: string, buildArgs: Record<string, string> = {}): Dockerfile {
  const lines: string[] = [];
  let buf = "";
  for (const raw of readFileSync(path.join(repoRoot, file), "utf8").split("\n")) {
    if (buf === "" && /^\s*#/.test(raw)) continue;
    const line = raw.replace(/\s+$/, "");
    if (line.endsWith("\\")) {
      buf += `${line.slice(0, -1)} `;
      continue;
    }
    buf += line;
    if (buf.trim()) lines.push(buf.trim());
    buf = "";
  }
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  let stageArgs: Record<string, string> = {};
  for (const l of lines) {
    const m = /^(\S+)\s*(.*)$/.exec(l)!;
    const op = m[1]!.toUpperCase();
    const arg = m[2] ?? "";
    if (op === "FROM") {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(arg);
      if (!f) throw new Error(`${file}: FROM ${arg}`);
      stages.push({ from: expand(f[1]!, args), name: f[2] ?? String(stages.length), steps: [] });
      stageArgs = {};
    } else if (op === "ARG") {
      const [k, v = ""] = arg.split(/=(.*)/s);
      if (stages.length === 0) args[k!] = buildArgs[k!] ?? v;
      else stageArgs[k!] = buildArgs[k!] ?? v;
      stages.at(-1)?.steps.push({ op, arg });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`${file}: ${op} before FROM`);
      // RUN keeps its text: the shell expands it, with the ARGs in its environment.
      stage.steps.push({ op, arg: op === "RUN" ? arg : expand(arg, stageArgs) });
    }
  }
  return { args, stages };
}

const expand = (s: string, args: Record<string, string>) => s.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => args[(a ?? b)!] ?? "");

/** What an image gets from the build context: the stage's own COPYs, those of the stage it is
 * built FROM and of the stages it copies from (--from), each with its destination. */
export function imageCopies(df: Dockerfile, stage: Stage): { src: string; dest: string }[] {
  const byName = new Map(df.stages.map((s) => [s.name, s]));
  const seen = new Set<string>();
  const walk = (s: Stage): { src: string; dest: string }[] => {
    if (seen.has(s.name)) return [];
    seen.add(s.name);
    const parent = byName.get(s.from);
    const froms = s.steps.flatMap((x) => (x.op === "COPY" ? [/--from=(\S+)/.exec(x.arg)?.[1]] : [])).flatMap((n) => (n && byName.has(n) ? [byName.get(n)!] : []));
    return [...(parent ? walk(parent) : []), ...froms.flatMap(walk), ...contextCopies(s)];
  };
  return walk(stage);
}

/** COPY sources from the build context (not --from), each with its destination. */
export function contextCopies(stage: Stage): { src: string; dest: string }[] {
  return stage.steps.filter((s) => s.op === "COPY" && !/--from=/.test(s.arg)).flatMap((s) => {
    const parts = s.arg.split(/\s+/).filter((p) => !p.startsWith("--"));
    const dest = parts.pop()!;
    return parts.map((src) => ({ src, dest }));
  });
}

export function dockerignore(): (rel: string) => boolean {
  const rules = readFileSync(path.join(repoRoot, ".dockerignore"), "utf8").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#")).map((l) => {
    const negated = l.startsWith("!");
    const pattern = (negated ? l.slice(1) : l).replace(/^\/+|\/+$/g, "");
    // "**/" matches any number of folders (none included), a trailing "**" anything.
    const segs = pattern.split("/");
    const body = segs
      .map((seg, i) => {
        const end = i === segs.length - 1;
        if (seg === "**") return end ? ".*" : "(?:.*/)?";
        return seg.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]") + (end ? "" : "/");
      })
      .join("");
    // A pattern also covers what lies under it.
    return { re: new RegExp(`^${body}(?:/.*)?$`), negated };
  });
  return (rel) => rules.reduce((ignored, r) => (r.re.test(rel) ? !r.negated : ignored), false);
}
