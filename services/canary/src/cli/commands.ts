// `rlhf canary ...`: create and import canary sets, run a canary, write a report page, watch production.
// Each talks to the canary service's HTTP API (--target), so it works against any deployment.
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";

export const CANARY_USAGE = `usage: rlhf canary create --from-traffic [--size 500] [--seed 1] [--since-days 0] [--checks FILE|sim-support] [--tenant default]
       rlhf canary import FILE.jsonl [--tenant default]
       rlhf canary run --candidate POLICY_VERSION [--set SET_ID] [--reward-model ID] [--tenant default] [--no-wait]
       rlhf canary report REPORT_ID --out report.html
       rlhf canary watch [--tenant default] [--json]
  common: [--target http://127.0.0.1:8085] (or CANARY_URL) [--key KEY] (or CANARY_KEY: a canary key of the tenant,
          operator for create/import/run, any role for report/watch; rlhf canary keys create)`;

export class CanaryUsageError extends Error {
  override readonly name = "CanaryUsageError";
}

export interface CanaryCliIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
}

const OPTIONS = {
  "from-traffic": { type: "boolean" },
  size: { type: "string" },
  seed: { type: "string" },
  "since-days": { type: "string" },
  checks: { type: "string" },
  tenant: { type: "string" },
  candidate: { type: "string" },
  set: { type: "string" },
  "reward-model": { type: "string" },
  "no-wait": { type: "boolean" },
  out: { type: "string" },
  json: { type: "boolean" },
  target: { type: "string" },
  key: { type: "string" },
} as const;

function int(flag: string, v: string | undefined, def: number, min: number): number {
  if (v === undefined) return def;
  if (!/^\d+$/.test(v) || Number(v) < min) throw new CanaryUsageError(`--${flag} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return Number(v);
}

class HttpFailure extends Error {}

function authHeader(key: string | undefined): Record<string, string> {
  return key ? { authorization: `Bearer ${key}` } : {};
}

async function call(io: CanaryCliIo, base: string, key: string | undefined, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const f = io.fetch ?? fetch;
  let res: Response;
  try {
    res = await f(`${base}${path}`, { method, headers: { ...authHeader(key), ...(body === undefined ? {} : { "content-type": "application/json" }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  } catch (e) {
    throw new HttpFailure(`cannot reach the canary service at ${base}: ${(e as Error).message} (start it, or pass --target)`);
  }
  const text = await res.text();
  let json: Record<string, unknown>;
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    json = { raw: text };
  }
  if (!res.ok) {
    const e = (json["error"] ?? json) as { message?: string; fields?: { path: string; reason: string }[] };
    const fields = (e.fields ?? []).map((x) => `\n  ${x.path}: ${x.reason}`).join("");
    throw new HttpFailure(`${method} ${path}: HTTP ${res.status}: ${e.message ?? text}${fields}`);
  }
  return json;
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/** Runs one `rlhf canary` subcommand; returns the exit code (0 ok, 1 failed, 2 usage, 3 held or rejected run). */
export async function runCanaryCli(argv: readonly string[], io: CanaryCliIo): Promise<{ exitCode: number }> {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true }) as { values: Record<string, string | boolean | undefined>; positionals: string[] });
  } catch (e) {
    io.err(`${(e as Error).message}\n${CANARY_USAGE}`);
    return { exitCode: 2 };
  }
  const base = ((values["target"] as string | undefined) ?? process.env["CANARY_URL"] ?? "http://127.0.0.1:8085").replace(/\/$/, "");
  const tenant = (values["tenant"] as string | undefined) ?? "default";
  const key = (values["key"] as string | undefined) ?? process.env["CANARY_KEY"];
  const sleep = io.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  try {
    const [sub, ...rest] = positionals;
    switch (sub) {
      case "create": {
        if (!values["from-traffic"]) throw new CanaryUsageError("canary create needs --from-traffic (or use `rlhf canary import FILE`)");
        const checksFlag = values["checks"] as string | undefined;
        const checks = checksFlag === undefined ? undefined : checksFlag === "sim-support" ? "sim-support" : (JSON.parse(readFileSync(checksFlag, "utf8")) as unknown);
        const body = { tenantId: tenant, fromTraffic: { size: int("size", values["size"] as string | undefined, 500, 1), seed: int("seed", values["seed"] as string | undefined, 1, 0), sinceDays: int("since-days", values["since-days"] as string | undefined, 0, 0), ...(checks !== undefined ? { checks } : {}) } };
        const r = await call(io, base, key, "POST", "/v1/canary-sets", body);
        io.out(`canary set ${String(r["setId"])} (version ${String(r["version"])}): ${String(r["tasks"])} tasks of ${String(r["requested"])} asked, from ${String(r["pool"])} held-out chats`);
        for (const [intent, n] of Object.entries((r["intents"] ?? {}) as Record<string, number>)) io.out(`  ${intent.padEnd(24)} ${n}`);
        return { exitCode: 0 };
      }
      case "import": {
        const file = rest[0];
        if (!file) throw new CanaryUsageError("canary import needs a FILE.jsonl");
        const r = await call(io, base, key, "POST", "/v1/canary-sets", { tenantId: tenant, jsonl: readFileSync(file, "utf8") });
        io.out(`canary set ${String(r["setId"])} (version ${String(r["version"])}): ${String(r["tasks"])} tasks imported from ${file}`);
        return { exitCode: 0 };
      }
      case "run": {
        const candidate = values["candidate"] as string | undefined;
        if (!candidate) throw new CanaryUsageError("--candidate is required");
        let row = await call(io, base, key, "POST", "/v1/canary-runs", { tenantId: tenant, candidateVersion: candidate, canarySetId: (values["set"] as string | undefined) ?? "", rewardModelId: (values["reward-model"] as string | undefined) ?? "" });
        const id = String(row["reportId"]);
        io.out(`canary run ${id} for ${candidate}: ${String(row["status"])}`);
        if (values["no-wait"]) return { exitCode: 0 };
        let last = "";
        for (let i = 0; i < 3_600 && row["status"] !== "done" && row["status"] !== "failed"; i++) {
          await sleep(1_000);
          row = await call(io, base, key, "GET", `/v1/reports/${encodeURIComponent(id)}`);
          const line = `  ${String(row["stage"])} ${String(row["done"])}/${String(row["total"])}`;
          if (line !== last) io.err(line);
          last = line;
        }
        if (row["status"] === "failed") {
          io.err(`canary run failed: ${String(row["error"])}`);
          return { exitCode: 1 };
        }
        const report = row["report"] as { decision: string; reasons: { code: string; message: string }[]; metrics: { name: string; intent: string; candidate: { estimate: number }; production: { estimate: number } }[] } | undefined;
        if (!report) throw new HttpFailure(`canary run ${id} is ${String(row["status"])}`);
        io.out(`decision: ${report.decision.toUpperCase()}`);
        for (const r of report.reasons) io.out(`  ${r.code}: ${r.message}`);
        for (const m of report.metrics.filter((x) => x.intent === "")) io.out(`  ${m.name.padEnd(22)} production ${m.production.estimate.toFixed(3)}  candidate ${m.candidate.estimate.toFixed(3)}`);
        io.out(`report page: ${base}${String(row["html"])}`);
        return { exitCode: report.decision === "promote" ? 0 : 3 };
      }
      case "report": {
        const id = rest[0];
        const out = values["out"] as string | undefined;
        if (!id || !out) throw new CanaryUsageError("canary report needs REPORT_ID and --out FILE");
        const f = io.fetch ?? fetch;
        const res = await f(`${base}/v1/reports/${encodeURIComponent(id)}/html`, { headers: authHeader(key) }).catch((e: unknown) => {
          throw new HttpFailure(`cannot reach the canary service at ${base}: ${(e as Error).message}`);
        });
        const text = await res.text();
        if (!res.ok) throw new HttpFailure(`report ${id}: HTTP ${res.status}: ${text}`);
        writeFileSync(out, text);
        io.out(`wrote ${out} (${text.length} bytes)`);
        return { exitCode: 0 };
      }
      case "watch": {
        const r = await call(io, base, key, "GET", `/v1/tenants/${encodeURIComponent(tenant)}/watch`);
        if (values["json"]) {
          io.out(JSON.stringify(r, null, 2));
          return { exitCode: 0 };
        }
        const alerts = (r["alerts"] ?? []) as { kind: string; message: string }[];
        io.out(`weeks tracked: ${String((r["weeks"] as unknown[] | undefined)?.length ?? 0)}; retrain: ${String(r["retrain"] ?? "n/a")} ${String(r["retrainReason"] ?? "")}`);
        for (const a of alerts) io.out(`  ALERT ${a.kind}: ${a.message}`);
        const fit = r["rlhfFit"] as { preferenceShare?: number; recommendation?: string } | undefined;
        if (fit?.preferenceShare !== undefined) io.out(`negative feedback preference-shaped: ${pct(fit.preferenceShare)}; ${fit.recommendation ?? ""}`);
        return { exitCode: 0 };
      }
      default:
        throw new CanaryUsageError(sub ? `unknown canary command "${sub}"` : "a canary command is required");
    }
  } catch (e) {
    if (e instanceof CanaryUsageError) {
      io.err(`${e.message}\n${CANARY_USAGE}`);
      return { exitCode: 2 };
    }
    if (e instanceof HttpFailure || e instanceof SyntaxError || (e as NodeJS.ErrnoException).code === "ENOENT") {
      io.err((e as Error).message);
      return { exitCode: 1 };
    }
    throw e;
  }
}
