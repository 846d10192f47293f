#!/usr/bin/env node
// Builds the browser bundle of the client and the <rlhf-thumbs> widget into dist/browser/
// (not committed): an ES module and an IIFE exposing `window.RlhfFeedback`. Fails when anything
// Node-only (node:*, @grpc/*, the test sink) would end up in it.
// Usage: node services/client/scripts/build-browser.mjs [--outdir DIR]
import { build } from "esbuild";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const i = process.argv.indexOf("--outdir");
const outdir = i > 0 ? resolve(process.argv[i + 1]) : join(pkg, "dist", "browser");
mkdirSync(outdir, { recursive: true });

const common = {
  entryPoints: [join(pkg, "src", "widget", "browser.ts")],
  bundle: true,
  platform: "browser",
  target: ["es2022", "chrome116", "firefox124", "safari17"],
  minify: true,
  sourcemap: true,
  metafile: true,
  legalComments: "none",
  logLevel: "warning",
};

const results = await Promise.all([
  build({ ...common, format: "esm", outfile: join(outdir, "rlhf-feedback.js") }),
  build({ ...common, format: "iife", globalName: "RlhfFeedback", outfile: join(outdir, "rlhf-feedback.iife.js") }),
]);

const inputs = Object.keys(results[0].metafile.inputs);
const forbidden = inputs.filter((p) => /(^|\/)node:|@grpc\/|\/testing\/|\/transport\/grpc\./.test(p));
if (forbidden.length > 0) {
  console.error(`browser bundle pulls in Node-only modules:\n  ${forbidden.join("\n  ")}`);
  process.exit(1);
}
const copies = inputs.filter((p) => p.endsWith("@bufbuild/protobuf/dist/esm/index.js"));
if (copies.length > 1) console.warn(`warning: ${copies.length} copies of @bufbuild/protobuf in the bundle`);
for (const [file, meta] of Object.entries(results[0].metafile.outputs).concat(Object.entries(results[1].metafile.outputs))) {
  if (!file.endsWith(".map")) console.log(`${file}  ${(meta.bytes / 1024).toFixed(1)} KiB`);
}
