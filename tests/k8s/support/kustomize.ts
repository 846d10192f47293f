// Renders a kustomization with a real kustomize: $KUSTOMIZE (a kustomize binary), `kustomize` on
// the PATH, .run/bin/kustomize (k8s/tools/install-kustomize.sh puts it there), or `kubectl
// kustomize` (kubectl embeds kustomize). No kustomize at all is a failure, not a skip: these
// tests exist to render the manifests.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";

export const repoRoot = path.resolve(import.meta.dirname, "../../..");

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

interface Renderer {
  readonly describe: string;
  render(dir: string): string;
}

function onPath(bin: string, args: string[]): boolean {
  try {
    execFileSync(bin, args, { stdio: "ignore", timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

function kustomizeBinary(bin: string): Renderer {
  return { describe: bin, render: (dir) => execFileSync(bin, ["build", dir], { encoding: "utf8", maxBuffer: 64 << 20 }) };
}

let cached: Renderer | undefined;

/** The first kustomize found, in the order the header names. */
export function renderer(): Renderer {
  if (cached) return cached;
  const fromEnv = process.env["KUSTOMIZE"];
  const local = path.join(repoRoot, ".run/bin/kustomize");
  if (fromEnv) cached = kustomizeBinary(fromEnv);
  else if (onPath("kustomize", ["version"])) cached = kustomizeBinary("kustomize");
  else if (existsSync(local)) cached = kustomizeBinary(local);
  else if (onPath("kubectl", ["version", "--client"])) {
    cached = { describe: "kubectl kustomize", render: (dir) => execFileSync("kubectl", ["kustomize", dir], { encoding: "utf8", maxBuffer: 64 << 20 }) };
  } else {
    throw new Error("no kustomize found: install one with `bash k8s/tools/install-kustomize.sh` (Go module proxy), or put kustomize or kubectl on the PATH, or set KUSTOMIZE");
  }
  return cached;
}

/** The objects a kustomization renders to, in output order. */
export function render(dir: string): K8sObject[] {
  const text = renderer().render(path.resolve(repoRoot, dir));
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${dir}: ${doc.errors[0]?.message ?? "bad YAML"}`);
    const value: unknown = doc.toJS();
    return value === null || value === undefined ? [] : [value as K8sObject];
  });
}

/** "Kind/name" for messages. */
export const idOf = (o: K8sObject): string => `${o.kind}/${o.metadata.name}`;
