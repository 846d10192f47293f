import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { bearerToken, generateApiKey, hashApiKey, hashesEqual, keyPrefix, parseApiKey } from "./api-keys.js";

describe("api keys", () => {
  it("generates rlhf_<tenant>_<secret> with 256 bits of secret, unique each time", () => {
    const k = generateApiKey("acme-eu");
    assert.match(k, /^rlhf_acme-eu_[A-Za-z0-9_-]{43}$/);
    assert.notEqual(generateApiKey("acme-eu"), k);
    assert.deepEqual(parseApiKey(k), { tenantId: "acme-eu", secret: k.slice("rlhf_acme-eu_".length) });
  });

  it("refuses tenant ids that would break the key format", () => {
    for (const bad of ["", "Acme", "a_b", "-a", "a".repeat(64), "a b"]) assert.throws(() => generateApiKey(bad), /invalid tenant id/);
  });

  it("parses only well-formed keys (a secret may contain _ and -)", () => {
    assert.deepEqual(parseApiKey(`rlhf_t1_${"a_b-".repeat(10)}`), { tenantId: "t1", secret: "a_b-".repeat(10) });
    for (const bad of ["", "rlhf_t1_short", "sk_t1_" + "a".repeat(40), `rlhf__${"a".repeat(40)}`, `rlhf_T1_${"a".repeat(40)}`]) {
      assert.equal(parseApiKey(bad), undefined, bad);
    }
  });

  it("stores the sha256 hex of the whole key", () => {
    const k = generateApiKey("t");
    assert.equal(hashApiKey(k), createHash("sha256").update(k).digest("hex"));
    assert.ok(hashesEqual(hashApiKey(k), hashApiKey(k)));
    assert.ok(!hashesEqual(hashApiKey(k), hashApiKey(k + "x")));
  });

  it("shows a prefix that does not reveal the secret", () => {
    const k = generateApiKey("acme");
    const p = keyPrefix(k);
    assert.ok(k.startsWith(p));
    assert.equal(p.length, "rlhf_acme_".length + 6);
  });

  it("reads bearer tokens", () => {
    assert.equal(bearerToken("Bearer abc"), "abc");
    assert.equal(bearerToken("bearer  abc "), "abc");
    assert.equal(bearerToken("Basic abc"), undefined);
    assert.equal(bearerToken("Bearer a b"), undefined);
    assert.equal(bearerToken(undefined), undefined);
  });
});
