// A pool of worker threads that score with onnxruntime-node off the event loop. Every worker holds
// every loaded model; a call goes at once to the worker with the fewest rows pending, while a large
// batch is cut into chunks that wait in the pool and go to workers at most two at a time each, so
// a single Score never queues behind more than two chunks of somebody's big batch. A worker that
// dies is replaced and its models reloaded.
import { AppError } from "@rlhf-loop/kit";
import { Worker } from "node:worker_threads";
import { epochClock, type FromWorker, type ModelKind, type ToWorker, type WorkerTimes } from "./worker-protocol.js";

export interface PoolOptions {
  /** Worker threads (default 2: this machine's cores). */
  readonly size?: number;
  /** onnxruntime intra-op threads per worker (default 1). */
  readonly threadsPerWorker?: number;
  /** Calls above this many rows are cut into chunks of this many rows, queued in the pool and
   *  handed to workers as they free up (default 64). */
  readonly splitAbove?: number;
  /** Called with each score message's timings (benchmarks); workers then report their clocks. */
  readonly trace?: (t: ScoreTrace) => void;
  /** The worker's module (tests give one that dies); default the scoring worker. */
  readonly workerEntry?: string;
}

/** Where one score message spent its time; clocks in ms since the epoch, comparable across threads. */
export interface ScoreTrace extends WorkerTimes {
  readonly rows: number;
  /** Rows already pending on the chosen worker when this message was sent (0: an idle worker). */
  readonly rowsAhead: number;
  /** Just before and just after postMessage on the pool's thread. */
  readonly sent: number;
  readonly posted: number;
  /** The reply was handled on the pool's thread (the caller's promise resolves next). */
  readonly done: number;
}

/** Why a call is refused once every worker kept dying past its restart budget. */
const workersGone = () => new AppError("unavailable", "scoring workers keep failing; retry later");

interface Pending {
  resolve: (s: Float64Array | undefined) => void;
  reject: (e: unknown) => void;
  rows: number;
  trace?: { rowsAhead: number; sent: number; posted: number };
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  pendingRows: number;
  /** Batch chunks posted to this worker and not answered yet (at most BULK_DEPTH). */
  chunks: number;
  /** Died after the restart budget was spent: it takes no more calls. */
  dead?: boolean;
}

/** A large call: its chunks fill `out` as they are answered. */
interface Batch {
  readonly out: Float64Array;
  left: number;
  failed: boolean;
  readonly resolve: (s: Float64Array) => void;
  readonly reject: (e: unknown) => void;
}

interface Chunk {
  readonly batch: Batch;
  readonly modelId: string;
  readonly rows: readonly { prompt: string; answer: string }[];
  readonly offset: number;
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
/** Batch chunks in flight per worker: two keep it busy across the reply's round trip, and bound
 *  what a small call posted to it can find ahead of it. */
const BULK_DEPTH = 2;

export class ScoringPool {
  private readonly slots: Slot[] = [];
  private readonly models = new Map<string, ModelBytes>();
  /** Chunks of large calls waiting for a worker, oldest first. */
  private bulk: Chunk[] = [];
  private seq = 0;
  private closed = false;
  private restarts: number[] = [];

  private constructor(private readonly opts: Required<Omit<PoolOptions, "trace">> & Pick<PoolOptions, "trace">) {}

  static create(opts: PoolOptions = {}): ScoringPool {
    const pool = new ScoringPool({ size: opts.size ?? 2, threadsPerWorker: opts.threadsPerWorker ?? 1, splitAbove: opts.splitAbove ?? 64, trace: opts.trace, workerEntry: opts.workerEntry ?? WORKER_ENTRY });
    for (let i = 0; i < pool.opts.size; i++) pool.slots.push(pool.spawn());
    return pool;
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_BOOT, { workerData: { threads: this.opts.threadsPerWorker, entry: this.opts.workerEntry } });
    const slot: Slot = { worker, pending: new Map(), pendingRows: 0, chunks: 0 };
    worker.on("message", (m: FromWorker) => {
      const p = slot.pending.get(m.seq);
      if (!p) return;
      slot.pending.delete(m.seq);
      slot.pendingRows -= p.rows;
      if (p.trace && m.type === "ok" && m.t) this.opts.trace?.({ rows: p.rows, ...p.trace, ...m.t, done: epochClock() });
      if (m.type === "ok") p.resolve(m.scores);
      else p.reject(new AppError(m.code, m.message));
    });
    const fail = (why: string): void => {
      for (const p of slot.pending.values()) p.reject(new AppError("unavailable", `scoring worker ${why}`));
      slot.pending.clear();
      slot.pendingRows = 0;
      slot.chunks = 0;
      if (this.closed) return;
      const now = Date.now();
      this.restarts = this.restarts.filter((t) => now - t < 60_000);
      if (this.restarts.length >= MAX_RESTARTS_PER_MINUTE) {
        // Calls must not wait on a worker that is gone: this slot refuses them from now on.
        slot.dead = true;
        this.pump();
        return;
      }
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
      if (slot.dead) {
        reject(workersGone());
        return;
      }
      // Traced score messages also carry the pool's clock readings around postMessage.
      const trace = this.opts.trace && msg.type === "score" ? { rowsAhead: slot.pendingRows, sent: epochClock(), posted: 0 } : undefined;
      slot.pending.set(seq, { resolve, reject, rows, ...(trace ? { trace } : {}) });
      slot.pendingRows += rows;
      slot.worker.postMessage(trace ? { ...msg, seq, trace: true } : { ...msg, seq });
      if (trace) trace.posted = epochClock();
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
    const size = this.opts.splitAbove;
    if (rows.length <= size) {
      // Small calls (Score, Compare, small batches) are posted at once: no hop through a queue.
      const live = this.slots.filter((s) => !s.dead);
      if (live.length === 0) throw workersGone();
      const slot = live.reduce((a, b) => (b.pendingRows < a.pendingRows ? b : a));
      return (await this.send(slot, { type: "score", seq: 0, modelId, rows }, rows.length))!;
    }
    return new Promise((resolve, reject) => {
      const batch: Batch = { out: new Float64Array(rows.length), left: Math.ceil(rows.length / size), failed: false, resolve, reject };
      for (let i = 0; i < rows.length; i += size) this.bulk.push({ batch, modelId, rows: rows.slice(i, i + size), offset: i });
      this.pump();
    });
  }

  /** Hands queued chunks to workers with fewer than BULK_DEPTH chunks in flight. */
  private pump(): void {
    if (this.slots.every((s) => s.dead)) {
      const gone = workersGone();
      for (const c of this.bulk.splice(0)) {
        if (c.batch.failed) continue;
        c.batch.failed = true;
        c.batch.reject(gone);
      }
      return;
    }
    while (this.bulk.length > 0 && !this.closed) {
      let slot: Slot | undefined;
      for (const s of this.slots) if (!s.dead && s.chunks < BULK_DEPTH && (!slot || s.pendingRows < slot.pendingRows)) slot = s;
      if (!slot) return;
      const c = this.bulk.shift()!;
      if (c.batch.failed) continue;
      const target = slot;
      target.chunks++;
      this.send(target, { type: "score", seq: 0, modelId: c.modelId, rows: c.rows }, c.rows.length).then(
        (scores) => {
          target.chunks = Math.max(0, target.chunks - 1);
          if (!c.batch.failed) {
            c.batch.out.set(scores!, c.offset);
            if (--c.batch.left === 0) c.batch.resolve(c.batch.out);
          }
          this.pump();
        },
        (err: unknown) => {
          target.chunks = Math.max(0, target.chunks - 1);
          if (!c.batch.failed) {
            c.batch.failed = true;
            c.batch.reject(err);
          }
          this.pump();
        },
      );
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const closed = new AppError("unavailable", "scoring pool is closed");
    for (const c of this.bulk) {
      if (c.batch.failed) continue;
      c.batch.failed = true;
      c.batch.reject(closed);
    }
    this.bulk = [];
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    // A terminated worker answers nothing: settle what was still in flight.
    for (const s of this.slots) {
      for (const p of s.pending.values()) p.reject(closed);
      s.pending.clear();
    }
  }
}
