// Offline schema validation of rendered objects: Kubernetes 1.27 kinds through kubernetes-models
// (the API's OpenAPI schemas compiled to validators), KEDA, the Prometheus Operator and External
// Secrets through their @kubernetes-models packages, Strimzi's KafkaTopic through checkKafkaTopic.
// On top, the strict-field walker names fields the types do not declare.
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from "kubernetes-models/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { Job } from "kubernetes-models/batch/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { ScaledJob, ScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1";
import { PodMonitor, ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { ExternalSecret } from "@kubernetes-models/external-secrets/external-secrets.io/v1beta1";
import type { K8sObject } from "./kustomize.js";
import { unknownFields } from "./strict-fields.js";
import { checkKafkaTopic } from "./strimzi.js";

interface Validatable {
  validate(): void;
}
type ModelCtor = new (data: never) => Validatable;

const MODELS: Record<string, ModelCtor> = {
  "v1/Namespace": Namespace,
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "v1/ServiceAccount": ServiceAccount,
  "apps/v1/Deployment": Deployment,
  "batch/v1/Job": Job,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
  "keda.sh/v1alpha1/ScaledObject": ScaledObject,
  "keda.sh/v1alpha1/ScaledJob": ScaledJob,
  "monitoring.coreos.com/v1/ServiceMonitor": ServiceMonitor,
  "monitoring.coreos.com/v1/PodMonitor": PodMonitor,
};

/** Every problem with one object; [] when it is valid. */
export function validateObject(o: K8sObject): string[] {
  const key = `${o.apiVersion}/${o.kind}`;
  const problems: string[] = [];
  if (key === "kafka.strimzi.io/v1beta2/KafkaTopic") {
    problems.push(...checkKafkaTopic(o));
  } else if (key === "external-secrets.io/v1/ExternalSecret") {
    // The v1 API (External Secrets Operator >= 0.16) kept v1beta1's fields for the ones used
    // here (secretStoreRef, target, data[].remoteRef); the package only models v1beta1.
    problems.push(...schemaErrors(() => new ExternalSecret({ ...o, apiVersion: "external-secrets.io/v1beta1" } as never).validate()));
  } else if (key === "v1/Secret") {
    // kustomize wraps long base64 values over several lines; the API server's decoder skips the
    // line breaks, the schema's "byte" format does not.
    const data = Object.fromEntries(Object.entries((o["data"] ?? {}) as Record<string, string>).map(([k, v]) => [k, v.replace(/\s+/g, "")]));
    problems.push(...schemaErrors(() => new Secret({ ...o, data } as never).validate()));
  } else {
    const Model = MODELS[key];
    if (!Model) return [`no schema known for ${key}`];
    problems.push(...schemaErrors(() => new Model(o as never).validate()));
  }
  problems.push(...unknownFields(o));
  return problems;
}

function schemaErrors(run: () => void): string[] {
  try {
    run();
    return [];
  } catch (err) {
    return [err instanceof Error ? err.message : String(err)];
  }
}
