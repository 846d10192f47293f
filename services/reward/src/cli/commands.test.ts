import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { syntheticPairs } from "../testing/synthetic.js";
import { runRewardScore, runRewardTrain } from "./commands.js";

function sink(): { text: string; write(s: string): boolean } {
  return {
    text: "",
    write(s: string) {
      this.text += s;
      return true;
    },
  };
}

describe("rlhf reward CLI", () => {
  it("trains on a TRL file, writes artifacts, prints accuracy next to the length rule; scores with the artifact", async () => {
    const dir = await mkdtemp(join(tmpdir(), "reward-cli-"));
    try {
      const pairs = syntheticPairs(300, { seed: 31 });
      await writeFile(join(dir, "pairs.jsonl"), pairs.map((p) => JSON.stringify({ prompt: p.prompt, chosen: p.chosen, rejected: p.rejected })).join("\n"));
      const out = sink();
      const err = sink();
      const r = await runRewardTrain(["--pairs", join(dir, "pairs.jsonl"), "--format", "trl", "--out", join(dir, "m"), "--epochs", "3", "--quiet"], { stdout: out, stderr: err });
      assert.equal(r.exitCode, 0, err.text);
      assert.match(out.text, /held-out accuracy \d+\.\d% \[\d+\.\d%, \d+\.\d%\] on \d+ pairs; length-only rule \d+\.\d% on the same pairs/);
      assert.ok(r.result!.report.accuracy.value > 0.9);
      assert.ok((await stat(join(dir, "m", "model.onnx"))).size > 1000);
      const diag = JSON.parse(await readFile(join(dir, "m", "diagnostics.json"), "utf8")) as { checks: unknown[] };
      assert.ok(diag.checks.length >= 7);
      await writeFile(join(dir, "in.jsonl"), `${JSON.stringify({ prompt: pairs[0]!.prompt, chosen: pairs[0]!.chosen, rejected: pairs[0]!.rejected })}\n${JSON.stringify({ prompt: "p", response: "r" })}\n`);
      const so = sink();
      const s = await runRewardScore(["--onnx", join(dir, "m", "model.onnx"), "--in", join(dir, "in.jsonl")], { stdout: so, stderr: sink() });
      assert.equal(s.exitCode, 0);
      const lines = so.text.trim().split("\n").map((l) => JSON.parse(l) as Record<string, number>);
      assert.equal(lines.length, 2);
      assert.ok(lines[0]!["chosen"]! > lines[0]!["rejected"]!);
      assert.equal(typeof lines[1]!["score"], "number");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("bad usage and bad files exit 2 with the reason", async () => {
    const err = sink();
    assert.equal((await runRewardTrain(["--pairs", "x.jsonl", "--format", "csv"], { stdout: sink(), stderr: err })).exitCode, 2);
    assert.match(err.text, /--format must be one of hh, trl, openai-dpo/);
    const dir = await mkdtemp(join(tmpdir(), "reward-cli-"));
    try {
      await writeFile(join(dir, "bad.jsonl"), `{"prompt":"p","chosen":"a","rejected":"b"}\n{"prompt":"p","chosen":"a"}\n`);
      const e2 = sink();
      assert.equal((await runRewardTrain(["--pairs", join(dir, "bad.jsonl"), "--format", "trl"], { stdout: sink(), stderr: e2 })).exitCode, 2);
      assert.match(e2.text, /line 2: rejected/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("scores the HF fixture: every score within 1e-4, one row at a time and in padded batches", async (t) => {
    const fx = process.env["HF_REWARD_FIXTURE"] ?? "/work/shared/fixtures/hf-bert-reward";
    let expected: { cases: { prompt: string; response: string; score: number }[] };
    try {
      expected = JSON.parse(await readFile(join(fx, "expected.json"), "utf8")) as typeof expected;
    } catch {
      t.skip(`fixture ${fx} absent`);
      return;
    }
    const dir = await mkdtemp(join(tmpdir(), "reward-cli-"));
    try {
      await writeFile(join(dir, "in.jsonl"), expected.cases.map((c) => JSON.stringify({ prompt: c.prompt, response: c.response })).join("\n"));
      for (const batch of ["1", "4", "11"]) {
        const out = sink();
        const r = await runRewardScore(["--onnx", join(fx, "model.onnx"), "--tokenizer", join(fx, "tokenizer.json"), "--in", join(dir, "in.jsonl"), "--batch", batch], { stdout: out, stderr: sink() });
        assert.equal(r.exitCode, 0);
        const scores = out.text.trim().split("\n").map((l) => (JSON.parse(l) as { score: number }).score);
        assert.equal(scores.length, expected.cases.length);
        let worst = 0;
        scores.forEach((s, i) => (worst = Math.max(worst, Math.abs(s - expected.cases[i]!.score))));
        assert.ok(worst < 1e-4, `batch ${batch}: worst |score - expected| = ${worst}`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
