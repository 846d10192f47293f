// Typed views of rendered objects, shared by the k8s tests.
import type { IConfigMap, IContainer, IPodSpec, IPodTemplateSpec, ISecret, IService } from "kubernetes-models/v1";
import type { IDeployment } from "kubernetes-models/apps/v1";
import type { IJob } from "kubernetes-models/batch/v1";
import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import type { IScaledJob, IScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1";
import type { IHorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import type { IKafkaTopic } from "./strimzi.js";
import { idOf, render, type K8sObject } from "./kustomize.js";

export const SERVICES = ["ingestion", "labeling", "reward", "rl-trainer", "canary"] as const;
export type ServiceName = (typeof SERVICES)[number];
export const OVERLAYS = { dev: "k8s/overlays/dev", prod: "k8s/overlays/prod" } as const;
export type OverlayName = keyof typeof OVERLAYS;

const renders = new Map<string, K8sObject[]>();

/** The objects of an overlay (rendered once per test process). */
export function objectsOf(overlay: OverlayName): K8sObject[] {
  const dir = OVERLAYS[overlay];
  let objs = renders.get(dir);
  if (!objs) {
    objs = render(dir);
    renders.set(dir, objs);
  }
  return objs;
}

export const ofKind = <T>(objs: readonly K8sObject[], kind: string): (T & K8sObject)[] => objs.filter((o) => o.kind === kind) as (T & K8sObject)[];
export const nameLabel = (o: { metadata?: { labels?: Record<string, string> } }): string | undefined => o.metadata?.labels?.["app.kubernetes.io/name"];

/** Strips kustomize's generator hash: "ingestion-config-h9gtgm4476" -> "ingestion-config". */
export const baseName = (name: string): string => name.replace(/-[a-z0-9]{10}$/, "");

export function find<T>(objs: readonly K8sObject[], kind: string, name: string): T & K8sObject {
  const hit = objs.find((o) => o.kind === kind && (o.metadata.name === name || baseName(o.metadata.name) === name));
  if (!hit) throw new Error(`${kind}/${name} not rendered`);
  return hit as T & K8sObject;
}

export interface PodTemplate {
  readonly owner: K8sObject;
  readonly template: IPodTemplateSpec;
  readonly spec: IPodSpec;
}

/** Every pod template: Deployments, Jobs and the ScaledJob's job template. */
export function podTemplates(objs: readonly K8sObject[]): PodTemplate[] {
  const out: PodTemplate[] = [];
  for (const o of objs) {
    let template: IPodTemplateSpec | undefined;
    if (o.kind === "Deployment") template = (o as unknown as IDeployment).spec?.template;
    else if (o.kind === "Job") template = (o as unknown as IJob).spec?.template;
    else if (o.kind === "ScaledJob") template = (o as unknown as IScaledJob).spec?.jobTargetRef.template as IPodTemplateSpec | undefined;
    else continue;
    if (!template?.spec) throw new Error(`${idOf(o)} has no pod template`);
    out.push({ owner: o, template, spec: template.spec });
  }
  return out;
}

export const containersOf = (p: PodTemplate): IContainer[] => [...(p.spec.initContainers ?? []), ...p.spec.containers];

/** Data of a ConfigMap, or of a Secret decoded from base64. */
export function dataOf(o: K8sObject): Record<string, string> {
  if (o.kind === "ConfigMap") return { ...((o as unknown as IConfigMap).data ?? {}) };
  if (o.kind === "Secret") {
    const s = o as unknown as ISecret;
    return Object.fromEntries([
      ...Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v.replace(/\s+/g, ""), "base64").toString("utf8")] as const),
      ...Object.entries(s.stringData ?? {}),
    ]);
  }
  throw new Error(`${idOf(o)} holds no data`);
}

/** Partitions of every KafkaTopic by topic name. */
export function partitionsByTopic(objs: readonly K8sObject[]): Map<string, number> {
  return new Map(ofKind<IKafkaTopic>(objs, "KafkaTopic").map((t) => [t.spec.topicName ?? t.metadata.name, t.spec.partitions ?? 0]));
}

export type { IConfigMap, IContainer, IDeployment, IHorizontalPodAutoscaler, IJob, IKafkaTopic, INetworkPolicy, IScaledJob, IScaledObject, ISecret, IService };
