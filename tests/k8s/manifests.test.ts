// The Kubernetes manifests (k8s/): every overlay renders with a real kustomize, every object is
// valid against its schema with no unknown field, and the policy points hold (probes, limits,
// non-root, GPUs only on the trainer job, network policy per service, every topic, autoscalers
// within partitions, references that resolve). No cluster is needed.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { allTopicNames } from "@rlhf-loop/proto";
import type { IContainer, IPodSpec, IServiceAccount } from "kubernetes-models/v1";
import type { IPodDisruptionBudget } from "kubernetes-models/policy/v1";
import { idOf, renderer, repoRoot, type K8sObject } from "./support/kustomize.js";
import {
  OVERLAYS, SERVICES, baseName, containersOf, dataOf, find, objectsOf, ofKind, partitionsByTopic, podTemplates,
  type IDeployment, type IHorizontalPodAutoscaler, type IKafkaTopic, type IScaledJob, type IScaledObject, type IService, type OverlayName,
} from "./support/objects.js";
import { validateObject } from "./support/schemas.js";

const overlays = Object.keys(OVERLAYS) as OverlayName[];
const NAMESPACE: Record<OverlayName, string> = { dev: "rlhf-dev", prod: "rlhf" };
const CLUSTER_SCOPED = new Set(["Namespace"]);

describe(`k8s manifests (rendered with ${renderer().describe})`, () => {
  for (const overlay of overlays) {
    describe(overlay, () => {
      const objs = objectsOf(overlay);
      const deployments = ofKind<IDeployment>(objs, "Deployment");
      const pods = podTemplates(objs);

      test("renders into one namespace, with each service's Deployment, Service, PDB, account, config and migration Job", () => {
        assert.ok(objs.length > 50, `only ${objs.length} objects`);
        for (const o of objs) {
          if (CLUSTER_SCOPED.has(o.kind)) assert.equal(o.metadata.name, NAMESPACE[overlay]);
          else assert.equal(o.metadata.namespace, NAMESPACE[overlay], `${idOf(o)} namespace`);
        }
        for (const svc of SERVICES) {
          find(objs, "Deployment", svc);
          find(objs, "Service", svc);
          find(objs, "PodDisruptionBudget", svc);
          find(objs, "ServiceAccount", svc);
          find(objs, "ConfigMap", `${svc}-config`);
          find(objs, "Job", `${svc}-migrate`);
        }
      });

      test("every object is valid against its schema and has no unknown field", () => {
        const problems = objs.flatMap((o) => validateObject(o).map((p) => `${idOf(o)}: ${p}`));
        assert.deepEqual(problems, []);
      });

      test("every Deployment container has startup, readiness (/readyz) and liveness (/healthz) probes on its http port", () => {
        for (const d of deployments) {
          for (const c of d.spec!.template.spec!.containers) {
            const where = `${idOf(d)} container ${c.name}`;
            assert.ok(c.ports?.some((p) => p.name === "http"), `${where}: no port named http`);
            assert.deepEqual(c.readinessProbe?.httpGet && { path: c.readinessProbe.httpGet.path, port: c.readinessProbe.httpGet.port }, { path: "/readyz", port: "http" }, `${where}: readiness`);
            assert.deepEqual(c.livenessProbe?.httpGet && { path: c.livenessProbe.httpGet.path, port: c.livenessProbe.httpGet.port }, { path: "/healthz", port: "http" }, `${where}: liveness`);
            assert.ok(c.startupProbe?.httpGet, `${where}: startup probe (migrations run before the listener opens)`);
          }
        }
      });

      test("every container of every pod sets CPU and memory requests and limits, requests <= limits", () => {
        for (const p of pods) {
          for (const c of containersOf(p)) {
            const where = `${idOf(p.owner)} container ${c.name}`;
            for (const r of ["cpu", "memory"]) {
              const req = c.resources?.requests?.[r];
              const lim = c.resources?.limits?.[r];
              assert.ok(req !== undefined && lim !== undefined, `${where}: ${r} request and limit`);
              assert.ok(quantity(req) <= quantity(lim), `${where}: ${r} request ${req} > limit ${lim}`);
            }
          }
        }
      });

      test("every pod runs as non-root, read-only, without capabilities or privilege escalation, seccomp RuntimeDefault, no token", () => {
        for (const p of pods) {
          const where = idOf(p.owner);
          const psc = p.spec.securityContext;
          assert.equal(psc?.runAsNonRoot, true, `${where}: runAsNonRoot`);
          assert.ok((psc?.runAsUser ?? 0) > 0, `${where}: runAsUser`);
          assert.equal(psc?.seccompProfile?.type, "RuntimeDefault", `${where}: seccomp`);
          assert.equal(p.spec.automountServiceAccountToken, false, `${where}: automountServiceAccountToken`);
          assert.equal(p.spec.hostNetwork ?? false, false, `${where}: hostNetwork`);
          for (const c of containersOf(p)) {
            const sc = c.securityContext;
            assert.equal(sc?.allowPrivilegeEscalation, false, `${where}/${c.name}: allowPrivilegeEscalation`);
            assert.equal(sc?.readOnlyRootFilesystem, true, `${where}/${c.name}: readOnlyRootFilesystem`);
            assert.equal(sc?.privileged ?? false, false, `${where}/${c.name}: privileged`);
            assert.deepEqual(sc?.capabilities?.drop, ["ALL"], `${where}/${c.name}: capabilities.drop`);
            assert.deepEqual(sc?.capabilities?.add ?? [], [], `${where}/${c.name}: capabilities.add`);
            // tsx writes its cache to the temp folder: the read-only root needs a writable /tmp.
            assert.ok(c.volumeMounts?.some((m) => m.mountPath === "/tmp"), `${where}/${c.name}: /tmp volume`);
          }
        }
        for (const sa of ofKind<IServiceAccount>(objs, "ServiceAccount")) assert.equal(sa.automountServiceAccountToken, false, idOf(sa));
        const rbac = objs.filter((o) => /^(Cluster)?Role(Binding)?$/.test(o.kind)).map(idOf);
        assert.deepEqual(rbac, [], "no service needs the Kubernetes API");
      });

      test("GPUs are requested only by the RL trainer's job, one per pod, on GPU nodes", () => {
        const withGpu = pods.filter((p) => containersOf(p).some((c) => gpu(c) !== undefined));
        assert.deepEqual(withGpu.map((p) => idOf(p.owner)), ["ScaledJob/rl-trainer-gpu"]);
        const [job] = withGpu;
        for (const c of containersOf(job!)) assert.deepEqual(gpu(c), { request: "1", limit: "1" }, c.name);
        assert.ok(Object.keys(job!.spec.nodeSelector ?? {}).some((k) => k.startsWith("nvidia.com/")), "GPU node selector");
        assert.ok(job!.spec.tolerations?.some((t) => t.key === "nvidia.com/gpu" && t.effect === "NoSchedule"), "GPU toleration");
      });

      test("the GPU job: one run per Kubernetes Job from rlhf.rl-runs.v1, preemption replaces the pod, job.ts exit codes end it", () => {
        const sj = find<IScaledJob>(objs, "ScaledJob", "rl-trainer-gpu");
        const jt = sj.spec!.jobTargetRef;
        assert.equal(jt.parallelism, 1);
        assert.equal(jt.completions, 1);
        assert.equal(jt.template.spec?.restartPolicy, "Never", "podFailurePolicy needs restartPolicy Never");
        const [trigger] = sj.spec!.triggers;
        assert.equal(trigger?.type, "kafka");
        assert.equal(trigger?.metadata["topic"], "rlhf.rl-runs.v1");
        assert.equal(trigger?.metadata["lagThreshold"], "1", "one job per waiting run");
        const rules = jt.podFailurePolicy?.rules ?? [];
        assert.ok(rules.some((r) => r.action === "Ignore" && r.onPodConditions?.some((c) => c.type === "DisruptionTarget")), "disruptions are not failures");
        assert.ok(rules.some((r) => r.action === "FailJob" && [1, 2, 3].every((code) => r.onExitCodes?.values.includes(code))), "exit codes 1-3 are final");
      });

      test("each service has a NetworkPolicy for its pods, and the namespace denies everything else", () => {
        const policies = ofKind<{ spec: { podSelector: { matchLabels?: Record<string, string> }; policyTypes?: string[] } }>(objs, "NetworkPolicy");
        for (const svc of SERVICES) {
          assert.ok(policies.some((p) => p.spec.podSelector.matchLabels?.["app.kubernetes.io/name"] === svc), `no NetworkPolicy selects ${svc}`);
        }
        const deny = policies.find((p) => Object.keys(p.spec.podSelector).length === 0 && !("ingress" in p.spec) && !("egress" in p.spec));
        assert.deepEqual(deny?.spec.policyTypes, ["Ingress", "Egress"], "default-deny for ingress and egress");
      });

      test("every pod is selected by the DNS, Kafka and Postgres egress rules, and by its service's policy", () => {
        const policies = ofKind<{ metadata: { name: string }; spec: { podSelector: { matchLabels?: Record<string, string> } } }>(objs, "NetworkPolicy");
        for (const p of pods) {
          const labels = p.template.metadata?.labels ?? {};
          const selecting = policies.filter((np) => Object.entries(np.spec.podSelector.matchLabels ?? {}).every(([k, v]) => labels[k] === v)).map((np) => np.metadata.name);
          for (const need of ["allow-dns-egress", "allow-kafka-egress", "allow-postgres-egress", labels["app.kubernetes.io/name"] ?? "?"]) {
            assert.ok(selecting.includes(need), `${idOf(p.owner)}: pods not selected by NetworkPolicy ${need} (labels ${JSON.stringify(labels)})`);
          }
        }
      });

      test("every long-running pod is scraped on the http port its annotation names, the GPU job included", () => {
        for (const p of pods.filter((x) => x.owner.kind !== "Job")) {
          const a = p.template.metadata?.annotations ?? {};
          assert.equal(a["prometheus.io/scrape"], "true", `${idOf(p.owner)}: scrape annotation`);
          assert.equal(a["prometheus.io/path"], "/metrics", idOf(p.owner));
          const http = p.spec.containers[0]!.ports?.find((x) => x.name === "http")?.containerPort;
          assert.equal(a["prometheus.io/port"], String(http), `${idOf(p.owner)}: annotation names the http port`);
          assert.equal(p.template.metadata?.labels?.["app.kubernetes.io/part-of"], "rlhf-loop", `${idOf(p.owner)}: discovery label`);
        }
      });

      test("network policies allow exactly the traffic the design draws", () => {
        assert.deepEqual(networkEdges(objs).sort(), EXPECTED_EDGES.slice().sort());
      });

      test("every topic of allTopicNames() is a KafkaTopic with a retention or compaction policy", () => {
        const topics = ofKind<IKafkaTopic>(objs, "KafkaTopic");
        assert.deepEqual(topics.map((t) => t.spec.topicName).sort(), allTopicNames().sort());
        const replicas = overlay === "prod" ? { replicas: 3, isr: 2 } : { replicas: 1, isr: 1 };
        for (const t of topics) {
          const where = t.spec.topicName ?? t.metadata.name;
          assert.equal(t.spec.replicas, replicas.replicas, `${where} replicas`);
          assert.equal(t.spec.config?.["min.insync.replicas"], replicas.isr, `${where} min.insync.replicas`);
          assert.ok((t.spec.partitions ?? 0) >= 1, `${where} partitions`);
          const policy = t.spec.config?.["cleanup.policy"];
          assert.ok(policy === "compact" || (policy === "delete" && Number(t.spec.config?.["retention.ms"]) > 0), `${where}: cleanup ${String(policy)}`);
          assert.equal(t.metadata.labels?.["strimzi.io/cluster"], "rlhf", `${where}: Strimzi cluster label`);
        }
      });

      test("a topic a service creates before Strimzi gets the KafkaTopics' replication (KAFKA_TOPIC_REPLICATION for every pod)", () => {
        const kafkaEnv = objs.find((o) => o.kind === "ConfigMap" && o.metadata.name.startsWith("rlhf-kafka"));
        assert.ok(kafkaEnv, "the rlhf-kafka ConfigMap");
        const replication = Number(dataOf(kafkaEnv)["KAFKA_TOPIC_REPLICATION"]);
        for (const t of ofKind<IKafkaTopic>(objs, "KafkaTopic")) assert.equal(t.spec.replicas, replication, `${t.spec.topicName ?? t.metadata.name}`);
        // Every process that may create topics (the migration Jobs touch only Postgres).
        for (const { owner, spec } of podTemplates(objs).filter((p) => p.owner.kind !== "Job")) {
          const refs = spec.containers.flatMap((c) => (c.envFrom ?? []).map((e) => e.configMapRef?.name));
          assert.ok(refs.includes(kafkaEnv.metadata.name), `${idOf(owner)}: envFrom ${kafkaEnv.metadata.name}`);
        }
      });

      test("autoscalers stay within the partitions they consume; autoscaled Deployments leave replicas to them", () => {
        const partitions = partitionsByTopic(objs);
        const scaled = new Set<string>();
        for (const so of ofKind<IScaledObject>(objs, "ScaledObject")) {
          scaled.add(so.spec!.scaleTargetRef.name);
          for (const t of so.spec!.triggers) {
            const topic = t.metadata["topic"];
            assert.ok(topic && partitions.has(topic), `${idOf(so)}: trigger topic ${String(topic)}`);
            assert.ok((so.spec!.maxReplicaCount ?? 100) <= partitions.get(topic)!, `${idOf(so)}: maxReplicaCount ${so.spec!.maxReplicaCount} > ${partitions.get(topic)} partitions of ${topic}`);
            assert.equal(t.metadata["allowIdleConsumers"], "false", `${idOf(so)}: idle consumers`);
            assert.equal(t.metadata["bootstrapServersFromEnv"], "KAFKA_BROKERS", `${idOf(so)}: brokers from the pods' KAFKA_BROKERS`);
          }
          assert.ok((so.spec!.minReplicaCount ?? 0) >= 1, `${idOf(so)}: serves requests, never scales to zero`);
        }
        for (const sj of ofKind<IScaledJob>(objs, "ScaledJob")) {
          for (const t of sj.spec!.triggers) {
            const topic = t.metadata["topic"]!;
            assert.ok((sj.spec!.maxReplicaCount ?? 100) <= (partitions.get(topic) ?? 0), `${idOf(sj)}: maxReplicaCount > partitions of ${topic}`);
          }
        }
        const hpa = find<IHorizontalPodAutoscaler>(objs, "HorizontalPodAutoscaler", "ingestion");
        scaled.add(hpa.spec!.scaleTargetRef.name);
        // Ingestion's persister consumes both intake topics in one group.
        for (const topic of ["rlhf.interactions.v1", "rlhf.feedback.v1"]) assert.ok(hpa.spec!.maxReplicas <= partitions.get(topic)!, `HPA maxReplicas > partitions of ${topic}`);
        assert.ok(hpa.spec!.metrics?.some((m) => m.type === "Resource" && m.resource?.name === "cpu"), "ingestion scales on CPU");
        assert.deepEqual([...scaled].sort(), ["canary", "ingestion", "labeling"]);
        for (const d of deployments) {
          if (scaled.has(d.metadata.name)) assert.equal(d.spec!.replicas, undefined, `${idOf(d)}: replicas would fight its autoscaler`);
          else assert.ok((d.spec!.replicas ?? 0) >= 1, `${idOf(d)}: replicas`);
        }
      });

      test("every ConfigMap, Secret and ServiceAccount a pod names exists in the render (or an ExternalSecret makes it)", () => {
        const have = new Set(objs.map((o) => `${o.kind}/${o.metadata.name}`));
        for (const es of objs.filter((o) => o.kind === "ExternalSecret")) {
          have.add(`Secret/${(es["spec"] as { target?: { name?: string } }).target?.name ?? es.metadata.name}`);
        }
        const missing: string[] = [];
        for (const p of pods) {
          const need = (ref: string) => !have.has(ref) && missing.push(`${idOf(p.owner)} -> ${ref}`);
          need(`ServiceAccount/${p.spec.serviceAccountName ?? "default"}`);
          for (const c of containersOf(p)) {
            for (const e of c.envFrom ?? []) {
              if (e.configMapRef) need(`ConfigMap/${e.configMapRef.name}`);
              if (e.secretRef) need(`Secret/${e.secretRef.name}`);
            }
            for (const e of c.env ?? []) {
              if (e.valueFrom?.configMapKeyRef) need(`ConfigMap/${e.valueFrom.configMapKeyRef.name}`);
              if (e.valueFrom?.secretKeyRef) need(`Secret/${e.valueFrom.secretKeyRef.name}`);
            }
          }
          for (const v of p.spec.volumes ?? []) {
            if (v.configMap) need(`ConfigMap/${v.configMap.name}`);
            if (v.secret) need(`Secret/${v.secret.secretName}`);
          }
        }
        assert.deepEqual(missing, []);
      });

      test("Services expose named http and grpc ports that the selected pods declare", () => {
        for (const s of ofKind<IService>(objs, "Service")) {
          const d = deployments.find((x) => Object.entries(s.spec!.selector ?? {}).every(([k, v]) => x.spec!.template.metadata?.labels?.[k] === v));
          assert.ok(d, `${idOf(s)} selects no Deployment`);
          assert.deepEqual(s.spec!.ports!.map((p) => p.name).sort(), ["grpc", "http"], idOf(s));
          const declared = new Map(d.spec!.template.spec!.containers.flatMap((c) => c.ports ?? []).map((p) => [p.name, p.containerPort]));
          for (const p of s.spec!.ports!) {
            assert.ok(declared.has(String(p.targetPort)), `${idOf(s)} port ${p.name} -> ${String(p.targetPort)}`);
            assert.equal(p.port, declared.get(String(p.targetPort)), `${idOf(s)} ${p.name}: service port equals container port`);
          }
        }
      });

      test("disruption budgets keep every service available during drains", () => {
        for (const pdb of ofKind<IPodDisruptionBudget>(objs, "PodDisruptionBudget")) {
          const svc = pdb.spec!.selector?.matchLabels?.["app.kubernetes.io/name"];
          assert.ok(svc && deployments.some((d) => d.metadata.name === svc), `${idOf(pdb)} selects a Deployment`);
          assert.equal(pdb.spec!.maxUnavailable, 1, idOf(pdb));
        }
      });

      test("termination grace covers the preStop pause, the service's drain grace and kit's bounded shutdown steps", () => {
        for (const d of deployments) {
          const spec = d.spec!.template.spec!;
          const c = spec.containers[0]!;
          const pause = Number(c.lifecycle?.preStop?.exec?.command?.join(" ").match(/^sleep (\d+)$/)?.[1]);
          assert.ok(pause > 0, `${idOf(d)}: preStop sleep`);
          const cfg = configOf(objs, spec);
          const graceVar = Object.keys(cfg).find((k) => k.endsWith("_SHUTDOWN_GRACE"));
          const drain = graceVar ? Number(cfg[graceVar]!.replace(/s$/, "")) + 2 : 10;
          // intake (drain), then consumers, flush and at least two pools, 10 s each at most.
          const need = pause + drain + 40;
          assert.ok((spec.terminationGracePeriodSeconds ?? 30) >= need, `${idOf(d)}: terminationGracePeriodSeconds ${spec.terminationGracePeriodSeconds} < ${need}`);
        }
      });

      test("each service's migration Job runs the migration entry with the image, config and Secret of its Deployment", () => {
        for (const svc of SERVICES) {
          const d = find<IDeployment>(objs, "Deployment", svc).spec!.template.spec!;
          const job = find<{ metadata: { annotations?: Record<string, string> }; spec: { ttlSecondsAfterFinished?: number; template: { spec: IPodSpec } } }>(objs, "Job", `${svc}-migrate`);
          const [c] = job.spec.template.spec.containers;
          assert.equal(c!.image, d.containers[0]!.image, `${svc}: same image`);
          assert.equal(c!.workingDir, `/app/services/${svc}`);
          assert.deepEqual(c!.command, ["node", "--import", "tsx", "../../k8s/migrate/migrate.mjs"]);
          const args = c!.args ?? [];
          assert.equal(args[args.indexOf("--dir") + 1], "migrations");
          const sql = readdirSync(path.join(repoRoot, "services", svc, "migrations")).filter((f) => /^\d{3,}_[a-z0-9_-]+\.sql$/.test(f));
          assert.ok(sql.length > 0, `${svc}: services/${svc}/migrations holds NNN_name.sql files`);
          const schemaVar = args[args.indexOf("--schema-env") + 1]!;
          assert.ok(schemaVar.endsWith("_SCHEMA") && configOf(objs, job.spec.template.spec)[schemaVar], `${svc}: ${schemaVar} set in its ConfigMap`);
          assert.deepEqual(envSources(job.spec.template.spec).filter((n) => n !== "rlhf-kafka"), envSources(d).filter((n) => n !== "rlhf-kafka"), `${svc}: same ConfigMap and Secret`);
          assert.equal(job.metadata.annotations?.["argocd.argoproj.io/hook"], "Sync");
          assert.equal(job.metadata.annotations?.["argocd.argoproj.io/sync-wave"], "-1", "after config (-2), before the Deployments (0)");
          assert.ok((job.spec.ttlSecondsAfterFinished ?? 0) > 0, `${svc}: a finished Job goes away so the next apply can recreate it`);
        }
        for (const t of ofKind<IKafkaTopic>(objs, "KafkaTopic")) assert.equal(t.metadata.annotations?.["argocd.argoproj.io/sync-wave"], "-2", `${idOf(t)} before any service starts`);
      });

      test("images carry an explicit tag, and prod's come from a registry", () => {
        for (const p of pods) {
          for (const c of containersOf(p)) {
            const image = c.image ?? "";
            assert.match(image, /(:[\w][\w.-]{0,127}|@sha256:[0-9a-f]{64})$/, `${idOf(p.owner)}: ${image}`);
            assert.doesNotMatch(image, /:latest$/, `${idOf(p.owner)}: ${image}`);
            if (overlay === "prod") assert.match(image, /^[a-z0-9.-]+\.[a-z]+(:\d+)?\//, `${idOf(p.owner)}: registry`);
          }
        }
      });

      if (overlay === "prod") {
        test("prod spreads each service over nodes (hard) and zones, and keeps replicas apart", () => {
          for (const d of deployments) {
            const spec = d.spec!.template.spec!;
            const spread = spec.topologySpreadConstraints ?? [];
            const sel = (s: { labelSelector?: { matchLabels?: Record<string, string> } }) => s.labelSelector?.matchLabels?.["app.kubernetes.io/name"];
            assert.ok(spread.some((s) => s.topologyKey === "kubernetes.io/hostname" && s.whenUnsatisfiable === "DoNotSchedule" && sel(s) === d.metadata.name), `${idOf(d)}: hostname spread`);
            assert.ok(spread.some((s) => s.topologyKey === "topology.kubernetes.io/zone" && sel(s) === d.metadata.name), `${idOf(d)}: zone spread`);
            const anti = spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
            assert.ok(anti.some((a) => a.podAffinityTerm.labelSelector?.matchLabels?.["app.kubernetes.io/name"] === d.metadata.name), `${idOf(d)}: anti-affinity`);
          }
          assert.ok(ofKind(objs, "ServiceMonitor").length === SERVICES.length, "a ServiceMonitor per service");
          assert.deepEqual(ofKind(objs, "PodMonitor").map(idOf), ["PodMonitor/rl-trainer-gpu"], "the GPU job pods are scraped too");
          assert.deepEqual(ofKind(objs, "Secret").map(idOf), [], "prod Secrets come from ExternalSecrets, never from the repository");
        });
      }
    });
  }
});

/** Bytes or cores as a number, for comparing a request with its limit. */
function quantity(q: string | number | undefined): number {
  if (typeof q === "number") return q;
  const m = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|Ti|k|M|G)?$/.exec(String(q));
  if (!m) throw new Error(`quantity ${String(q)}`);
  const scale: Record<string, number> = { m: 1e-3, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9 };
  return Number(m[1]) * (m[2] ? scale[m[2]]! : 1);
}

function gpu(c: IContainer): { request: string; limit: string } | undefined {
  const request = c.resources?.requests?.["nvidia.com/gpu"];
  const limit = c.resources?.limits?.["nvidia.com/gpu"];
  return request === undefined && limit === undefined ? undefined : { request: String(request), limit: String(limit) };
}

function envSources(spec: IPodSpec): string[] {
  return spec.containers.flatMap((c) => (c.envFrom ?? []).map((e) => baseName(e.configMapRef?.name ?? e.secretRef?.name ?? "")));
}

/** The environment a pod's first container gets from its ConfigMaps (Secrets left out). */
function configOf(objs: readonly K8sObject[], spec: IPodSpec): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of spec.containers[0]?.envFrom ?? []) {
    if (!e.configMapRef) continue;
    const cm = objs.find((o) => o.kind === "ConfigMap" && o.metadata.name === e.configMapRef!.name) as { data?: Record<string, string> } | undefined;
    Object.assign(out, cm?.data ?? {});
  }
  return out;
}

// "<pods> <- <peer> <port>" for ingress and "<pods> -> <peer> <port>" for egress, from every
// NetworkPolicy. Peers: pod:<name> (same namespace), ns:<label>=<value>[/pod:<name>], any.
const EXPECTED_EDGES = [
  // Platform: DNS, Kafka and Postgres out of every pod; Prometheus in.
  "rlhf-loop -> ns:kubernetes.io/metadata.name=kube-system/k8s-app=kube-dns UDP/53",
  "rlhf-loop -> ns:kubernetes.io/metadata.name=kube-system/k8s-app=kube-dns TCP/53",
  "rlhf-loop -> ns:kubernetes.io/metadata.name=kafka/strimzi.io/cluster=rlhf TCP/9092",
  "rlhf-loop -> any TCP/5432",
  "rlhf-loop <- ns:kubernetes.io/metadata.name=monitoring/app.kubernetes.io/name=prometheus TCP/http",
  // The chat product calls ingestion from anywhere (API keys authenticate every request).
  "ingestion <- any TCP/http",
  "ingestion <- any TCP/grpc",
  // Labeling: the review desk (ingress controller, client namespaces), StreamDatasetPairs for reward.
  "labeling <- ns:kubernetes.io/metadata.name=ingress-nginx TCP/http",
  "labeling <- ns:rlhf.io/client=true TCP/http",
  "labeling <- pod:reward TCP/grpc",
  "labeling <- ns:rlhf.io/client=true TCP/grpc",
  // Reward: Score from the RL trainer (Deployment and GPU jobs) and the canary; reads labeling.
  "reward <- pod:rl-trainer TCP/grpc",
  "reward <- pod:canary TCP/grpc",
  "reward -> pod:labeling TCP/9091",
  // RL trainer: Generate from the canary and the product; scores with reward.
  "rl-trainer <- pod:canary TCP/grpc",
  "rl-trainer <- ns:rlhf.io/client=true TCP/grpc",
  "rl-trainer -> pod:reward TCP/9093",
  // Canary: GetServingPolicy for the product, the report page; calls the trainer and reward.
  "canary <- ns:rlhf.io/client=true TCP/grpc",
  "canary <- ns:kubernetes.io/metadata.name=ingress-nginx TCP/http",
  "canary -> pod:rl-trainer TCP/9094",
  "canary -> pod:reward TCP/9093",
];

interface Peer {
  podSelector?: { matchLabels?: Record<string, string> };
  namespaceSelector?: { matchLabels?: Record<string, string> };
  ipBlock?: { cidr: string };
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: { protocol?: string; port?: string | number }[];
}

function networkEdges(objs: readonly K8sObject[]): string[] {
  const labels = (m?: Record<string, string>) => Object.entries(m ?? {}).map(([k, v]) => `${k}=${v}`).join(",");
  const peerOf = (p: Peer): string => {
    if (p.ipBlock) return `cidr:${p.ipBlock.cidr}`;
    const pod = p.podSelector?.matchLabels?.["app.kubernetes.io/name"];
    if (p.namespaceSelector) return `ns:${labels(p.namespaceSelector.matchLabels)}${p.podSelector ? `/${labels(p.podSelector.matchLabels)}` : ""}`;
    return pod ? `pod:${pod}` : `pods:${labels(p.podSelector?.matchLabels)}`;
  };
  const out: string[] = [];
  for (const np of objs.filter((o) => o.kind === "NetworkPolicy")) {
    const spec = np["spec"] as { podSelector: { matchLabels?: Record<string, string> }; ingress?: Rule[]; egress?: Rule[] };
    const sel = spec.podSelector.matchLabels ?? {};
    const who = sel["app.kubernetes.io/name"] ?? (sel["app.kubernetes.io/part-of"] === "rlhf-loop" ? "rlhf-loop" : `{${labels(sel)}}`);
    for (const [dir, rules] of [["<-", spec.ingress], ["->", spec.egress]] as const) {
      for (const r of rules ?? []) {
        const peers = (dir === "<-" ? r.from : r.to) ?? [];
        for (const peer of peers.length ? peers.map(peerOf) : ["any"]) {
          for (const port of r.ports ?? [{ protocol: "TCP", port: "all" }]) out.push(`${who} ${dir} ${peer} ${port.protocol ?? "TCP"}/${String(port.port)}`);
        }
      }
    }
  }
  return out;
}
