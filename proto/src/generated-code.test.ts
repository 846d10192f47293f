import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const protoDir = new URL("..", import.meta.url).pathname;
// Workspaces hoist binaries to the root; buf also needs protoc-gen-es on PATH.
const binDir = join(protoDir, "../node_modules/.bin");
const bufBin = join(binDir, "buf");
const env = { ...process.env, PATH: `${join(protoDir, "node_modules/.bin")}:${binDir}:${process.env["PATH"] ?? ""}` };

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort();
}

test("the .proto files pass buf lint", () => {
  execFileSync(bufBin, ["lint"], { cwd: protoDir, stdio: "pipe", env });
});

test("committed generated code matches the .proto files", () => {
  const out = mkdtempSync(join(tmpdir(), "rlhf-proto-"));
  try {
    execFileSync(bufBin, ["generate", "--output", out], { cwd: protoDir, stdio: "pipe", env });
    const fresh = join(out, "src/gen");
    const committed = join(protoDir, "src/gen");
    assert.deepEqual(listFiles(committed), listFiles(fresh), "generated file set drifted: run `make proto`");
    for (const f of listFiles(fresh)) {
      const a = readFileSync(join(committed, f), "utf8");
      const b = readFileSync(join(fresh, f), "utf8");
      assert.equal(a, b, `${relative(protoDir, join(committed, f))} drifted from its .proto: run \`make proto\``);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
