// The services' Dockerfile (one for all five: `--build-arg SERVICE=<name>`), .dockerignore and
// compose.yaml, checked without a Docker engine (none runs on the development machine): pinned
// bases, a non-root user, every COPY source present and not ignored, every workspace package the
// service imports copied, the entry the manifests run, and a compose environment each service's
// own config loader accepts.
// (k8s/docker/simulate-build.mjs goes further by hand: it runs a Dockerfile's steps in a folder.)
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { repoRoot } from "./support/kustomize.js";
import { SERVICES, find, objectsOf, type IDeployment, type IScaledJob, type ServiceName } from "./support/objects.js";
import { contextCopies, dockerignore, imageCopies, parseDockerfile, type Stage } from "./support/dockerfile.js";
import { knownVariables, loadService } from "./support/service-config.js";

interface PackageJson {
  name: string;
  workspaces?: string[];
  dependencies?: Record<string, string>;
}
const readJson = (file: string) => JSON.parse(readFileSync(path.join(repoRoot, file), "utf8")) as PackageJson;
const root = readJson("package.json");
const workspaceDir = new Map((root.workspaces ?? []).map((w) => [readJson(`${w}/package.json`).name, w]));

/** The workspace folders a package needs at run time: itself and its @rlhf-loop dependencies, transitively. */
function workspaceClosure(dir: string, seen = new Set<string>()): Set<string> {
  if (seen.has(dir)) return seen;
  seen.add(dir);
  for (const dep of Object.keys(readJson(`${dir}/package.json`).dependencies ?? {})) {
    const d = workspaceDir.get(dep);
    if (d) workspaceClosure(d, seen);
  }
  return seen;
}

const DOCKERFILE = "services/Dockerfile";
const json = (arg: string) => JSON.parse(arg) as string[];
const last = <T>(xs: readonly T[]) => xs[xs.length - 1]!;
const stepArg = (stage: Stage, op: string) => stage.steps.filter((s) => s.op === op).map((s) => s.arg);

describe("Dockerfiles", () => {
  const ignored = dockerignore();
  const prod = objectsOf("prod");

  test(".dockerignore keeps installed trees, secrets of the machine and tests out of the context", () => {
    for (const p of ["node_modules", "services/reward/node_modules/x", ".git/HEAD", ".run/stack.env", "tests/k8s/docker.test.ts", "services/lib/kit/src/db/db.test.ts", "k8s/base/kustomization.yaml", "scratch/a.ts"]) {
      assert.equal(ignored(p), true, `${p} should be ignored`);
    }
    for (const p of ["package.json", "services/lib/kit/src/index.ts", "services/reward/migrations/001_init.sql", "k8s/migrate/migrate.mjs"]) assert.equal(ignored(p), false, `${p} should be sent`);
  });

  test("one Dockerfile for every service, refusing a build that names none", () => {
    const df = parseDockerfile(DOCKERFILE);
    const guard = df.stages[df.stages.findIndex((s) => s.name === "manifests")]!.steps.find((x) => x.op === "RUN")!.arg;
    for (const svc of SERVICES) assert.ok(guard.includes(`${svc}|`) || guard.includes(`|${svc})`), `the SERVICE check accepts ${svc}`);
    const check = (service: string) => spawnSync("bash", ["-ec", guard], { env: { PATH: process.env["PATH"], SERVICE: service }, encoding: "utf8" });
    assert.equal(check("reward").status, 0);
    const none = check("");
    assert.equal(none.status, 1);
    assert.match(none.stderr, /build with --build-arg SERVICE=<ingestion\|labeling\|reward\|rl-trainer\|canary>/);
    assert.equal(check("cli").status, 1, "the CLI is not a service image");
  });

  for (const svc of SERVICES) {
    describe(svc, () => {
      const df = parseDockerfile(DOCKERFILE, { SERVICE: svc });
      const stageNames = new Set(df.stages.map((s) => s.name));
      const stage = (name: string) => df.stages.find((s) => s.name === name)!;
      // The Deployment's image (the last stage) for every service; the GPU trainer image for the RL trainer.
      const runtimes = [stage("runtime"), ...(svc === "rl-trainer" ? [stage("gpu")] : [])];

      test("multi-stage, every base image pinned by digest", () => {
        assert.ok(df.stages.length >= 2, "multi-stage");
        for (const s of df.stages) {
          if (stageNames.has(s.from) || s.from === "scratch") continue;
          assert.match(s.from, /^[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}$/, `${s.name}: FROM ${s.from}`);
        }
        assert.match(df.args["NODE_IMAGE"] ?? "", /^node:20-bookworm-slim@sha256:/);
      });

      test("images run as a non-root user, with the entry the manifests run", () => {
        const deployment = find<IDeployment>(prod, "Deployment", svc).spec!.template.spec!.containers[0]!;
        for (const s of runtimes) {
          const user = last(stepArg(s, "USER"));
          assert.ok(user && !/^(root|0)(:|$)/.test(user), `${s.name}: USER ${String(user)}`);
          const workdir = last(stepArg(s, "WORKDIR"));
          assert.equal(workdir, `/app/services/${svc}`, `${s.name}: WORKDIR`);
          const cmd = json(last(stepArg(s, "CMD")));
          if (s.name === "gpu") {
            const job = find<IScaledJob>(prod, "ScaledJob", "rl-trainer-gpu").spec!.jobTargetRef.template.spec!.containers[0]!;
            assert.deepEqual(cmd, job.command, "the ScaledJob runs the gpu image's CMD");
            assert.equal(job.workingDir, workdir);
          } else {
            assert.deepEqual(cmd, deployment.command, "the Deployment runs the image's CMD");
            assert.equal(deployment.workingDir, workdir);
          }
        }
        assert.equal(last(df.stages).name, "runtime", "the default build (last stage) is the Deployment's image");
      });

      test("npm ci sees every workspace manifest, installs this service's dependencies and tsx", () => {
        const installs = df.stages.filter((x) => x.steps.some((y) => y.op === "RUN" && y.arg.includes("npm ci")));
        assert.deepEqual(installs.map((x) => x.name).sort(), ["deps", "deps-gpu"]);
        for (const s of installs) {
          const copied = imageCopies(df, s).map((c) => c.src).filter((src) => src.endsWith("/package.json")).map((src) => path.dirname(src));
          assert.deepEqual(copied.sort(), [...(root.workspaces ?? [])].sort(), `${s.name}: every workspace's package.json (npm ci needs them with the lockfile)`);
          assert.ok(s.steps.some((x) => x.op === "ARG" && x.arg === "SERVICE"), `${s.name} declares ARG SERVICE (its RUN reads it)`);
          const run = stepArg(s, "RUN").join(" && ").replaceAll("${SERVICE}", svc);
          assert.match(run, new RegExp(`npm ci --omit=dev --workspace=@rlhf-loop/${svc} `));
          assert.match(run, /"tsx@\$\(node -p/, "tsx at the lockfile's version");
        }
      });

      test("the images hold the sources of every workspace package the service imports, and its migrations", () => {
        const needed = [...workspaceClosure(`services/${svc}`)].map((d) => `/app/${d}/src`);
        for (const s of runtimes) {
          const dests = imageCopies(df, s).map((c) => c.dest);
          for (const d of needed) assert.ok(dests.includes(d), `${s.name}: ${d}`);
          assert.ok(dests.includes(`/app/services/${svc}/migrations`), `${s.name}: migrations`);
          assert.ok(dests.includes("/app/k8s/migrate"), `${s.name}: the migration Job's entry`);
        }
      });

      test("every COPY source exists and is sent in the build context", () => {
        for (const s of df.stages) {
          for (const { src } of contextCopies(s)) {
            assert.ok(existsSync(path.join(repoRoot, src)), `${s.name}: COPY ${src} is missing`);
            assert.equal(ignored(src), false, `${s.name}: COPY ${src} is excluded by .dockerignore`);
          }
        }
      });

      test("onnxruntime-node: CUDA provider skipped on CPU images, fetched on the GPU image", () => {
        assert.match(stepArg(stage("deps"), "ENV").join(" "), /ONNXRUNTIME_NODE_INSTALL=skip/);
        assert.match(stepArg(stage("deps-gpu"), "ENV").join(" "), /ONNXRUNTIME_NODE_INSTALL=cuda12/);
        assert.ok(stepArg(stage("gpu"), "COPY").some((c) => c.startsWith("--from=deps-gpu ")), "the GPU image takes the CUDA install");
        // The gpu target refuses any service without the GPU job's entry: only the RL trainer has one.
        assert.equal(existsSync(path.join(repoRoot, `services/${svc}/src/job.ts`)), svc === "rl-trainer");
        assert.ok(stepArg(stage("gpu"), "RUN").some((r) => r.startsWith("test -f src/job.ts ||")));
      });
    });
  }
});

describe("compose.yaml", () => {
  interface ComposeService {
    image?: string;
    build?: { context: string; dockerfile: string; args?: Record<string, string> };
    environment?: Record<string, string | number>;
    ports?: string[];
    read_only?: boolean;
    cap_drop?: string[];
    depends_on?: Record<string, { condition: string }>;
  }
  const compose = parse(readFileSync(path.join(repoRoot, "compose.yaml"), "utf8"), { merge: true }) as { services: Record<string, ComposeService> };

  test("Kafka, Postgres and the five services", () => {
    assert.deepEqual(Object.keys(compose.services).sort(), ["kafka", "postgres", ...SERVICES].sort());
  });

  for (const svc of SERVICES) {
    test(`${svc}: built from the services' Dockerfile; its loader accepts the environment; it listens where it is published`, () => {
      const s = compose.services[svc]!;
      assert.equal(s.build?.context, ".");
      assert.equal(s.build?.dockerfile, DOCKERFILE);
      assert.deepEqual(s.build?.args, { SERVICE: svc });
      assert.equal(s.read_only, true);
      assert.deepEqual(s.cap_drop, ["ALL"]);
      assert.equal(s.depends_on?.["kafka"]?.condition, "service_healthy");
      assert.equal(s.depends_on?.["postgres"]?.condition, "service_healthy");
      // "${VAR:-}" is compose's interpolation: empty when the user sets nothing.
      const env = Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, String(v).replace(/^\$\{\w+:-(.*)\}$/, "$1")]));
      assert.deepEqual(Object.keys(env).filter((k) => !knownVariables(svc as ServiceName).has(k)), []);
      const b = loadService(svc, env);
      assert.equal(b.httpHost, "0.0.0.0");
      assert.equal(b.grpcHost, "0.0.0.0");
      assert.deepEqual(s.ports, [`${b.httpPort}:${b.httpPort}`, `${b.grpcPort}:${b.grpcPort}`]);
      for (const address of Object.values(b.calls)) {
        const [host, port] = address.split(":");
        const callee = compose.services[host!];
        assert.ok(callee, `${address}: no compose service ${host}`);
        assert.ok(callee.ports?.some((p) => p.endsWith(`:${port}`)), `${address}: ${host} does not listen on ${port}`);
      }
      const brokers = String(env["KAFKA_BROKERS"]);
      assert.equal(brokers, "kafka:9092");
    });
  }
});
