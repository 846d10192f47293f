import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { defaultWorldConfig, loadWorldConfig, parseWorldConfig, parseWorldConfigText, SimConfigError } from "./load.js";

const defaultYaml = fileURLToPath(new URL("../../worlds/default.yaml", import.meta.url));

function issuesOf(fn: () => unknown): { path: string; reason: string }[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SimConfigError, `expected SimConfigError, got ${String(err)}`);
    return [...err.issues];
  }
  assert.fail("expected the config to be rejected");
}

void test("worlds/default.yaml is exactly the built-in defaults", () => {
  assert.deepEqual(loadWorldConfig(defaultYaml), defaultWorldConfig());
});

void test("an empty config takes every default; JSON and YAML read the same", () => {
  assert.deepEqual(parseWorldConfig({}), defaultWorldConfig());
  assert.deepEqual(parseWorldConfigText(""), defaultWorldConfig());
  const json = parseWorldConfigText('{"traffic": {"interactionsPerDay": 10}, "drift": {"day": 2}}');
  const yaml = parseWorldConfigText("traffic:\n  interactionsPerDay: 10\ndrift:\n  day: 2\n");
  assert.deepEqual(json, yaml);
  assert.equal(json.traffic.interactionsPerDay, 10);
  assert.equal(json.traffic.dailyJitter, 0.1);
});

void test("bad fields are named by path with the reason", () => {
  const issues = issuesOf(() =>
    parseWorldConfig({
      traffic: { interactionsPerDay: -3, burst: 1 },
      segments: [{ name: "a" }, { name: "b", share: "lots" }, { name: "a", voice: "pirate" }],
      drift: { newIntent: "weather" },
      bot: { style: { tone: { warm: -1, snarky: 1 } } },
      experts: { count: 1, laggingExperts: 3 },
    }),
  );
  const byPath = new Map(issues.map((i) => [i.path, i.reason]));
  assert.match(byPath.get("traffic.interactionsPerDay") ?? "", /integer between 1 and 5000000 \(got -3\)/);
  assert.match(byPath.get("traffic.burst") ?? "", /unknown field/);
  assert.match(byPath.get("segments[1].share") ?? "", /number >= 0 \(got "lots"\)/);
  assert.match(byPath.get("segments[2].voice") ?? "", /one of "enterprise", "smb", "consumer"/);
  assert.match(byPath.get("segments[2].name") ?? "", /duplicate segment name "a"/);
  assert.match(byPath.get("drift.newIntent") ?? "", /one of .*"feature_change"/);
  assert.match(byPath.get("bot.style.tone.warm") ?? "", /number >= 0/);
  assert.match(byPath.get("bot.style.tone.snarky") ?? "", /unknown key/);
  assert.match(byPath.get("experts.laggingExperts") ?? "", /at most experts.count \(1\)/);
});

void test("the error message lists every issue and the source", () => {
  try {
    parseWorldConfigText("users:\n  noiseSd: loud\n", "world.yaml");
    assert.fail("expected rejection");
  } catch (err) {
    assert.ok(err instanceof SimConfigError);
    assert.match(err.message, /invalid world.yaml:\n {2}users.noiseSd: must be a number between 0 and 10 \(got "loud"\)/);
  }
  const syntax = issuesOf(() => parseWorldConfigText("traffic: [1, 2"));
  assert.equal(syntax[0]?.path, "(file)");
  assert.equal(issuesOf(() => parseWorldConfig([1, 2]))[0]?.path, "(root)");
});
