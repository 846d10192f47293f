/**
 * Issue 10: API keys are stored hashed and compared by hash. Reads every table and column of
 * ingestion's and labeling's schemas after keys were made and used: no plaintext key or secret is
 * stored anywhere, each key_hash is the sha256 of its key. Reads the code: keys are found by a
 * `key_hash = $1` lookup of their hash, hash equality goes through crypto.timingSafeEqual, and no
 * source compares a key, secret or token with === / !==.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import type { Pool } from "@rlhf-loop/kit";
import { createApiKey } from "@rlhf-loop/ingestion";
import { post, startHarness as startIngestion } from "../../ingestion/harness.js";
import { startHarness as startLabeling } from "../../labeling/harness.js";
import { readStackEnv } from "../../support/stack-env.js";
import { startTarget, type ServiceName } from "./targets.js";

const skip = readStackEnv() ? false : "needs KAFKA_BROKERS and DATABASE_URL (bash infra/stack.sh up)";
const root = new URL("../../../", import.meta.url).pathname;
const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

/** Every cell of every table of a schema, as text. */
async function allCells(pool: Pool, schema: string): Promise<{ table: string; column: string; value: string }[]> {
  const cols = await pool.query<{ table_name: string; column_name: string }>(
    "select c.table_name, c.column_name from information_schema.columns c join information_schema.tables t using (table_schema, table_name) where c.table_schema = $1 and t.table_type = 'BASE TABLE'",
    [schema],
  );
  const out: { table: string; column: string; value: string }[] = [];
  for (const c of cols.rows) {
    const r = await pool.query<{ v: string | null }>(`select "${c.column_name}"::text as v from "${schema}"."${c.table_name}"`);
    for (const row of r.rows) if (row.v !== null) out.push({ table: c.table_name, column: c.column_name, value: row.v });
  }
  return out;
}

function assertNotStored(cells: { table: string; column: string; value: string }[], key: string, secret: string): void {
  for (const c of cells) {
    assert.ok(!c.value.includes(key), `${c.table}.${c.column} stores the plaintext key`);
    assert.ok(!c.value.includes(secret), `${c.table}.${c.column} stores the key's secret`);
  }
}

test("ingestion stores only sha256 hashes of API keys", { skip, timeout: 60_000 }, async () => {
  const h = await startIngestion();
  try {
    const extra = await createApiKey(h.pool, { schema: h.schema, tenantId: h.tenantId });
    // Use a key, so anything written on use (last-used stamps, ledgers) is covered too.
    const r = await post(h.baseUrl, "/v1/feedback", { interactionId: "k-1", source: "FEEDBACK_SOURCE_END_USER", thumb: { direction: "THUMB_DIRECTION_UP" } }, { apiKey: h.apiKey });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const keys = [h.apiKey, h.otherApiKey, extra.apiKey];
    const cells = await allCells(h.pool, h.schema);
    assert.ok(cells.length > 0);
    // rlhf_<tenant>_<secret>: tenant ids have no "_", the base64url secret may.
    for (const k of keys) assertNotStored(cells, k, k.slice(k.indexOf("_", "rlhf_".length) + 1));
    const hashes = await h.pool.query<{ key_hash: string }>(`select key_hash from "${h.schema}".api_keys`);
    assert.deepEqual(hashes.rows.map((x) => x.key_hash).sort(), keys.map(sha256).sort());
  } finally {
    await h.close();
  }
});

test("labeling stores only sha256 hashes of rater keys", { skip, timeout: 60_000 }, async () => {
  const h = await startLabeling();
  try {
    const expert = await h.rater("expert-k");
    assert.equal((await h.http("GET", "/v1/review/me", expert)).status, 200);
    const keys = [h.leadKey, expert];
    const cells = await allCells(h.pool, h.schema);
    for (const k of keys) assertNotStored(cells, k, k.slice(8)); // key_prefix keeps "lbk_" + 4 characters by design
    const hashes = await h.pool.query<{ key_hash: string }>(`select key_hash from "${h.schema}".raters`);
    assert.deepEqual(hashes.rows.map((x) => x.key_hash).sort(), keys.map(sha256).sort());
  } finally {
    await h.close();
  }
});

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sources(full));
    else if (name.endsWith(".ts") && !name.endsWith(".test.ts")) out.push(full);
  }
  return out;
}

test("keys are looked up by hash, hashes compared with timingSafeEqual, never compared as plain strings", () => {
  const read = (p: string) => readFileSync(join(root, p), "utf8");
  // ingestion: Authorization -> sha256 -> one indexed lookup on key_hash.
  const auth = read("services/ingestion/src/accept/authenticator.ts");
  assert.match(auth, /const hash = hashApiKey\(key\)/);
  assert.match(auth, /findKeyOwner\(this\.db, this\.schema, hash\)/);
  assert.match(read("services/ingestion/src/store/tenants-store.ts"), /where k\.key_hash = \$1/);
  // The hash and its comparison are kit's (services/lib/kit/src/auth/keys.ts); ingestion re-exports them.
  assert.match(read("services/ingestion/src/domain/api-keys.ts"), /export \{ bearerToken, hashApiKey, hashesEqual \} from "@rlhf-loop\/kit"/);
  const keysTs = read("services/lib/kit/src/auth/keys.ts");
  assert.match(keysTs, /createHash\("sha256"\)/);
  assert.match(keysTs, /export function hashesEqual[\s\S]*?timingSafeEqual\(x, y\)/);
  // canary, reward, RL trainer: kit's ApiKeyAuth hashes the Bearer key, looks it up by hash, and
  // compares the stored hash in constant time.
  const apiKeyAuth = read("services/lib/kit/src/auth/api-key-auth.ts");
  assert.match(apiKeyAuth, /const hash = hashApiKey\(key\)/);
  assert.match(apiKeyAuth, /where key_hash = \$1 and revoked_at is null`,\s*\[hash\]/);
  assert.match(apiKeyAuth, /hashesEqual\(row\.key_hash, hash\)/);
  for (const svc of ["canary", "reward", "rl-trainer"]) {
    const service = read(`services/${svc}/src/service.ts`);
    assert.match(service, /new ApiKeyAuth\(pool, options\.dbSchema/, `${svc} builds kit's ApiKeyAuth`);
  }
  // labeling: the same, through sha256Hex.
  const raters = read("services/labeling/src/store/raters-store.ts");
  assert.match(raters, /where key_hash = \$1 and revoked_at is null`,\s*\[sha256Hex\(key\)\]/);
  assert.match(read("services/labeling/src/api/auth.ts"), /raterByKey\(this\.pool, this\.schema, key\)/);
  // Nowhere in either service is a key, secret or token compared with === or !== (the review
  // page's keyboard handler compares ev.key, a key press, and is the one exception).
  const cmp = /\b(apiKey|key|secret|token|keyHash|key_hash)\b\s*[!=]==(?!\s*(undefined|null|""))|(?<!(undefined|null|"")\s*)[!=]==\s*\b(apiKey|key|secret|token|keyHash|key_hash)\b/;
  const offenders: string[] = [];
  for (const dir of ["services/ingestion/src", "services/labeling/src", "services/canary/src", "services/reward/src", "services/rl-trainer/src", "services/lib/kit/src/auth"]) {
    for (const file of sources(join(root, dir))) {
      if (file.endsWith("review-page.ts")) continue;
      readFileSync(file, "utf8").split("\n").forEach((line, i) => {
        if (cmp.test(line)) offenders.push(`${file.slice(root.length)}:${i + 1}: ${line.trim()}`);
      });
    }
  }
  assert.deepEqual(offenders, []);
});

for (const name of ["reward", "rl-trainer", "canary"] as ServiceName[]) {
  test(`${name} stores only sha256 hashes of its callers' keys`, { skip, timeout: 90_000 }, async () => {
    const t = await startTarget(name);
    try {
      const made = [await t.makeKey!("acme", "reader"), await t.makeKey!("*", "service")];
      // Use them, so anything written on use is covered too.
      for (const k of made) assert.notEqual((await fetch(`${t.baseUrl}/v1/nothing-here`, { headers: { authorization: `Bearer ${k}` } })).status, 500);
      const keys = [...t.keys.map((k) => k.slice("Bearer ".length)), ...made];
      const cells = await allCells(t.pool, t.schema);
      for (const k of keys) assertNotStored(cells, k, k.slice(k.indexOf("_") + 1));
      // Every key made here is stored as its sha256 (the harness may have made more, hashed alike).
      const hashes = (await t.pool.query<{ key_hash: string }>(`select key_hash from "${t.schema}".api_keys`)).rows.map((x) => x.key_hash);
      for (const k of keys) assert.ok(hashes.includes(sha256(k)), "key_hash = sha256(key)");
      for (const h of hashes) assert.match(h, /^[0-9a-f]{64}$/);
    } finally {
      await t.close();
    }
  });
}
