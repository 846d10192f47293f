// The environment each pod gets (ConfigMaps, Secrets, the GPU job's own variables) against the
// services' real config loaders: every variable set is one the service reads, the loader accepts
// the values, the process listens on all interfaces at the ports the manifests declare, and
// every address it calls is a Service's gRPC port.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import type { IPodSpec } from "kubernetes-models/v1";
import { idOf, repoRoot, type K8sObject } from "./support/kustomize.js";
import { OVERLAYS, SERVICES, dataOf, find, podTemplates, objectsOf, type IDeployment, type IService, type OverlayName, type ServiceName } from "./support/objects.js";
import { CALLEE, knownVariables, loadService } from "./support/service-config.js";

/** Stand-ins for values an ExternalSecret fetches at run time (prod renders no Secret). */
const EXTERNAL: Record<string, string> = {
  DATABASE_URL: "postgres://svc:from-the-secret-store@db.example:5432/rlhf",
  REWARD_LABELING_KEYS: "*=rlhf_labeling_key_from_the_store",
};

/** The environment of a pod's container: envFrom sources, then its own env. */
function environment(objs: readonly K8sObject[], spec: IPodSpec, container = 0): Record<string, string> {
  const c = spec.containers[container]!;
  const env: Record<string, string> = {};
  for (const e of c.envFrom ?? []) {
    const name = e.configMapRef?.name ?? e.secretRef?.name;
    const kind = e.configMapRef ? "ConfigMap" : "Secret";
    const obj = objs.find((o) => o.kind === kind && o.metadata.name === name);
    if (obj) Object.assign(env, dataOf(obj));
    else {
      const es = objs.find((o) => o.kind === "ExternalSecret" && (o["spec"] as { target?: { name?: string } }).target?.name === name);
      assert.ok(es, `${kind}/${String(name)} is neither rendered nor made by an ExternalSecret`);
      for (const d of (es["spec"] as { data?: { secretKey: string }[] }).data ?? []) env[d.secretKey] = EXTERNAL[d.secretKey] ?? "placeholder";
    }
  }
  for (const e of c.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  return env;
}

describe("k8s service configuration", () => {
  for (const overlay of Object.keys(OVERLAYS) as OverlayName[]) {
    describe(overlay, () => {
      const objs = objectsOf(overlay);

      for (const svc of SERVICES) {
        test(`${svc}: its loader accepts the pod's environment; it listens on all interfaces at the declared ports`, () => {
          const d = find<IDeployment>(objs, "Deployment", svc);
          const spec = d.spec!.template.spec!;
          const env = environment(objs, spec);
          const unknown = Object.keys(env).filter((k) => !knownVariables(svc).has(k));
          assert.deepEqual(unknown, [], `${svc}: variables its config does not read`);
          const b = loadService(svc, env);
          assert.equal(b.httpHost, "0.0.0.0", "HTTP must listen beyond the loopback in a pod");
          assert.equal(b.grpcHost, "0.0.0.0", "gRPC must listen beyond the loopback in a pod");
          const ports = new Map(spec.containers[0]!.ports!.map((p) => [p.name, p.containerPort]));
          assert.equal(b.httpPort, ports.get("http"), "http containerPort");
          assert.equal(b.grpcPort, ports.get("grpc"), "grpc containerPort");
          const annotations = d.spec!.template.metadata?.annotations ?? {};
          assert.equal(annotations["prometheus.io/port"], String(b.httpPort), "scrape port");
          for (const [variable, address] of Object.entries(b.calls)) {
            const [host, port] = address.split(":");
            const target = CALLEE[variable]!;
            const service = find<IService>(objs, "Service", target);
            assert.equal(host, service.metadata.name, `${variable}=${address}: host is the ${target} Service`);
            assert.equal(Number(port), service.spec!.ports!.find((p) => p.name === "grpc")?.port, `${variable}=${address}: ${target}'s grpc port`);
          }
        });
      }

      test("rl-trainer GPU job: every variable is read by config.ts or job.ts, and the loader accepts them", () => {
        const sj = podTemplates(objs).find((p) => p.owner.kind === "ScaledJob");
        assert.ok(sj, "ScaledJob rendered");
        const env = environment(objs, sj.spec);
        assert.deepEqual(Object.keys(env).filter((k) => !knownVariables("rl-trainer").has(k)), []);
        loadService("rl-trainer", env);
        assert.equal(env["RL_PREFER_CUDA"], "true");
        assert.match(env["RL_JOB_WAIT_SECONDS"] ?? "", /^[1-9]\d*$/);
      });

      test("every migration Job gets the schema variable and DATABASE_URL", () => {
        for (const svc of SERVICES) {
          const job = find<{ spec: { template: { spec: IPodSpec } } }>(objs, "Job", `${svc}-migrate`);
          const env = environment(objs, job.spec.template.spec);
          const args = job.spec.template.spec.containers[0]!.args ?? [];
          const schemaVar = args[args.indexOf("--schema-env") + 1]!;
          assert.ok(knownVariables(svc as ServiceName).has(schemaVar), `${idOf(job)}: ${schemaVar} is ${svc}'s schema variable`);
          assert.match(env[schemaVar] ?? "", /^[a-z_][a-z0-9_]*$/, `${idOf(job)}: ${schemaVar}`);
          assert.match(env["DATABASE_URL"] ?? "", /^postgres(ql)?:\/\//, `${idOf(job)}: DATABASE_URL`);
        }
      });
    });
  }

  test("KEDA scales on the consumer groups the services really use", () => {
    const objs = objectsOf("prod");
    const groups = (name: string, kind = "ScaledObject") => find<{ spec: { triggers: { metadata: Record<string, string> }[] } }>(objs, kind, name).spec.triggers.map((t) => t.metadata["consumerGroup"]);
    const group = (svc: ServiceName) => loadService(svc, environment(objs, find<IDeployment>(objs, "Deployment", svc).spec!.template.spec!)).group;
    const source = (file: string) => readFileSync(path.join(repoRoot, file), "utf8");
    // labeling: one group (LABELING_CONSUMER_GROUP) for both intake topics.
    assert.deepEqual([...new Set(groups("labeling"))], [group("labeling")]);
    // canary: "<CANARY_GROUP_PREFIX>.interactions" and ".feedback".
    for (const suffix of ["interactions", "feedback"]) assert.ok(source("services/canary/src/consume/consumers.ts").includes(`groupId: \`\${d.groupPrefix}.${suffix}\``), `canary's ${suffix} group`);
    assert.deepEqual(groups("canary").sort(), [`${group("canary")}.feedback`, `${group("canary")}.interactions`]);
    // the GPU job: "<RL_GROUP_PREFIX>.jobs".
    assert.ok(source("services/rl-trainer/src/job.ts").includes("groupId: `${config.groupPrefix}.jobs`"), "job.ts's group");
    assert.deepEqual(groups("rl-trainer-gpu", "ScaledJob"), [`${group("rl-trainer")}.jobs`]);
  });
});
