// A pool of worker threads that score with onnxruntime-node off the event loop. Every worker holds
// every loaded model; a call goes to the worker with the fewest rows pending, and a large batch is
// split across workers. A worker that dies is replaced and its models reloaded.
import { AppError } from "@rlhf-loop/kit";
import { Worker } from "node:worker_threads";
import type { FromWorker, ModelKind, ToWorker } from "./worker-protocol.js";

export interface PoolOptions {
  /** Worker threads (default 2: this machine's cores). */
  readonly size?: number;
  /** onnxruntime intra-op threads per worker (default 1). */
  readonly threadsPerWorker?: number;
  /** Batches above this many rows are split across workers (default 64). */
  readonly splitAbove?: number;
}

interface Pending {
  resolve: (s: Float64Array | undefined) => void;
  reject: (e: unknown) => void;
  rows: number;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  pendingRows: number;
}

interface ModelBytes {
  kind: ModelKind;
  onnx: Uint8Array;
  tokenizer?: string;
}

// The code runs through tsx (no build step): a small .mjs entry registers it inside the worker.
const WORKER_BOOT = new URL("./score-worker-boot.mjs", import.meta.url);
const WORKER_ENTRY = new URL("./score-worker.ts", import.meta.url).href;
/** A worker that keeps dying is not respawned more than this often. */
const MAX_RESTARTS_PER_MINUTE = 5;

export class ScoringPool {
  private readonly slots: Slot[] = [];
  private readonly models = new Map<string, ModelBytes>();
  private seq = 0;
  private closed = false;
  private restarts: number[] = [];

  private constructor(private readonly opts: Required<PoolOptions>) {}

  static create(opts: PoolOptions = {}): ScoringPool {
    const pool = new ScoringPool({ size: opts.size ?? 2, threadsPerWorker: opts.threadsPerWorker ?? 1, splitAbove: opts.splitAbove ?? 64 });
    for (let i = 0; i < pool.opts.size; i++) pool.slots.push(pool.spawn());
    return pool;
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_BOOT, { workerData: { threads: this.opts.threadsPerWorker, entry: WORKER_ENTRY } });
    const slot: Slot = { worker, pending: new Map(), pendingRows: 0 };
    worker.on("message", (m: FromWorker) => {
      const p = slot.pending.get(m.seq);
      if (!p) return;
      slot.pending.delete(m.seq);
      slot.pendingRows -= p.rows;
      if (m.type === "ok") p.resolve(m.scores);
      else p.reject(new AppError(m.code, m.message));
    });
    const fail = (why: string): void => {
      for (const p of slot.pending.values()) p.reject(new AppError("unavailable", `scoring worker ${why}`));
      slot.pending.clear();
      slot.pendingRows = 0;
      if (this.closed) return;
      const now = Date.now();
      this.restarts = this.restarts.filter((t) => now - t < 60_000);
      if (this.restarts.length >= MAX_RESTARTS_PER_MINUTE) return;
      this.restarts.push(now);
      // Replace the worker and give it every model the pool serves.
      const i = this.slots.indexOf(slot);
      if (i < 0) return;
      const fresh = this.spawn();
      this.slots[i] = fresh;
      for (const [id, m] of this.models) this.send(fresh, { type: "load", seq: 0, modelId: id, kind: m.kind, onnx: m.onnx, ...(m.tokenizer ? { tokenizer: m.tokenizer } : {}) }, 0).catch(() => {});
    };
    worker.on("error", (e) => fail(`failed: ${e.message}`));
    worker.on("exit", (code) => {
      if (!this.closed) fail(`exited with code ${code}`);
    });
    return slot;
  }

  private send(slot: Slot, msg: ToWorker, rows: number): Promise<Float64Array | undefined> {
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      slot.pending.set(seq, { resolve, reject, rows });
      slot.pendingRows += rows;
      slot.worker.postMessage({ ...msg, seq });
    });
  }

  /** Loads a model into every worker; resolves once all can score with it. */
  async load(modelId: string, kind: ModelKind, onnx: Uint8Array, tokenizer?: string): Promise<void> {
    this.models.set(modelId, { kind, onnx, ...(tokenizer !== undefined ? { tokenizer } : {}) });
    try {
      await Promise.all(this.slots.map((s) => this.send(s, { type: "load", seq: 0, modelId, kind, onnx, ...(tokenizer !== undefined ? { tokenizer } : {}) }, 0)));
    } catch (err) {
      this.models.delete(modelId);
      await this.unload(modelId);
      throw err;
    }
  }

  async unload(modelId: string): Promise<void> {
    this.models.delete(modelId);
    await Promise.all(this.slots.map((s) => this.send(s, { type: "unload", seq: 0, modelId }, 0)));
  }

  has(modelId: string): boolean {
    return this.models.has(modelId);
  }

  async score(modelId: string, rows: readonly { prompt: string; answer: string }[]): Promise<Float64Array> {
    if (this.closed) throw new AppError("unavailable", "scoring pool is closed");
    if (!this.models.has(modelId)) throw new AppError("not_found", `model ${modelId} is not loaded`);
    if (rows.length === 0) return new Float64Array(0);
    const parts = rows.length > this.opts.splitAbove ? this.slots.length : 1;
    const size = Math.ceil(rows.length / parts);
    const chunks: Promise<Float64Array | undefined>[] = [];
    for (let i = 0; i < rows.length; i += size) {
      const slot = this.slots.reduce((a, b) => (b.pendingRows < a.pendingRows ? b : a));
      const part = rows.slice(i, i + size);
      chunks.push(this.send(slot, { type: "score", seq: 0, modelId, rows: part }, part.length));
    }
    const res = await Promise.all(chunks);
    if (res.length === 1) return res[0]!;
    const out = new Float64Array(rows.length);
    let o = 0;
    for (const r of res) {
      out.set(r!, o);
      o += r!.length;
    }
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
