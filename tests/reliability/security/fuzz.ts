/**
 * The fuzzer: every HTTP route of a target (enumerated from its fastify instance, so a new route
 * is fuzzed without touching this file) and every gRPC method of its services (from the proto
 * descriptors) gets random and adversarial input. Invariants checked: no 5xx (gRPC: no INTERNAL or
 * UNKNOWN), the process still answers /healthz, Object.prototype untouched, and nothing stored when
 * every request of a property run was rejected.
 */
import * as grpc from "@grpc/grpc-js";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { advString, bodyArb, fieldNamesOf, grpcPayloadArb, mutatedBodyArb, tenMegabyteBody, type RawBody } from "./payloads.js";
import type { Target } from "./targets.js";

export interface Route {
  method: string;
  url: string;
}

/** Routes of a fastify instance, parsed from `printRoutes()` (a tree whose nodes concatenate to paths). */
export function routesOf(app: FastifyInstance): Route[] {
  const out: Route[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split("\n")) {
    const m = /^([\s│]*)[└├]── (.*?)(?: \(([A-Z, -]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = Math.round(m[1]!.length / 4);
    stack.length = depth;
    stack[depth] = m[2]!;
    const methods = (m[3] ?? "").split(",").map((s) => s.trim()).filter((s) => s && s !== "HEAD" && s !== "-" && s !== "OPTIONS");
    for (const method of methods) out.push({ method, url: stack.join("") });
  }
  return out;
}

export interface Finding {
  service: string;
  target: string;
  kind: "5xx" | "grpc-internal" | "crash" | "pollution" | "stored-on-rejection" | "hang";
  detail: string;
}

export interface FuzzStats {
  routes: number;
  methods: number;
  cases: number;
  accepted: number;
  findings: Finding[];
}

export interface FuzzOptions {
  /** fast-check runs per route and per gRPC method. */
  runs: number;
  seed?: number;
  /** Send one 10 MB string body to every route that takes a body. */
  tenMegabytes?: boolean;
}

const PROTO_BASELINE = Object.getOwnPropertyNames(Object.prototype).sort().join(",");

function prototypePolluted(): string | undefined {
  const now = Object.getOwnPropertyNames(Object.prototype).sort().join(",");
  const probe = {} as Record<string, unknown>;
  if (now !== PROTO_BASELINE || probe["polluted"] !== undefined || probe["isAdmin"] !== undefined) return `Object.prototype now has: ${now}`;
  return undefined;
}

async function healthy(t: Target): Promise<boolean> {
  try {
    const r = await fetch(`${t.baseUrl}/healthz`, { signal: AbortSignal.timeout(5_000) });
    return r.status === 200;
  } catch {
    return false;
  }
}

/** Waits until the target's stored count stops moving (accepted events persist asynchronously). */
async function settledCount(t: Target): Promise<number> {
  let last = await t.stored();
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 250));
    const n = await t.stored();
    if (n === last) return n;
    last = n;
  }
  return last;
}

const PARAM = /(?<=\/):[A-Za-z_][A-Za-z0-9_]*/g;

/** Percent-encodes UTF-8 bytes; a string starting with "%raw:" is sent as is (invalid escapes, overlong UTF-8). */
function pct(s: string): string {
  if (s.startsWith("%raw:")) return s.slice(5);
  let out = "";
  for (const b of Buffer.from(s, "utf8")) out += /[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, "0")}`;
  return out;
}

interface HttpCase {
  path: string[];
  query: [string, string][];
  auth: number;
  body: RawBody;
}

function summarize(c: { body?: RawBody; path?: string[] }, url: string): string {
  const b = c.body ? `${c.body.kind} ${c.body.contentType}${c.body.contentEncoding ? ` +${c.body.contentEncoding}` : ""} ${c.body.bytes.length}B: ${c.body.bytes.subarray(0, 160).toString("utf8")}` : "";
  return `${url} ${b}`.slice(0, 400);
}

async function send(t: Target, route: Route, url: string, auth: string | undefined, body: RawBody | undefined): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = {};
  if (auth !== undefined) headers["authorization"] = auth;
  const hasBody = body !== undefined && route.method !== "GET" && route.method !== "DELETE";
  if (hasBody) {
    if (body.contentType) headers["content-type"] = body.contentType;
    if (body.contentEncoding) headers["content-encoding"] = body.contentEncoding;
  }
  const res = await fetch(`${t.baseUrl}${url}`, { method: route.method, headers, ...(hasBody ? { body: new Uint8Array(body.bytes) } : {}), signal: AbortSignal.timeout(30_000) });
  return { status: res.status, text: await res.text() };
}

export async function fuzzHttp(t: Target, o: FuzzOptions, stats: FuzzStats): Promise<void> {
  const routes = routesOf(t.http);
  const names = fieldNamesOf(t.grpcServices.flatMap((s) => (s.methods as DescMethod[]).flatMap((m) => [m.input, m.output])));
  // Header values fetch accepts (it refuses NUL and CR/LF client-side); invalid bytes go in bodies.
  const auths = [...t.keys, undefined, "Bearer rlhf_x_' or 1=1 --aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "Bearer <script>", "Basic Zm9vOmJhcg==", `Bearer ${"k".repeat(8000)}`];
  for (const route of routes) {
    stats.routes++;
    const params = route.url.match(PARAM) ?? [];
    const caseArb: fc.Arbitrary<HttpCase> = fc.record({
      path: fc.tuple(...params.map(() => fc.oneof({ weight: 5, arbitrary: advString.map((s) => s.slice(0, 3000)) }, { weight: 1, arbitrary: fc.constantFrom("%raw:%ff%fe", "%raw:%c0%af", "%raw:%", "%raw:%zz", "%raw:..%2f..%2f", "%raw:%00") }))),
      query: fc.array(fc.tuple(fc.oneof(fc.constantFrom("tenant", "format", "weights", "limit", "__proto__[polluted]", "constructor[prototype][polluted]"), fc.string({ maxLength: 8 })), advString.map((s) => s.slice(0, 2000))), { maxLength: 3 }),
      auth: fc.nat({ max: auths.length - 1 }),
      body: bodyArb(names),
    });
    const before = await t.stored();
    let accepted = 0;
    const label = `${route.method} ${route.url}`;
    const result = await fc.check(
      fc.asyncProperty(caseArb, async (c) => {
        let i = 0;
        const path = route.url.replace(PARAM, () => pct(c.path[i++] ?? ""));
        const qs = c.query.length ? `?${c.query.map(([k, v]) => `${pct(k)}=${pct(v)}`).join("&")}` : "";
        stats.cases++;
        let res: { status: number; text: string };
        try {
          res = await send(t, route, path + qs, auths[c.auth], c.body);
        } catch (err) {
          if (!(await healthy(t))) throw new Error(`crash: ${label}: ${String(err)} / ${summarize(c, path + qs)}`, { cause: err });
          throw new Error(`hang: ${label}: ${String(err)} / ${summarize(c, path + qs)}`, { cause: err });
        }
        if (res.status < 400) accepted++;
        const polluted = prototypePolluted();
        if (polluted) throw new Error(`pollution: ${label}: ${polluted} / ${summarize(c, path + qs)}`);
        if (res.status >= 500) throw new Error(`5xx: ${label} -> ${res.status} ${res.text.slice(0, 200)} / ${summarize(c, path + qs)}`);
        return true;
      }),
      { numRuns: o.runs, ...(o.seed !== undefined ? { seed: o.seed } : {}), endOnFailure: true },
    );
    if (result.failed) {
      const msg = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
      const kind = (/^(5xx|crash|hang|pollution)/.exec(msg)?.[1] ?? "5xx") as Finding["kind"];
      stats.findings.push({ service: t.name, target: label, kind, detail: `${msg} (seed ${result.seed}, path ${result.counterexamplePath ?? ""})` });
      if (kind === "pollution") for (const k of Object.getOwnPropertyNames(Object.prototype)) if (!PROTO_BASELINE.split(",").includes(k)) delete (Object.prototype as Record<string, unknown>)[k];
    }
    // Nothing stored when every hostile request was rejected.
    const hostileAccepted = accepted;
    const after = hostileAccepted > 0 ? await settledCount(t) : await t.stored();
    if (hostileAccepted === 0 && after !== before) stats.findings.push({ service: t.name, target: label, kind: "stored-on-rejection", detail: `stored count ${before} -> ${after} with every request rejected` });

    // Valid bodies with a field or three changed: past the validators, into the handlers. Some are
    // accepted (and stored), so only the 5xx, crash and pollution checks apply here.
    const samples = t.samples[label];
    if (samples && samples.length > 0) {
      const mutated = await fc.check(
        fc.asyncProperty(mutatedBodyArb(samples, names), fc.nat({ max: Math.max(0, t.keys.length - 1) }), async (body, a) => {
          stats.cases++;
          const path = route.url.replace(PARAM, "s-1");
          let res: { status: number; text: string };
          try {
            res = await send(t, route, path, t.keys[a], body);
          } catch (err) {
            throw new Error(`${(await healthy(t)) ? "hang" : "crash"}: ${label}: ${String(err)} / ${summarize({ body }, path)}`, { cause: err });
          }
          if (res.status < 400) accepted++;
          const polluted = prototypePolluted();
          if (polluted) throw new Error(`pollution: ${label}: ${polluted} / ${summarize({ body }, path)}`);
          if (res.status >= 500) throw new Error(`5xx: ${label} -> ${res.status} ${res.text.slice(0, 200)} / ${summarize({ body }, path)}`);
          return true;
        }),
        { numRuns: o.runs, ...(o.seed !== undefined ? { seed: o.seed } : {}), endOnFailure: true },
      );
      if (mutated.failed) {
        const msg = mutated.errorInstance instanceof Error ? mutated.errorInstance.message : String(mutated.errorInstance);
        const kind = (/^(5xx|crash|hang|pollution)/.exec(msg)?.[1] ?? "5xx") as Finding["kind"];
        stats.findings.push({ service: t.name, target: `${label} (mutated valid body)`, kind, detail: `${msg} (seed ${mutated.seed}, path ${mutated.counterexamplePath ?? ""})` });
      }
    }
    if (o.tenMegabytes && route.method !== "GET") {
      stats.cases++;
      const big = tenMegabyteBody(names[0] ?? "x");
      const path = route.url.replace(PARAM, "x");
      try {
        const res = await send(t, route, path, t.keys[0], big);
        if (res.status < 400) accepted++;
        if (res.status >= 500) stats.findings.push({ service: t.name, target: label, kind: "5xx", detail: `10 MB body -> ${res.status} ${res.text.slice(0, 200)}` });
      } catch (err) {
        stats.findings.push({ service: t.name, target: label, kind: (await healthy(t)) ? "hang" : "crash", detail: `10 MB body: ${String(err)}` });
      }
    }
    if (!(await healthy(t))) stats.findings.push({ service: t.name, target: label, kind: "crash", detail: "/healthz stopped answering 200 after fuzzing this route" });
    stats.accepted += accepted;
    if (accepted > 0) await settledCount(t);
  }
}

// ---- gRPC ----

const identity = (b: Buffer): Buffer => b;

function metadataOf(auth: string | undefined): grpc.Metadata {
  const md = new grpc.Metadata();
  if (auth !== undefined) md.set("authorization", auth);
  return md;
}

/** One call with raw request bytes; resolves to the status code (0 = OK). */
function callRaw(client: grpc.Client, service: DescService, method: DescMethod, payloads: Buffer[], auth: string | undefined): Promise<{ code: number; details: string }> {
  const path = `/${service.typeName}/${method.name}`;
  const deadline = Date.now() + 30_000;
  return new Promise((resolve) => {
    const done = (err: grpc.ServiceError | null) => resolve(err ? { code: err.code, details: err.details } : { code: 0, details: "" });
    switch (method.methodKind) {
      case "unary":
        client.makeUnaryRequest(path, identity, identity, payloads[0] ?? Buffer.alloc(0), metadataOf(auth), { deadline }, (err) => done(err));
        return;
      case "client_streaming": {
        const call = client.makeClientStreamRequest(path, identity, identity, metadataOf(auth), { deadline }, (err) => done(err));
        for (const p of payloads) call.write(p);
        call.end();
        return;
      }
      case "server_streaming": {
        const call = client.makeServerStreamRequest(path, identity, identity, payloads[0] ?? Buffer.alloc(0), metadataOf(auth), { deadline });
        call.on("data", () => undefined);
        call.on("error", (err: grpc.ServiceError) => done(err));
        call.on("status", (s: grpc.StatusObject) => {
          if (s.code === 0) resolve({ code: 0, details: "" });
        });
        return;
      }
      case "bidi_streaming": {
        const call = client.makeBidiStreamRequest(path, identity, identity, metadataOf(auth), { deadline });
        call.on("data", () => undefined);
        call.on("error", (err: grpc.ServiceError) => done(err));
        call.on("status", (s: grpc.StatusObject) => {
          if (s.code === 0) resolve({ code: 0, details: "" });
        });
        for (const p of payloads) call.write(p);
        call.end();
        return;
      }
    }
  });
}

export async function fuzzGrpc(t: Target, o: FuzzOptions, stats: FuzzStats): Promise<void> {
  const client = new grpc.Client(t.grpcAddress, grpc.credentials.createInsecure(), { "grpc.max_send_message_length": 64 * 1024 * 1024 });
  const auths = [...t.keys, undefined, "Bearer nope", "Bearer ' or 1=1 --", `Bearer ${"k".repeat(8000)}`];
  try {
    for (const service of t.grpcServices) {
      for (const method of service.methods as DescMethod[]) {
        stats.methods++;
        const label = `${service.typeName}/${method.name}`;
        const before = await t.stored();
        let accepted = 0;
        const result = await fc.check(
          fc.asyncProperty(fc.array(grpcPayloadArb(method.input), { minLength: 1, maxLength: 4 }), fc.nat({ max: auths.length - 1 }), async (payloads, a) => {
            stats.cases++;
            const r = await callRaw(client, service, method, payloads.map((p) => p.bytes), auths[a]);
            if (r.code === 0) accepted++;
            const polluted = prototypePolluted();
            if (polluted) throw new Error(`pollution: ${label}: ${polluted}`);
            if (r.code === grpc.status.INTERNAL || r.code === grpc.status.UNKNOWN) throw new Error(`grpc-internal: ${label} -> ${grpc.status[r.code]} ${r.details.slice(0, 200)} / ${payloads.map((p) => `${p.kind} ${p.bytes.length}B ${p.bytes.subarray(0, 48).toString("hex")}`).join("; ")}`);
            if (r.code === grpc.status.DEADLINE_EXCEEDED) throw new Error(`hang: ${label} did not answer in 30 s`);
            return true;
          }),
          { numRuns: o.runs, ...(o.seed !== undefined ? { seed: o.seed } : {}), endOnFailure: true },
        );
        if (result.failed) {
          const msg = result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
          const kind = (/^(grpc-internal|hang|pollution)/.exec(msg)?.[1] ?? "grpc-internal") as Finding["kind"];
          stats.findings.push({ service: t.name, target: label, kind, detail: `${msg} (seed ${result.seed})` });
        }
        if (!(await healthy(t))) stats.findings.push({ service: t.name, target: label, kind: "crash", detail: "/healthz stopped answering 200 after fuzzing this method" });
        stats.accepted += accepted;
        const after = accepted > 0 ? await settledCount(t) : await t.stored();
        if (accepted === 0 && after !== before) stats.findings.push({ service: t.name, target: label, kind: "stored-on-rejection", detail: `stored count ${before} -> ${after} with every call rejected` });
      }
    }
  } finally {
    client.close();
  }
}

export function emptyStats(): FuzzStats {
  return { routes: 0, methods: 0, cases: 0, accepted: 0, findings: [] };
}

export async function fuzzTarget(t: Target, o: FuzzOptions, stats: FuzzStats = emptyStats()): Promise<FuzzStats> {
  await fuzzHttp(t, o, stats);
  await fuzzGrpc(t, o, stats);
  return stats;
}
