/**
 * Issue 10, tenancy: every ingestion write path (4 HTTP routes, 5 gRPC methods) with another
 * tenant's key answers 403 / PERMISSION_DENIED and stores nothing; an id reused across tenants
 * reveals nothing; labeling's tenant-scoped reads and writes with another tenant's lead key answer
 * 404 or the caller's own data. No answer, error message or /metrics series carries the victim's
 * key, ids or content (tenancy.ts lists each check).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { readStackEnv } from "../../support/stack-env.js";
import { canaryTenancy, ingestionTenancy, labelingTenancy } from "./tenancy.js";

const skip = readStackEnv() ? false : "needs KAFKA_BROKERS and DATABASE_URL (bash infra/stack.sh up)";

test("ingestion: another tenant's key cannot write as, or learn about, a tenant", { skip, timeout: 90_000 }, async () => {
  const s = await ingestionTenancy();
  assert.ok(s.paths >= 12, `paths checked: ${s.paths}`);
  assert.deepEqual(s.leaks, []);
});

test("labeling: another tenant's key reads and writes nothing of a tenant", { skip, timeout: 90_000 }, async () => {
  const s = await labelingTenancy();
  assert.ok(s.paths >= 13, `paths checked: ${s.paths}`);
  assert.deepEqual(s.leaks, []);
});

test("canary: tenant-scoped lists never show another tenant's sets (canary has no caller credential: reported)", { skip, timeout: 90_000 }, async () => {
  const s = await canaryTenancy();
  assert.ok(s.paths >= 4, `paths checked: ${s.paths}`);
  assert.deepEqual(s.leaks, []);
  for (const u of s.unauthenticated ?? []) console.log(`no caller authentication: ${u}`);
});
