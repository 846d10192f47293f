// Strimzi's KafkaTopic (kafka.strimzi.io/v1beta2), written here from the CRD's openAPIV3Schema
// (spec: partitions integer >= 1, replicas integer 1..32767, config object, topicName string):
// no npm package ships Strimzi's models. The strict-field walker reads this interface; the
// numeric bounds are checked by checkKafkaTopic.
import type { IObjectMeta } from "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta";

export interface IKafkaTopic {
  apiVersion: "kafka.strimzi.io/v1beta2";
  kind: "KafkaTopic";
  metadata: IObjectMeta;
  spec: {
    partitions?: number;
    replicas?: number;
    config?: { [key: string]: string | number | boolean };
    topicName?: string;
  };
}

/** Violations of the CRD's own bounds, as "path: reason". */
export function checkKafkaTopic(o: { readonly [field: string]: unknown }): string[] {
  const spec = o["spec"] as IKafkaTopic["spec"] | undefined;
  if (!spec || typeof spec !== "object") return ["spec: required"];
  const out: string[] = [];
  const int = (v: unknown) => typeof v === "number" && Number.isInteger(v);
  if (spec.partitions !== undefined && !(int(spec.partitions) && spec.partitions >= 1)) out.push("spec.partitions: integer >= 1");
  if (spec.replicas !== undefined && !(int(spec.replicas) && spec.replicas >= 1 && spec.replicas <= 32767)) out.push("spec.replicas: integer in [1, 32767]");
  if (spec.topicName !== undefined && typeof spec.topicName !== "string") out.push("spec.topicName: string");
  if (spec.config !== undefined && (typeof spec.config !== "object" || Array.isArray(spec.config))) out.push("spec.config: object");
  return out;
}
