/**
 * Issue 10: `rlhf <canary|reward|policy> keys create|list|revoke`, as an operator runs them (the
 * real command, as a process, on the shared Postgres, in a schema of its own): create prints the
 * key once on stdout and stores only its hash; list shows ids, tenants and roles, never a key;
 * revoke by id works once; `*` is refused for any role but service.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { after, test } from "node:test";
import { createPool } from "@rlhf-loop/kit";
import { readStackEnv } from "../support/stack-env.js";

const env = readStackEnv();
const skip = env ? false : "needs DATABASE_URL (bash infra/stack.sh up)";
const bin = new URL("../../services/cli/bin/rlhf.mjs", import.meta.url).pathname;
const schemas: string[] = [];

function rlhf(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args, "--database-url", env!.databaseUrl], { encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

after(async () => {
  if (!env || schemas.length === 0) return;
  const pool = createPool({ url: env.databaseUrl, max: 1 });
  for (const s of schemas) await pool.query(`drop schema if exists "${s}" cascade`);
  await pool.end();
});

for (const [word, prefix] of [["canary", "ck"], ["reward", "rk"], ["policy", "pk"]] as const) {
  test(`rlhf ${word} keys create / list / revoke`, { skip, timeout: 120_000 }, async () => {
    const schema = `cli_keys_${word}_${randomBytes(4).toString("hex")}`;
    schemas.push(schema);
    const made = rlhf([word, "keys", "create", "--tenant", "acme", "--role", "operator", "--label", "ci", "--schema", schema]);
    assert.equal(made.status, 0, made.stderr);
    const key = made.stdout.trim();
    assert.match(key, new RegExp(`^${prefix}_[A-Za-z0-9_-]{43}$`));
    const id = createHash("sha256").update(key).digest("hex").slice(0, 16);
    assert.match(made.stderr, new RegExp(`${id} \\(operator of tenant acme\\)`));

    const listed = rlhf([word, "keys", "list", "--schema", schema]);
    assert.equal(listed.status, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`^${id}\\tacme\\toperator\\tci\\t\\S+\\tlive$`, "m"));
    assert.ok(!listed.stdout.includes(key.slice(3, 20)), "never the key");

    const star = rlhf([word, "keys", "create", "--tenant", "*", "--role", "reader", "--schema", schema]);
    assert.equal(star.status, 2);
    assert.match(star.stderr, /service only/);

    const pool = createPool({ url: env!.databaseUrl, max: 1 });
    try {
      const rows = await pool.query<{ key_hash: string }>(`select key_hash from "${schema}".api_keys`);
      assert.deepEqual(rows.rows.map((r) => r.key_hash), [createHash("sha256").update(key).digest("hex")]);
    } finally {
      await pool.end();
    }
    assert.equal(rlhf([word, "keys", "revoke", "--id", id, "--schema", schema]).status, 0);
    const again = rlhf([word, "keys", "revoke", "--id", id, "--schema", schema]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /no live key matched/);
    assert.match(rlhf([word, "keys", "list", "--schema", schema]).stdout, /\trevoked /);
  });
}
