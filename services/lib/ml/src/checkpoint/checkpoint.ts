// Checkpoints: a JSON manifest plus one raw little-endian float file holding every weight and the
// AdamW moments. See README.md ("Checkpoint format").
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { FloatArray } from "../graph/core.js";
import type { AdamWConfig } from "../graph/train-step.js";
import type { TrainState } from "../runtime/trainer.js";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export const CHECKPOINT_FORMAT = "rlhf-ml-checkpoint";
export const CHECKPOINT_VERSION = 1;
export const MANIFEST_FILE = "manifest.json";
export const DATA_FILE = "tensors.bin";

export type TensorRole = "param" | "adam.m" | "adam.v";

export interface ManifestTensor {
  readonly name: string;
  readonly role: TensorRole;
  readonly shape: readonly number[];
  /** Byte offset in the data file. */
  readonly offset: number;
  /** Number of elements. */
  readonly length: number;
}

export interface CheckpointManifest {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly version: number;
  readonly dtype: "float32" | "float64";
  readonly byteOrder: "little";
  /** What the weights belong to (kind, config, vocabulary...): the caller's JSON, kept verbatim. */
  readonly model: Json;
  readonly optimizer: { readonly kind: "adamw"; readonly step: number; readonly config: AdamWConfig | null };
  readonly tensors: readonly ManifestTensor[];
  readonly dataFile: string;
  readonly dataBytes: number;
  readonly sha256: string;
}

export interface Checkpoint {
  readonly model: Json;
  readonly state: TrainState;
  readonly adam?: AdamWConfig;
}

export function encodeCheckpoint(ck: Checkpoint): { manifest: CheckpointManifest; data: Uint8Array } {
  const entries: { name: string; role: TensorRole; shape: readonly number[]; data: FloatArray }[] = [];
  let dtype: "float32" | "float64" | undefined;
  for (const [name, p] of ck.state.params) {
    const m = ck.state.m.get(name);
    const v = ck.state.v.get(name);
    if (!m || !v) throw new Error(`checkpoint: no optimizer moments for "${name}"`);
    entries.push({ name, role: "param", shape: p.shape, data: p.data }, { name, role: "adam.m", shape: p.shape, data: m }, { name, role: "adam.v", shape: p.shape, data: v });
  }
  for (const e of entries) {
    const t = e.data instanceof Float64Array ? "float64" : "float32";
    if (dtype && dtype !== t) throw new Error("checkpoint: tensors mix float32 and float64");
    dtype = t;
    if (e.data.length !== e.shape.reduce((a, b) => a * b, 1)) throw new Error(`checkpoint: "${e.name}" (${e.role}) does not match its shape`);
  }
  const width = dtype === "float64" ? 8 : 4;
  const total = entries.reduce((s, e) => s + e.data.length * width, 0);
  const data = new Uint8Array(total);
  const tensors: ManifestTensor[] = [];
  let offset = 0;
  for (const e of entries) {
    data.set(new Uint8Array(e.data.buffer, e.data.byteOffset, e.data.byteLength), offset);
    tensors.push({ name: e.name, role: e.role, shape: [...e.shape], offset, length: e.data.length });
    offset += e.data.byteLength;
  }
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    dtype: dtype ?? "float32",
    byteOrder: "little",
    model: ck.model,
    optimizer: { kind: "adamw", step: ck.state.step, config: ck.adam ?? null },
    tensors,
    dataFile: DATA_FILE,
    dataBytes: total,
    sha256: createHash("sha256").update(data).digest("hex"),
  };
  return { manifest, data };
}

function fail(field: string, reason: string): never {
  throw new Error(`checkpoint manifest: ${field}: ${reason}`);
}

export function decodeCheckpoint(manifestJson: unknown, data: Uint8Array): Checkpoint {
  const m = manifestJson as Partial<CheckpointManifest> | null;
  if (!m || typeof m !== "object") fail("$", "not an object");
  if (m.format !== CHECKPOINT_FORMAT) fail("format", `expected "${CHECKPOINT_FORMAT}"`);
  if (m.version !== CHECKPOINT_VERSION) fail("version", `unsupported version ${String(m.version)}`);
  if (m.dtype !== "float32" && m.dtype !== "float64") fail("dtype", "must be float32 or float64");
  if (m.byteOrder !== "little") fail("byteOrder", 'must be "little"');
  if (!Array.isArray(m.tensors)) fail("tensors", "must be an array");
  if (!m.optimizer || typeof m.optimizer.step !== "number") fail("optimizer.step", "must be a number");
  if (data.byteLength !== m.dataBytes) fail("dataBytes", `data file has ${data.byteLength} bytes, manifest says ${String(m.dataBytes)}`);
  const digest = createHash("sha256").update(data).digest("hex");
  if (digest !== m.sha256) fail("sha256", "data file does not match its checksum");
  const width = m.dtype === "float64" ? 8 : 4;
  const params = new Map<string, { shape: readonly number[]; data: FloatArray }>();
  const mm = new Map<string, FloatArray>();
  const vv = new Map<string, FloatArray>();
  m.tensors.forEach((t, i) => {
    const where = `tensors[${i}]`;
    if (typeof t.name !== "string" || !t.name) fail(`${where}.name`, "must be a non-empty string");
    const shape: unknown = t.shape;
    if (!Array.isArray(shape) || !shape.every((d): d is number => Number.isInteger(d) && (d as number) >= 0)) fail(`${where}.shape`, "must be non-negative integers");
    const n = (shape as number[]).reduce((a, b) => a * b, 1);
    if (t.length !== n) fail(`${where}.length`, `${t.length} does not match shape [${t.shape.join(",")}]`);
    if (!Number.isInteger(t.offset) || t.offset < 0 || t.offset % width !== 0 || t.offset + n * width > data.byteLength) {
      fail(`${where}.offset`, "outside the data file or misaligned");
    }
    const bytes = data.slice(t.offset, t.offset + n * width);
    const arr = m.dtype === "float64" ? new Float64Array(bytes.buffer) : new Float32Array(bytes.buffer);
    const target = t.role === "param" ? null : t.role === "adam.m" ? mm : t.role === "adam.v" ? vv : fail(`${where}.role`, `unknown role "${String(t.role)}"`);
    if (target === null) {
      if (params.has(t.name)) fail(`${where}.name`, `duplicate param "${t.name}"`);
      params.set(t.name, { shape: [...t.shape], data: arr });
    } else {
      target.set(t.name, arr);
    }
  });
  for (const [name, p] of params) {
    if (mm.get(name)?.length !== p.data.length || vv.get(name)?.length !== p.data.length) fail("tensors", `optimizer moments of "${name}" missing or mis-sized`);
  }
  const adam = m.optimizer.config ?? undefined;
  return { model: (m.model ?? null) as Json, state: { params, m: mm, v: vv, step: m.optimizer.step }, ...(adam ? { adam } : {}) };
}

/** Writes `dir/tensors.bin` then `dir/manifest.json` (each via a temporary file and a rename, so a
 * reader never sees a half-written checkpoint). */
export async function saveCheckpoint(dir: string, ck: Checkpoint): Promise<CheckpointManifest> {
  const { manifest, data } = encodeCheckpoint(ck);
  await mkdir(dir, { recursive: true });
  const write = async (name: string, bytes: Uint8Array | string): Promise<void> => {
    const tmp = join(dir, `.${name}.tmp`);
    await writeFile(tmp, bytes);
    await rename(tmp, join(dir, name));
  };
  await write(DATA_FILE, data);
  await write(MANIFEST_FILE, JSON.stringify(manifest, null, 1));
  return manifest;
}

export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  const manifest: unknown = JSON.parse(await readFile(join(dir, MANIFEST_FILE), "utf8"));
  const file = (manifest as { dataFile?: unknown } | null)?.dataFile;
  if (file !== DATA_FILE) fail("dataFile", `expected "${DATA_FILE}"`);
  return decodeCheckpoint(manifest, new Uint8Array(await readFile(join(dir, DATA_FILE))));
}
