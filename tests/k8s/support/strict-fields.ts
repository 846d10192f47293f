// Unknown-field check ("kubectl --validate=strict" without an API server). The JSON schemas of
// kubernetes-models allow extra properties, so a misspelled field (readinesProbe, tolerations at
// the wrong level) would pass them silently. This walks each object beside its TypeScript type
// from the same packages (resolved with the TypeScript compiler API) and names every property
// the type does not declare.
import path from "node:path";
import ts from "typescript";
import { repoRoot } from "./kustomize.js";

/** "apiVersion/kind" -> the interface that describes it, and the module exporting it. */
export const TYPE_OF: Record<string, { module: string; name: string }> = {
  "v1/Namespace": { module: "kubernetes-models/v1", name: "INamespace" },
  "v1/ConfigMap": { module: "kubernetes-models/v1", name: "IConfigMap" },
  "v1/Secret": { module: "kubernetes-models/v1", name: "ISecret" },
  "v1/Service": { module: "kubernetes-models/v1", name: "IService" },
  "v1/ServiceAccount": { module: "kubernetes-models/v1", name: "IServiceAccount" },
  "apps/v1/Deployment": { module: "kubernetes-models/apps/v1", name: "IDeployment" },
  "batch/v1/Job": { module: "kubernetes-models/batch/v1", name: "IJob" },
  "policy/v1/PodDisruptionBudget": { module: "kubernetes-models/policy/v1", name: "IPodDisruptionBudget" },
  "autoscaling/v2/HorizontalPodAutoscaler": { module: "kubernetes-models/autoscaling/v2", name: "IHorizontalPodAutoscaler" },
  "networking.k8s.io/v1/NetworkPolicy": { module: "kubernetes-models/networking.k8s.io/v1", name: "INetworkPolicy" },
  "keda.sh/v1alpha1/ScaledObject": { module: "@kubernetes-models/keda/keda.sh/v1alpha1", name: "IScaledObject" },
  "keda.sh/v1alpha1/ScaledJob": { module: "@kubernetes-models/keda/keda.sh/v1alpha1", name: "IScaledJob" },
  "monitoring.coreos.com/v1/ServiceMonitor": { module: "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1", name: "IServiceMonitor" },
  "monitoring.coreos.com/v1/PodMonitor": { module: "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1", name: "IPodMonitor" },
  // external-secrets.io/v1 keeps v1beta1's fields for what we use (see schemas.ts).
  "external-secrets.io/v1/ExternalSecret": { module: "@kubernetes-models/external-secrets/external-secrets.io/v1beta1", name: "IExternalSecret" },
  "kafka.strimzi.io/v1beta2/KafkaTopic": { module: "./strimzi.js", name: "IKafkaTopic" },
};

interface Walker {
  check(key: string, value: unknown): string[];
}

let walker: Walker | undefined;

function build(): Walker {
  const entries = Object.entries(TYPE_OF);
  const entry = path.join(repoRoot, "tests/k8s/support/__strict_types__.ts");
  const source = [
    ...entries.map(([, t], i) => `import type { ${t.name} as T${i} } from ${JSON.stringify(t.module)};`),
    `export interface Kinds {`,
    ...entries.map(([k], i) => `  ${JSON.stringify(k)}: T${i};`),
    `}`,
  ].join("\n");
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) => (path.resolve(name) === entry ? ts.createSourceFile(name, source, lang) : getSourceFile(name, lang, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => path.resolve(name) === entry || fileExists(name);
  const program = ts.createProgram([entry], options, host);
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(entry);
  if (!file) throw new Error("strict-fields: entry file missing");
  const problems = ts.getPreEmitDiagnostics(program, file).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  if (problems.length > 0) throw new Error(`strict-fields: cannot resolve the model types: ${problems.join("; ")}`);
  const kinds = checker.getExportsOfModule(checker.getSymbolAtLocation(file)!).find((s) => s.name === "Kinds");
  if (!kinds) throw new Error("strict-fields: Kinds not found");
  const kindsType = checker.getDeclaredTypeOfSymbol(kinds);

  const propType = (t: ts.Type, key: string): ts.Type | undefined => {
    const prop = t.getProperty(key);
    if (prop) return checker.getTypeOfSymbol(prop);
    return checker.getIndexInfoOfType(t, ts.IndexKind.String)?.type;
  };
  const loose = (t: ts.Type) => (t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) !== 0 || (t.flags & ts.TypeFlags.NonPrimitive) !== 0;

  function walk(value: unknown, type: ts.Type, at: string, out: string[]): void {
    if (value === null || value === undefined || typeof value !== "object") return;
    const t = checker.getNonNullableType(type);
    if (loose(t)) return;
    const members = t.isUnion() ? t.types : [t];
    if (Array.isArray(value)) {
      const arrays = members.filter((m) => checker.isArrayType(m) || checker.isTupleType(m));
      const element = arrays[0] && checker.getTypeArguments(arrays[0] as ts.TypeReference)[0];
      if (element) value.forEach((v, i) => walk(v, element, `${at}[${i}]`, out));
      return;
    }
    const objects = members.filter((m) => (m.flags & ts.TypeFlags.Object) !== 0 && !checker.isArrayType(m));
    if (objects.length === 0) return;
    // `{}` (no properties, no index signature) is how the CRD models type a free-form object.
    if (objects.some((m) => m.getProperties().length === 0 && !checker.getIndexInfoOfType(m, ts.IndexKind.String))) return;
    // A union of object shapes passes when one of them accepts the value.
    let best: string[] | undefined;
    for (const candidate of objects) {
      const found: string[] = [];
      for (const [key, v] of Object.entries(value)) {
        const pt = propType(candidate, key);
        if (!pt) found.push(`${at}.${key}: unknown field`);
        else walk(v, pt, `${at}.${key}`, found);
      }
      if (!best || found.length < best.length) best = found;
      if (found.length === 0) break;
    }
    out.push(...(best ?? []));
  }

  return {
    check(key, value) {
      const t = propType(kindsType, key);
      if (!t) return [`no type known for ${key}`];
      const out: string[] = [];
      walk(value, t, "", out);
      return out.map((s) => s.replace(/^\./, ""));
    },
  };
}

/** Fields of `obj` its type does not declare, as "path: unknown field"; [] when none. */
export function unknownFields(obj: { apiVersion: string; kind: string }): string[] {
  walker ??= build();
  return walker.check(`${obj.apiVersion}/${obj.kind}`, obj);
}
