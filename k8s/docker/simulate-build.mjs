// Runs a service Dockerfile's own steps without a Docker engine (none runs on the development
// machine), to check what can be checked there: that the COPY sources exist and pass
// .dockerignore, that the RUN steps (npm ci with the workspace filter, tsx) succeed, and that the
// resulting /app tree starts: the image's CMD must load every module and stop at config
// validation (exit 2), and the migration entry must apply the migrations when DATABASE_URL is set.
//   node k8s/docker/simulate-build.mjs services/Dockerfile --build-arg SERVICE=<svc> [--target <stage>] [--keep]
// What it cannot check: the base images themselves (a stage FROM an image starts empty and RUN
// steps use this machine's node and npm), USER, and anything copied out of a base image.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

const root = path.resolve(new URL("../..", import.meta.url).pathname);
const { values, positionals } = parseArgs({ options: { target: { type: "string" }, keep: { type: "boolean" }, "build-arg": { type: "string", multiple: true } }, allowPositionals: true });
const dockerfile = positionals[0];
if (!dockerfile) {
  console.error("usage: simulate-build.mjs <Dockerfile> [--build-arg NAME=VALUE ...] [--target <stage>] [--keep]");
  process.exit(2);
}
/** --build-arg values, as `docker build` takes them: they set the ARGs a stage declares. */
const buildArgs = Object.fromEntries((values["build-arg"] ?? []).map((a) => {
  const i = a.indexOf("=");
  if (i <= 0) {
    console.error(`--build-arg ${a}: expected NAME=VALUE`);
    process.exit(2);
  }
  return [a.slice(0, i), a.slice(i + 1)];
}));

/** Instructions with continuation lines joined and comments dropped. */
function instructions(text) {
  const out = [];
  let buf = "";
  for (const raw of text.split("\n")) {
    if (/^\s*#/.test(raw) && buf === "") continue;
    const line = raw.replace(/\s+$/, "");
    if (line.endsWith("\\")) {
      buf += line.slice(0, -1) + " ";
      continue;
    }
    buf += line;
    if (buf.trim()) out.push(buf.trim());
    buf = "";
  }
  return out.map((l) => {
    const m = /^(\S+)\s+(.*)$/.exec(l);
    return { op: (m?.[1] ?? l).toUpperCase(), arg: m?.[2] ?? "" };
  });
}

/** .dockerignore as ordered (regex, negated) rules; the last matching rule wins. */
function ignoreRules() {
  const file = path.join(root, ".dockerignore");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#")).map((l) => {
    const negated = l.startsWith("!");
    const pat = (negated ? l.slice(1) : l).replace(/^\/+|\/+$/g, "");
    // "**/" matches any number of folders (none included), a trailing "**" anything.
    const segs = pat.split("/");
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
}
const rules = ignoreRules();
const ignored = (rel) => rules.reduce((acc, r) => (r.re.test(rel) ? !r.negated : acc), false);

function copyFromContext(src, dest) {
  const abs = path.join(root, src);
  if (!existsSync(abs)) throw new Error(`COPY ${src}: not in the build context`);
  if (ignored(src)) throw new Error(`COPY ${src}: excluded by .dockerignore`);
  const walk = (from, to, rel) => {
    if (statSync(from).isDirectory()) {
      mkdirSync(to, { recursive: true });
      for (const name of readdirSync(from)) {
        const r = `${rel}/${name}`;
        if (!ignored(r)) walk(path.join(from, name), path.join(to, name), r);
      }
    } else {
      mkdirSync(path.dirname(to), { recursive: true });
      cpSync(from, to);
    }
  };
  walk(abs, dest, src.replace(/\/+$/, ""));
}

const text = readFileSync(path.resolve(dockerfile), "utf8");
const args = {};
const stages = [];
const expand = (s, env) => s.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => env[a ?? b] ?? args[a ?? b] ?? "");
for (const { op, arg } of instructions(text)) {
  const stage = stages.at(-1);
  if (op === "ARG" && !stage) {
    const [k, v = ""] = arg.split("=");
    args[k] = buildArgs[k] ?? v;
    continue;
  }
  if (op === "FROM") {
    const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(arg);
    stages.push({ from: expand(m[1], {}), name: m[2] ?? String(stages.length), steps: [] });
    continue;
  }
  if (!stage) throw new Error(`${op} before FROM`);
  stage.steps.push({ op, arg });
}
const target = values.target ? stages.find((s) => s.name === values.target) : stages.at(-1);
if (!target) throw new Error(`no stage ${values.target}`);

const work = mkdtempSync(path.join(tmpdir(), "simbuild-"));
const built = new Map();
function build(stage) {
  if (built.has(stage.name)) return built.get(stage.name);
  const dir = path.join(work, stage.name);
  mkdirSync(dir, { recursive: true });
  const parentStage = stages.find((s) => s.name === stage.from);
  const parent = parentStage ? build(parentStage) : undefined;
  if (parent) cpSync(parent.dir, dir, { recursive: true, verbatimSymlinks: true });
  else console.log(`[${stage.name}] FROM ${stage.from} (image contents not simulated)`);
  // A stage FROM another keeps its WORKDIR, ENV and CMD; ARGs end with their stage.
  const state = { dir, workdir: parent?.workdir ?? "/", env: { ...parent?.env }, args: {}, cmd: parent?.cmd };
  const vars = () => ({ ...state.args, ...state.env });
  for (const { op, arg } of stage.steps) {
    const at = (p) => path.join(dir, path.isAbsolute(p) ? p : path.join(state.workdir, p));
    if (op === "ARG") {
      // Declared in a stage: the build argument's value (or the default), seen by later steps.
      const [k, v = ""] = arg.split("=");
      state.args[k] = buildArgs[k] ?? v;
    } else if (op === "WORKDIR") {
      state.workdir = path.resolve(state.workdir, expand(arg, vars()));
      mkdirSync(at("."), { recursive: true });
    } else if (op === "ENV") {
      for (const m of arg.matchAll(/(\w+)=("[^"]*"|\S+)/g)) state.env[m[1]] = m[2].replace(/^"|"$/g, "");
    } else if (op === "COPY") {
      const parts = expand(arg, vars()).split(/\s+/);
      const from = parts.find((p) => p.startsWith("--from="))?.slice(7);
      const [dest, ...srcs] = parts.filter((p) => !p.startsWith("--")).reverse();
      for (const src of srcs.reverse()) {
        const fromStage = from && stages.find((s) => s.name === from);
        if (from && !fromStage?.steps.length) {
          console.log(`[${stage.name}] COPY --from=${from} ${src}: from a base image, skipped`);
          continue;
        }
        const to = dest.endsWith("/") && !src.endsWith("/") && !from ? path.join(at(dest), path.basename(src)) : at(dest);
        if (fromStage) cpSync(path.join(build(fromStage).dir, src), to, { recursive: true, verbatimSymlinks: true });
        else copyFromContext(src, to);
      }
    } else if (op === "RUN") {
      console.log(`[${stage.name}] RUN ${arg.slice(0, 100)}${arg.length > 100 ? "…" : ""}`);
      // An npm cache and HOME of its own: a RUN step such as `npm cache clean` must not touch this machine's.
      const sandbox = { HOME: path.join(work, ".home"), npm_config_cache: path.join(work, ".npm-cache") };
      const r = spawnSync("bash", ["-ec", arg], { cwd: at("."), env: { ...process.env, ...sandbox, ...vars() }, stdio: ["ignore", "inherit", "inherit"] });
      if (r.status !== 0) throw new Error(`RUN failed (${r.status}): ${arg}`);
    } else if (op === "CMD") {
      state.cmd = JSON.parse(arg);
    }
  }
  const result = { ...state, dir };
  built.set(stage.name, result);
  return result;
}

let failed = false;
try {
  const image = build(target);
  const cwd = path.join(image.dir, image.workdir);
  console.log(`[${target.name}] CMD ${image.cmd.join(" ")} (cwd ${image.workdir}, no service environment)`);
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(DATABASE_URL|KAFKA_BROKERS)$/.test(k)));
  const start = spawnSync(image.cmd[0], image.cmd.slice(1), { cwd, env: { ...clean, ...image.env }, encoding: "utf8", timeout: 60_000 });
  const said = `${start.stdout}${start.stderr}`.trim().split("\n").slice(-4).join("\n");
  if (start.status === 2 && /DATABASE_URL/.test(said)) console.log(`ok: every module loaded, config validation refused the empty environment:\n${said}`);
  else {
    failed = true;
    console.error(`FAIL: expected exit 2 naming DATABASE_URL, got ${start.status}:\n${said}`);
  }
  const migrations = path.join(cwd, "migrations");
  if (process.env.DATABASE_URL && existsSync(migrations)) {
    const schema = `simbuild_${process.pid}`;
    const mig = spawnSync("node", ["--import", "tsx", "../../k8s/migrate/migrate.mjs", "--dir", "migrations", "--schema-env", "SIM_SCHEMA"], {
      cwd, env: { ...process.env, ...image.env, SIM_SCHEMA: schema, LOG_LEVEL: "warn" }, encoding: "utf8", timeout: 60_000,
    });
    if (mig.status === 0) console.log(`ok: migration entry applied ${readdirSync(migrations).length} file(s) to schema ${schema}`);
    else {
      failed = true;
      console.error(`FAIL: migration entry exited ${mig.status}: ${mig.stderr.slice(-500)}`);
    }
    spawnSync("psql", [process.env.DATABASE_URL, "-qc", `drop schema if exists ${schema} cascade`], { stdio: "ignore" });
  }
} catch (err) {
  failed = true;
  console.error(`FAIL: ${err instanceof Error ? err.message : String(err)}`);
} finally {
  if (values.keep) console.log(`tree kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
