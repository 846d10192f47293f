import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { Reward } from "@rlhf-loop/proto";
import { AppError } from "../errors/app-error.js";
import { grpcStatusOf, httpStatusOf } from "../errors/status.js";
import { createPool, type Pool } from "../db/pool.js";
import { addService, bindGrpc, createGrpcServer, stopGrpc } from "../rpc/server.js";
import { rewardScoresClient } from "../rpc/reward-scores.js";
import { NO_DB, randomSuffix, stackEnv } from "../testing/wait.js";
import { ApiKeyAuth, canAccess, type Caller } from "./api-key-auth.js";
import { keyScopeViolations, serviceKeys } from "./key-store.js";
import { OwnerCache } from "./owner-cache.js";
import { bearerToken, hashApiKey, hashesEqual, isApiKeyOf, keyIdOf, newApiKey } from "./keys.js";

const isCode = (code: string) => (e: unknown) => e instanceof AppError && e.code === code;

describe("api key primitives", () => {
  it("makes <prefix>_<43 base64url> keys with 256 random bits, unique each time", () => {
    const k = newApiKey("rk");
    assert.match(k, /^rk_[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(k.slice(3), "base64url").length, 32);
    assert.notEqual(newApiKey("rk"), k);
    assert.ok(isApiKeyOf("rk", k));
    assert.ok(!isApiKeyOf("ck", k), "another service's prefix");
    assert.ok(!isApiKeyOf("rk", `${k}x`) && !isApiKeyOf("rk", k.slice(0, -1)) && !isApiKeyOf("rk", `rk_${"a".repeat(42)}!`));
    for (const bad of ["", "RK", "r_k", "abcdefghi"]) assert.throws(() => newApiKey(bad), /prefix/);
  });

  it("hashes with sha256 hex and compares hashes in constant time", () => {
    const k = newApiKey("ck");
    assert.equal(hashApiKey(k), createHash("sha256").update(k).digest("hex"));
    assert.ok(hashesEqual(hashApiKey(k), hashApiKey(k)));
    assert.ok(!hashesEqual(hashApiKey(k), hashApiKey(`${k}x`)));
    assert.ok(!hashesEqual(hashApiKey(k), hashApiKey(k).slice(0, 62)), "different lengths");
    assert.equal(keyIdOf(hashApiKey(k)), hashApiKey(k).slice(0, 16));
  });

  it("reads bearer tokens from an HTTP header or gRPC metadata value", () => {
    assert.equal(bearerToken("Bearer abc"), "abc");
    assert.equal(bearerToken("bearer  abc "), "abc");
    for (const bad of ["Basic abc", "Bearer a b", "Bearer", "abc", "", undefined]) assert.equal(bearerToken(bad), undefined, String(bad));
  });

  it("allows * only for service keys, and names the bad field", () => {
    assert.deepEqual(keyScopeViolations("acme", "reader"), []);
    assert.deepEqual(keyScopeViolations("*", "service"), []);
    assert.match(keyScopeViolations("*", "operator").join(), /only a service key/);
    assert.match(keyScopeViolations("acme", "admin").join(), /role must be one of reader, operator, service/);
    assert.match(keyScopeViolations("", "reader").join(), /tenant must be/);
    assert.match(keyScopeViolations("a b", "reader").join(), /tenant must be/);
  });

  it("a * key acts for any tenant, a tenant key only for its own", () => {
    const star: Caller = { tenantId: "*", role: "service", keyId: "x" };
    const acme: Caller = { tenantId: "acme", role: "reader", keyId: "y" };
    assert.ok(canAccess(star, "acme") && canAccess(star, "other"));
    assert.ok(canAccess(acme, "acme"));
    assert.ok(!canAccess(acme, "other") && !canAccess(acme, "*") && !canAccess(acme, ""));
  });

  it("auth off lets every call through (the explicit test-only option)", async () => {
    const off = ApiKeyAuth.off();
    const c = await off.require(undefined, ["service"], "anyone");
    assert.equal(c.tenantId, "*");
  });

  it("unauthenticated and permission_denied map to 401/403 and UNAUTHENTICATED/PERMISSION_DENIED", () => {
    assert.equal(httpStatusOf(new AppError("unauthenticated", "x")), 401);
    assert.equal(httpStatusOf(new AppError("permission_denied", "x")), 403);
    assert.equal(grpcStatusOf(new AppError("unauthenticated", "x")), 16);
    assert.equal(grpcStatusOf(new AppError("permission_denied", "x")), 7);
  });
});

const DDL = (schema: string) => `create schema if not exists "${schema}";
create table "${schema}".api_keys (
  key_hash text primary key, tenant_id text not null, role text not null, label text not null default '',
  created_at timestamptz not null default now(), revoked_at timestamptz)`;

describe("ApiKeyAuth and serviceKeys on the real Postgres", { skip: stackEnv.databaseUrl ? false : NO_DB }, () => {
  let pool: Pool;
  const schema = `kit_keys_${randomSuffix()}`;
  const keys = serviceKeys({ prefix: "tk", defaultSchema: schema });
  let queries = 0;
  const counted = () => ({
    query: ((sql: string, values?: unknown[]) => {
      queries++;
      return pool.query(sql, values);
    }) as Pool["query"],
  });

  before(async () => {
    pool = createPool({ url: stackEnv.databaseUrl ?? "", max: 2 });
    await pool.query(DDL(schema));
  });
  after(async () => {
    await pool.query(`drop schema if exists "${schema}" cascade`);
    await pool.end();
  });

  it("stores only the hash; the key resolves to its tenant and role", async () => {
    const made = await keys.create(pool, { tenantId: "acme", role: "reader", label: "ci" });
    assert.ok(isApiKeyOf("tk", made.key));
    const rows = await pool.query<{ key_hash: string; tenant_id: string; role: string; label: string }>(`select * from "${schema}".api_keys`);
    assert.deepEqual(rows.rows.map((r) => [r.key_hash, r.tenant_id, r.role, r.label]), [[hashApiKey(made.key), "acme", "reader", "ci"]]);
    assert.ok(!JSON.stringify(rows.rows).includes(made.key.slice(3)));
    const auth = new ApiKeyAuth(pool, schema, { prefix: "tk" });
    assert.deepEqual(await auth.authenticate(`Bearer ${made.key}`), { tenantId: "acme", role: "reader", keyId: made.id });
    const listed = await keys.list(pool, { tenantId: "acme" });
    assert.deepEqual(listed.map((k) => [k.id, k.role, k.label, k.revokedAt]), [[made.id, "reader", "ci", null]]);
    assert.ok(!JSON.stringify(listed).includes(made.key) && !JSON.stringify(listed).includes(hashApiKey(made.key)));
    await assert.rejects(keys.create(pool, { tenantId: "*", role: "operator" }), /only a service key/);
  });

  it("401 for missing, malformed, unknown or another service's keys; 403 for role or tenant", async () => {
    const auth = new ApiKeyAuth(pool, schema, { prefix: "tk" });
    const op = (await keys.create(pool, { tenantId: "acme", role: "operator" })).key;
    const svc = (await keys.create(pool, { tenantId: "*", role: "service" })).key;
    for (const h of [undefined, "", "Basic x", `Bearer ${newApiKey("tk")}`, `Bearer ${newApiKey("ck")}`, `Bearer ${op}x`, "Bearer ' or 1=1 --"]) {
      await assert.rejects(auth.require(h, ["operator"], "acme"), isCode("unauthenticated"), String(h));
    }
    assert.equal((await auth.require(`Bearer ${op}`, ["operator"], "acme")).tenantId, "acme");
    await assert.rejects(auth.require(`Bearer ${op}`, ["service"], "acme"), isCode("permission_denied"));
    await assert.rejects(auth.require(`Bearer ${op}`, ["operator"], "globex"), (e: unknown) => isCode("permission_denied")(e) && !(e as Error).message.includes("globex") && !(e as Error).message.includes("acme"));
    assert.equal((await auth.require(`Bearer ${svc}`, ["service"], "globex")).tenantId, "*");
    assert.equal((await auth.require(`Bearer ${op}`, ["operator"])).tenantId, "acme", "no tenant named: role only");
  });

  it("caches a key for the TTL: revocation takes effect once it passes, by key or by id", async () => {
    let now = 1_000_000;
    queries = 0;
    const auth = new ApiKeyAuth(counted(), schema, { prefix: "tk", ttlMs: 5_000, negativeTtlMs: 1_000, now: () => now });
    const a = await keys.create(pool, { tenantId: "acme", role: "reader" });
    const b = await keys.create(pool, { tenantId: "acme", role: "reader" });
    await auth.authenticate(`Bearer ${a.key}`);
    await auth.authenticate(`Bearer ${a.key}`);
    assert.equal(queries, 1, "the second call is served from the cache");
    assert.equal(await keys.revoke(pool, { key: a.key }), 1);
    assert.equal(await keys.revoke(pool, { key: a.key }), 0, "already revoked");
    now += 4_000;
    await auth.authenticate(`Bearer ${a.key}`); // still cached
    now += 1_001;
    await assert.rejects(auth.authenticate(`Bearer ${a.key}`), isCode("unauthenticated"));
    await auth.authenticate(`Bearer ${b.key}`);
    assert.equal(await keys.revoke(pool, { id: b.id }), 1);
    now += 5_001;
    await assert.rejects(auth.authenticate(`Bearer ${b.key}`), isCode("unauthenticated"));
    // An unknown key is remembered briefly: a client retrying a wrong key is not a query per call.
    const q0 = queries;
    const wrong = `Bearer ${newApiKey("tk")}`;
    await assert.rejects(auth.authenticate(wrong), isCode("unauthenticated"));
    await assert.rejects(auth.authenticate(wrong), isCode("unauthenticated"));
    assert.equal(queries, q0 + 1);
    assert.ok((await keys.list(pool)).filter((k) => k.revokedAt !== null).length >= 2);
    await assert.rejects(keys.revoke(pool, { id: "xyz" }), /hex/);
  });

  it("a database failure is 503 unavailable, not a pass", async () => {
    const broken = { query: (() => Promise.reject(new Error("connection refused"))) as unknown as Pool["query"] };
    const auth = new ApiKeyAuth(broken, schema, { prefix: "tk" });
    await assert.rejects(auth.authenticate(`Bearer ${newApiKey("tk")}`), isCode("unavailable"));
  });
});

describe("rewardScoresClient sends its key", () => {
  it("as authorization: Bearer metadata on every ScoreBatch call", async () => {
    const seen: (string | undefined)[] = [];
    const server = createGrpcServer();
    const refuse = () => Promise.reject(new AppError("failed_precondition", "not here"));
    addService(server, Reward, {
      score: refuse,
      compare: refuse,
      getModel: refuse,
      async scoreBatch(req, ctx) {
        seen.push(ctx.header("authorization"));
        return { modelId: req.modelId, scores: req.items.map(() => 1) };
      },
    });
    const port = await bindGrpc(server, "127.0.0.1:0");
    const key = newApiKey("rk");
    const client = rewardScoresClient(`127.0.0.1:${port}`, { batch: 2, key });
    const bare = rewardScoresClient(`127.0.0.1:${port}`);
    try {
      assert.deepEqual(await client.score("m", [1, 2, 3].map(() => ({ prompt: "p", answer: "a" }))), [1, 1, 1]);
      await bare.score("m", [{ prompt: "p", answer: "a" }]);
      assert.deepEqual(seen, [`Bearer ${key}`, `Bearer ${key}`, undefined]);
    } finally {
      client.close();
      bare.close();
      await stopGrpc(server, 1_000);
    }
  });
});

describe("OwnerCache", () => {
  it("looks an owner up once, does not remember unknown ids, and starts over when full", async () => {
    const calls: string[] = [];
    const owners: Record<string, string> = { a: "t1", b: "", c: "t2" };
    const cache = new OwnerCache(async (id) => (calls.push(id), owners[id]), 2);
    assert.equal(await cache.get("a"), "t1");
    assert.equal(await cache.get("a"), "t1");
    assert.equal(await cache.get("b"), "", "a shared (empty) owner is an owner");
    assert.equal(await cache.get("b"), "");
    assert.equal(await cache.get("x"), undefined);
    assert.equal(await cache.get("x"), undefined);
    assert.deepEqual(calls, ["a", "b", "x", "x"]);
    assert.equal(await cache.get("c"), "t2"); // full: the map starts over
    assert.equal(await cache.get("a"), "t1");
    assert.deepEqual(calls, ["a", "b", "x", "x", "c", "a"]);
  });
});
