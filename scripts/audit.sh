#!/usr/bin/env bash
# Fails when a production dependency has a known high or critical vulnerability
# (`npm audit --omit=dev --audit-level=high`). An unreachable advisory service is a failure too,
# but with its own message and exit code (2), so CI never mistakes "could not check" for "clean".
# Usage: bash scripts/audit.sh            exit 0 clean, 1 findings, 2 audit service unavailable
set -uo pipefail
cd "$(dirname "$0")/.."

out="$(mktemp)"
err="$(mktemp)"
trap 'rm -f "$out" "$err"' EXIT

npm audit --omit=dev --audit-level=high --json >"$out" 2>"$err"
rc=$?

# npm writes {"error": {...}} (or nothing parseable) when the registry's audit endpoint fails.
verdict="$(node - "$out" <<'NODE'
const fs = require("node:fs");
let j;
try { j = JSON.parse(fs.readFileSync(process.argv[2], "utf8")); } catch { console.log("unavailable"); process.exit(0); }
if (j.error || !j.metadata) { console.log("unavailable " + (j.message || j.error?.summary || j.error?.code || "no audit metadata in the answer")); process.exit(0); }
const v = j.metadata.vulnerabilities;
const rows = Object.values(j.vulnerabilities ?? {})
  .filter((x) => x.severity === "high" || x.severity === "critical")
  .map((x) => {
    const fix = x.fixAvailable === true ? "npm audit fix"
      : x.fixAvailable && typeof x.fixAvailable === "object" ? `upgrade ${x.fixAvailable.name} to ${x.fixAvailable.version}${x.fixAvailable.isSemVerMajor ? " (semver major)" : ""}`
      : "no fix published";
    const via = (x.via ?? []).map((y) => typeof y === "string" ? y : `${y.title} ${y.url ?? ""}`.trim()).join("; ");
    return `  ${x.severity.padEnd(8)} ${x.name}@${x.range}  via ${via}  fix: ${fix}`;
  });
console.log(`counts info=${v.info} low=${v.low} moderate=${v.moderate} high=${v.high} critical=${v.critical}`);
for (const r of rows) console.log(r);
NODE
)"

case "$verdict" in
  unavailable*)
    echo "audit: FAILED - the npm advisory service could not be reached or refused the request," >&2
    echo "audit: so the dependencies were NOT checked: ${verdict#unavailable }" >&2
    echo "audit: retry later, or from a network that reaches the registry's advisory endpoint." >&2
    exit 2
    ;;
esac

echo "audit: production dependencies, $verdict" | head -1
if [ "$rc" -ne 0 ]; then
  echo "audit: FAILED - high or critical vulnerabilities in production dependencies:" >&2
  echo "$verdict" | tail -n +2 >&2
  exit 1
fi
echo "audit: ok - no known high or critical vulnerability (npm audit --omit=dev)"
