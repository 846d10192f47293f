import { mkdir, open, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { World } from "../world/world.js";
import { CSV_COLUMNS, csvHeader, csvRow } from "./csv.js";
import { jsonlLine, truthLine } from "./jsonl.js";

export type ExportFormat = "jsonl" | "csv";

export interface ExportOptions {
  days: number;
  fromDay?: number;
  format: ExportFormat;
  outDir: string;
  /** Also write truth.jsonl (gold, intent, traits per interaction; careless clicks, applied rubric per feedback). */
  truth?: boolean;
  /** Include the later consequences (outcomes, expert labels) of the exported days. */
  tail?: boolean;
  onProgress?: (p: { day: number; events: number }) => void;
}

export interface ExportResult {
  files: string[];
  events: number;
  counts: { interaction: number; feedback: number; outcome: number };
}

/**
 * Writes the world's events to `outDir/events.jsonl` or `outDir/events.csv`, plus
 * `manifest.json`. Output depends only on config, seed and options: byte for byte.
 */
export async function exportWorld(world: World, opts: ExportOptions): Promise<ExportResult> {
  await mkdir(opts.outDir, { recursive: true });
  const eventsPath = join(opts.outDir, `events.${opts.format}`);
  const truthPath = join(opts.outDir, "truth.jsonl");
  const out = await open(eventsPath, "w");
  const truth = opts.truth ? await open(truthPath, "w") : undefined;
  const counts = { interaction: 0, feedback: 0, outcome: 0 };
  let events = 0;
  try {
    if (opts.format === "csv") await out.write(csvHeader());
    let chunk = "";
    let truthChunk = "";
    let day = opts.fromDay ?? 0;
    for await (const e of world.events({ days: opts.days, fromDay: opts.fromDay ?? 0, tail: opts.tail ?? false })) {
      if (e.day !== day) {
        await out.write(chunk);
        if (truth) await truth.write(truthChunk);
        chunk = "";
        truthChunk = "";
        opts.onProgress?.({ day, events });
        day = e.day;
      }
      chunk += opts.format === "csv" ? csvRow(e) : jsonlLine(e);
      if (truth) truthChunk += truthLine(e) ?? "";
      const kind = e.event.event.case;
      if (kind) counts[kind]++;
      events++;
    }
    await out.write(chunk);
    if (truth) await truth.write(truthChunk);
    opts.onProgress?.({ day, events });
  } finally {
    await out.close();
    await truth?.close();
  }
  const manifest = {
    world: world.id,
    name: world.config.name,
    seed: world.seed,
    fromDay: opts.fromDay ?? 0,
    days: opts.days,
    tail: opts.tail ?? false,
    format: opts.format,
    start: world.config.start,
    events,
    counts,
    ...(opts.format === "csv" ? { columns: CSV_COLUMNS } : {}),
    files: [`events.${opts.format}`, ...(opts.truth ? ["truth.jsonl"] : [])],
  };
  const manifestPath = join(opts.outDir, "manifest.json");
  await writeFile(manifestPath, JSON.stringify(manifest, null, 2) + "\n");
  return { files: [eventsPath, ...(opts.truth ? [truthPath] : []), manifestPath], events, counts };
}
