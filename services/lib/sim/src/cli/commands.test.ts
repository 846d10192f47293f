import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { startSink } from "@rlhf-loop/client/testing";
import { parseSimExportArgs, parseSimStreamArgs, runSimExport, runSimStream, SimUsageError } from "./commands.js";

const root = await mkdtemp(join(tmpdir(), "sim-cli-"));
after(() => rm(root, { recursive: true, force: true }));

function buffer() {
  let text = "";
  return { sink: { write: (s: string) => (text += s), isTTY: false }, text: () => text };
}

const smallWorld = join(root, "world.yaml");
await writeFile(smallWorld, "traffic:\n  interactionsPerDay: 120\nexperts:\n  pairsPerDay: 4\n");

void test("stream flags parse into options; bad flags are named", () => {
  const o = parseSimStreamArgs(["--config", "w.yaml", "--seed", "7", "--days", "14", "--rate", "2000/s", "--target", "http://127.0.0.1:8080"], {});
  assert.deepEqual(o, { config: "w.yaml", seed: "7", days: 14, fromDay: 0, rate: 2000, target: "http://127.0.0.1:8080", maxSeconds: 3600, tail: false, quiet: false });
  assert.equal(parseSimStreamArgs(["--target", "http://x"], { RLHF_API_KEY: "rlhf_a_b" }).apiKey, "rlhf_a_b");
  assert.throws(() => parseSimStreamArgs([], {}), (e: unknown) => e instanceof SimUsageError && /--target is required/.test(e.message));
  assert.equal(parseSimStreamArgs(["--target", "grpc://127.0.0.1:9090"], {}).target, "grpc://127.0.0.1:9090");
  assert.throws(() => parseSimStreamArgs(["--target", "ftp://x"], {}), /--target must be an http\(s\):\/\/ URL or grpc:\/\/host:port/);
  assert.throws(() => parseSimStreamArgs(["--target", "grpc://nohost"], {}), /--target must be/);
  assert.throws(() => parseSimStreamArgs(["--target", "http://x", "--days", "two"], {}), /--days must be an integer >= 1 \(got "two"\)/);
  assert.throws(() => parseSimStreamArgs(["--target", "http://x", "--rate", "lots"], {}), /--rate must look like/);
  assert.throws(() => parseSimStreamArgs(["--target", "http://x", "--speed", "1"], {}), /speed/);
  assert.throws(() => parseSimExportArgs(["--out", "d", "--format", "xml"]), /--format must be jsonl or csv \(got "xml"\)/);
  assert.throws(() => parseSimExportArgs([]), /--out is required/);
});

void test("rlhf sim export writes the files and a progress bar to stderr", async () => {
  const out = join(root, "export");
  const err = buffer();
  const r = await runSimExport(["--config", smallWorld, "--seed", "7", "--days", "2", "--format", "csv", "--out", out], { stderr: err.sink });
  assert.equal(r.exitCode, 0);
  assert.ok(r.result && r.result.events > 200);
  const csv = await readFile(join(out, "events.csv"), "utf8");
  assert.equal(csv.split("\r\n").length - 2, r.result.events);
  assert.match(err.text(), /export s7-[0-9a-f]{6} \[#+\] 100% \d+ events/);
});

void test("usage and config errors exit 2 with the reason on stderr", async () => {
  const err = buffer();
  assert.equal((await runSimExport(["--out", root, "--days", "0"], { stderr: err.sink })).exitCode, 2);
  assert.match(err.text(), /--days must be an integer >= 1[\s\S]*usage: rlhf sim export/);
  const bad = join(root, "bad.yaml");
  await writeFile(bad, "segments:\n  - name: a\n    share: lots\n");
  const err2 = buffer();
  assert.equal((await runSimExport(["--out", root, "--config", bad], { stderr: err2.sink })).exitCode, 2);
  assert.match(err2.text(), /segments\[0\]\.share: must be a number >= 0 \(got "lots"\)/);
});

void test("rlhf sim stream sends a day to the target and reports it", async () => {
  const sink = await startSink({ apiKey: "rlhf_t1_secret" });
  try {
    const err = buffer();
    const r = await runSimStream(
      ["--config", smallWorld, "--seed", "3", "--days", "1", "--rate", "5000/s", "--target", sink.url, "--api-key", "rlhf_t1_secret"],
      { stderr: err.sink },
    );
    assert.equal(r.exitCode, 0, err.text());
    assert.equal(r.result?.delivered, sink.stored.size);
    assert.ok(sink.stored.size > 100);
    assert.match(err.text(), /sent \d+, acknowledged \d+ \(0 duplicates\), dropped 0/);
    // A wrong key is refused by the server: nothing delivered, exit code 1.
    const err2 = buffer();
    const r2 = await runSimStream(["--config", smallWorld, "--days", "1", "--target", sink.url, "--api-key", "wrong", "--max-events", "10", "--quiet"], { stderr: err2.sink });
    assert.equal(r2.exitCode, 1);
    assert.match(err2.text(), /rejected: 401/);
  } finally {
    await sink.close();
  }
});
