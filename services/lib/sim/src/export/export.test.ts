import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fromJsonString } from "@bufbuild/protobuf";
import { IngestEventSchema } from "@rlhf-loop/proto";
import { parseWorldConfig } from "../config/load.js";
import { INTENT_IDS } from "../domain/intents.js";
import { REASON_CODES } from "../domain/reason-codes.js";
import { createWorld } from "../world/world.js";
import { CSV_COLUMNS } from "./csv.js";
import { exportWorld, type ExportFormat } from "./export.js";

const root = await mkdtemp(join(tmpdir(), "sim-export-"));
after(() => rm(root, { recursive: true, force: true }));

const config = parseWorldConfig({ traffic: { interactionsPerDay: 250 }, experts: { pairsPerDay: 10 } });
let n = 0;
async function run(seed: number, format: ExportFormat, extra: { truth?: boolean; tail?: boolean } = {}) {
  const outDir = join(root, `run-${n++}`);
  const res = await exportWorld(createWorld(config, seed), { days: 2, format, outDir, ...extra });
  return { res, outDir, bytes: await readFile(join(outDir, `events.${format}`)) };
}

void test("export is byte-for-byte deterministic for a seed and config, and differs across seeds", async () => {
  for (const format of ["jsonl", "csv"] as const) {
    const a = await run(7, format, { truth: true });
    const b = await run(7, format, { truth: true });
    const c = await run(8, format);
    assert.ok(a.bytes.length > 10_000);
    assert.ok(a.bytes.equals(b.bytes), `${format}: same seed, different bytes`);
    assert.ok(!a.bytes.equals(c.bytes), `${format}: different seeds, same bytes`);
    assert.ok((await readFile(join(a.outDir, "truth.jsonl"))).equals(await readFile(join(b.outDir, "truth.jsonl"))));
    assert.ok((await readFile(join(a.outDir, "manifest.json"))).equals(await readFile(join(b.outDir, "manifest.json"))));
  }
});

void test("JSONL lines are IngestEvents in the proto JSON mapping, in time order", async () => {
  const { res, bytes } = await run(7, "jsonl");
  const lines = bytes.toString("utf8").trimEnd().split("\n");
  assert.equal(lines.length, res.events);
  let last = -Infinity;
  const counts = { interaction: 0, feedback: 0, outcome: 0 };
  for (const line of lines) {
    const ev = fromJsonString(IngestEventSchema, line);
    const v = ev.event.value!;
    const at = Number(v.occurredAt!.seconds) * 1000 + v.occurredAt!.nanos / 1e6;
    assert.ok(at >= last);
    last = at;
    counts[ev.event.case!]++;
  }
  assert.deepEqual(counts, res.counts);
  assert.match(lines[0]!, /^\{"interaction":\{"interactionId":"s7-[0-9a-f]{6}-d0-\d+"/);
});

/** Minimal RFC 4180 reader, enough to check the writer. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else field += ch;
  }
  return rows;
}

void test("CSV has the documented columns, one row per event, with answers intact", async () => {
  const { res, bytes, outDir } = await run(7, "csv", { tail: true });
  const rows = parseCsv(bytes.toString("utf8"));
  assert.deepEqual(rows[0], [...CSV_COLUMNS]);
  assert.equal(rows.length - 1, res.events);
  for (const r of rows) assert.equal(r.length, CSV_COLUMNS.length);
  const col = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name);
  const interactions = rows.slice(1).filter((r) => r[col("event_type")] === "interaction");
  assert.ok(interactions.some((r) => r[col("answer")]!.includes("\n1. ")), "multi-line answers survive quoting");
  const thumbs = rows.slice(1).filter((r) => r[col("feedback_kind")] === "thumb");
  assert.ok(thumbs.length > 0 && thumbs.every((r) => ["up", "down"].includes(r[col("thumb")]!)));
  // The product's intent tag on interaction rows; reason codes (";"-joined) only on thumbs-down rows.
  assert.ok(interactions.every((r) => (INTENT_IDS as readonly string[]).includes(r[col("intent")]!)));
  const coded = thumbs.filter((r) => r[col("reason_codes")] !== "");
  assert.ok(coded.length > 0 && coded.every((r) => r[col("thumb")] === "down"));
  assert.ok(coded.every((r) => r[col("reason_codes")]!.split(";").every((c) => (REASON_CODES as readonly string[]).includes(c))));
  const outcomes = rows.slice(1).filter((r) => r[col("event_type")] === "outcome");
  assert.ok(outcomes.every((r) => ["escalation", "refund", "reopen", "compliance_flag"].includes(r[col("outcome_kind")]!)));
  const manifest = JSON.parse(await readFile(join(outDir, "manifest.json"), "utf8")) as { events: number; columns: string[]; tail: boolean };
  assert.equal(manifest.events, res.events);
  assert.equal(manifest.tail, true);
  assert.deepEqual(manifest.columns, [...CSV_COLUMNS]);
  // With the tail, outcomes of day 1 that land on later days are included.
  assert.ok(rows.slice(1).some((r) => r[col("occurred_at")]! >= "2025-03-05"));
});
