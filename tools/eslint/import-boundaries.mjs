// Enforces DESIGN.md's import directions between the repo's packages, so the layering is
// checked by lint rather than remembered.
import path from "node:path";

const SERVICES = ["ingestion", "labeling", "reward", "rl-trainer", "canary"];
const LIBS = ["kit", "ml", "sim"];

/** Package name (without scope) that owns a file path relative to the repo root, or null. */
export function owningPackage(relativeFile) {
  const parts = relativeFile.split(path.sep).join("/").split("/");
  if (parts[0] === "proto") return "proto";
  if (parts[0] === "services" && parts[1] === "lib" && parts[2]) return parts[2];
  if (parts[0] === "services" && parts[1]) return parts[1];
  return null;
}

/** Which @rlhf-loop packages a package may import; null means anything. */
export function allowedImports(pkg) {
  if (pkg === "proto") return [];
  if (pkg === "ml") return [];
  if (pkg === "kit") return ["proto"];
  if (pkg === "client") return ["proto"];
  if (pkg === "sim") return ["proto", "ml", "client"];
  if (pkg === "cli") return null;
  if (SERVICES.includes(pkg)) return ["proto", ...LIBS];
  return null;
}

const rule = {
  meta: {
    type: "problem",
    docs: { description: "imports between rlhf-loop packages follow DESIGN.md's directions" },
    messages: {
      forbidden: "{{from}} may not import @rlhf-loop/{{to}} (allowed: {{allowed}}); see DESIGN.md 'Which way imports may point'.",
      deep: "Import @rlhf-loop/{{to}} by its package name only, not its internals ({{spec}}).",
    },
    schema: [],
  },
  create(context) {
    const root = context.cwd;
    const pkg = owningPackage(path.relative(root, context.filename));
    if (pkg === null) return {};
    const allowed = allowedImports(pkg);
    function check(node, spec) {
      if (typeof spec !== "string" || !spec.startsWith("@rlhf-loop/")) return;
      const [, name, ...rest] = spec.split("/");
      if (rest.length > 0 && rest[0] === "src") {
        context.report({ node, messageId: "deep", data: { to: name, spec } });
      }
      if (name === pkg || allowed === null) return;
      if (!allowed.includes(name)) {
        context.report({ node, messageId: "forbidden", data: { from: pkg, to: name, allowed: allowed.join(", ") || "nothing" } });
      }
    }
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === "Literal" && check(node, node.source.value),
    };
  },
};

export default { rules: { "import-boundaries": rule } };
