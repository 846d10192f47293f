// Runs a training-step graph again and again, feeding each step's new weights and optimizer state
// to the next without copying them through JavaScript arrays.
import * as ort from "onnxruntime-node";
import type { FloatArray, FloatType } from "../graph/core.js";
import { TRAIN_NAMES, type LazyRows, type TrainStepModel } from "../graph/train-step.js";
import { createSession, floatData, floatTensor, scalarOf, scalarTensor, type Feeds, type OrtTensor, type Session, type SessionOptions } from "./session.js";

/** Weights and AdamW state: what a checkpoint holds. */
export interface TrainState {
  readonly params: ReadonlyMap<string, { readonly shape: readonly number[]; readonly data: FloatArray }>;
  /** First and second moments per param (zeros for a fresh optimizer). */
  readonly m: ReadonlyMap<string, FloatArray>;
  readonly v: ReadonlyMap<string, FloatArray>;
  /** Optimizer steps taken so far. */
  readonly step: number;
}

export interface StepResult {
  readonly step: number;
  readonly loss: number;
  readonly gradNorm: number;
  readonly metrics: Readonly<Record<string, number>>;
}

export interface Progress extends StepResult {
  readonly elapsedMs: number;
  readonly stepsPerSecond: number;
}

export interface TrainingSessionOptions extends SessionOptions {
  // `threads` defaults to 1 here (not 2 as for inference): onnxruntime's CPU ScatterND with
  // reduction "add" (every embedding gradient) splits work across threads without synchronisation
  // and can lose updates, so more than one thread makes training racy and non-reproducible.
  /** Write each step's new weights and moments into the buffers they were read from, when the
   * model says that is safe (`inPlace`); otherwise two buffers per tensor take turns. Default true. */
  readonly inPlace?: boolean;
}

export function freshOptimizerState(params: TrainState["params"]): Pick<TrainState, "m" | "v" | "step"> {
  const zeros = (d: FloatArray): FloatArray => (d instanceof Float64Array ? new Float64Array(d.length) : new Float32Array(d.length));
  return {
    m: new Map([...params].map(([k, p]) => [k, zeros(p.data)])),
    v: new Map([...params].map(([k, p]) => [k, zeros(p.data)])),
    step: 0,
  };
}

/** The distinct rows a batch touches in one lazily updated table (ascending), and each id's position
 * among them, found in two passes over the batch's ids. */
class RowSet {
  private readonly stamp: Int32Array;
  private readonly slot: Int32Array;
  private epoch = 0;
  private readonly rows: BigInt64Array;
  private readonly rows32: Int32Array;

  constructor(private readonly spec: LazyRows) {
    this.stamp = new Int32Array(spec.rows);
    this.slot = new Int32Array(spec.rows);
    this.rows = new BigInt64Array(spec.rows);
    this.rows32 = new Int32Array(this.rows.buffer);
  }

  feeds(batch: Feeds): Feeds {
    if (++this.epoch === 0x7fffffff) {
      this.stamp.fill(0);
      this.epoch = 1;
    }
    const { stamp, slot, epoch, rows32 } = this;
    const ids: { name: string; t: OrtTensor; w: Int32Array }[] = [];
    let u = 0;
    // Pass 1: mark the rows the ids touch. Ids are small non-negative integers: read 32-bit words
    // (little-endian).
    for (const name of this.spec.ids) {
      const t = batch[name];
      const d = t?.data;
      if (!t || !(d instanceof BigInt64Array)) throw new Error(`batch input "${name}" must be an int64 tensor`);
      const w = new Int32Array(d.buffer, d.byteOffset, d.length * 2);
      for (let k = 0; k < d.length; k++) {
        const lo = w[2 * k]!;
        if (w[2 * k + 1] !== 0 || lo < 0 || lo >= this.spec.rows) {
          throw new Error(`${name}[${k}] = ${d[k]} is not a row of "${this.spec.param}" (${this.spec.rows} rows)`);
        }
        if (stamp[lo] !== epoch) {
          stamp[lo] = epoch;
          rows32[2 * u++] = lo;
        }
      }
      ids.push({ name, t, w });
    }
    // Rows in ascending order, so gathering and scattering them walks the tables forward.
    const sorted = rows32.subarray(0, 2 * u);
    if (u * 16 > this.spec.rows) {
      let j = 0;
      for (let r = 0; r < this.spec.rows; r++) if (stamp[r] === epoch) sorted[2 * j++] = r;
    } else {
      const tmp = Int32Array.from({ length: u }, (_, i) => sorted[2 * i]!).sort();
      tmp.forEach((r, i) => (sorted[2 * i] = r));
    }
    for (let i = 0; i < u; i++) {
      slot[sorted[2 * i]!] = i;
      sorted[2 * i + 1] = 0;
    }
    // Pass 2: each id's position among the rows.
    const out: Feeds = {};
    for (const { name, t, w } of ids) {
      const index = new BigInt64Array(w.length / 2);
      const x = new Int32Array(index.buffer);
      for (let k = 0; k < index.length; k++) x[2 * k] = slot[w[2 * k]!]!;
      out[TRAIN_NAMES.rowIndex(this.spec.param, name)] = new ort.Tensor("int64", index, t.dims);
    }
    out[TRAIN_NAMES.rows(this.spec.param)] = new ort.Tensor("int64", this.rows.subarray(0, u), [u]);
    return out;
  }
}

/** The inputs a model's lazily updated tables need for `batch`: `rows.<param>`, the distinct ids of
 * the batch inputs that index each table, and `rows.<param>.<input>`, each id's position among them
 * (TrainingSession adds these itself; this is for running the step graph directly). */
export function lazyRowFeeds(model: TrainStepModel, batch: Feeds): Feeds {
  return Object.assign({}, ...(model.lazy ?? []).map((l) => new RowSet(l).feeds(batch))) as Feeds;
}

export class TrainingSession {
  /** The tensors fed as p, adam.m.p, adam.v.p; `spare` holds the second buffers when not in place. */
  private readonly tensors = new Map<string, OrtTensor>();
  private readonly spare = new Map<string, OrtTensor>();
  private readonly rowSets: RowSet[];
  private stepCount: number;

  private constructor(
    private readonly session: Session,
    private readonly model: TrainStepModel,
    private readonly floatType: FloatType,
    state: TrainState,
    private readonly inPlace: boolean,
  ) {
    this.stepCount = state.step;
    for (const name of model.params) {
      const p = state.params.get(name);
      const m = state.m.get(name);
      const v = state.v.get(name);
      if (!p || !m || !v) throw new Error(`training state lacks param "${name}" or its optimizer moments`);
      // Copies, so the caller's arrays are never aliased by runtime tensors.
      for (const [k, d] of [[name, p.data], [TRAIN_NAMES.m(name), m], [TRAIN_NAMES.v(name), v]] as const) {
        if (d.length !== p.data.length) throw new Error(`"${k}" has ${d.length} values, param "${name}" has ${p.data.length}`);
        this.tensors.set(k, floatTensor(d.slice(), p.shape));
        if (!inPlace) this.spare.set(k, floatTensor(d.slice(), p.shape));
      }
    }
    this.rowSets = (model.lazy ?? []).map((l) => new RowSet(l));
  }

  static async create(model: TrainStepModel, state: TrainState, opts: TrainingSessionOptions = {}): Promise<TrainingSession> {
    const first = state.params.values().next().value;
    const floatType: FloatType = first && first.data instanceof Float64Array ? "float64" : "float32";
    const { inPlace, ...sessionOpts } = opts;
    const session = await createSession(model.bytes, { ...sessionOpts, threads: sessionOpts.threads ?? 1 });
    return new TrainingSession(session, model, floatType, state, (inPlace ?? true) && model.inPlace === true);
  }

  get steps(): number {
    return this.stepCount;
  }

  /** One optimizer step on `batch` (the model's batch inputs) at learning rate `lr`. Returns extra
   * outputs (such as exposed gradients) in `outputs` when asked. */
  async step(batch: Feeds, lr: number, opts: { keepOutputs?: boolean } = {}): Promise<StepResult & { outputs?: Feeds }> {
    const feeds: Feeds = { ...batch, [TRAIN_NAMES.lr]: scalarTensor(lr, this.floatType), [TRAIN_NAMES.step]: scalarTensor(this.stepCount, this.floatType) };
    for (const name of this.model.batchInputs) if (!batch[name]) throw new Error(`batch lacks input "${name}"`);
    for (const set of this.rowSets) Object.assign(feeds, set.feeds(batch));
    for (const [k, t] of this.tensors) feeds[k] = t;
    // New weights and moments go straight into buffers we own (no fresh 4 MB outputs per table per
    // step); every other output is allocated by the runtime.
    const fetches: Record<string, OrtTensor | null> = {};
    for (const name of this.session.outputNames) fetches[name] = null;
    const target = (k: string): OrtTensor => (this.inPlace ? this.tensors.get(k)! : this.spare.get(k)!);
    for (const name of this.model.params) {
      fetches[TRAIN_NAMES.newParam(name)] = target(name);
      fetches[TRAIN_NAMES.newM(name)] = target(TRAIN_NAMES.m(name));
      fetches[TRAIN_NAMES.newV(name)] = target(TRAIN_NAMES.v(name));
    }
    const out = await this.session.run(feeds, fetches as ort.InferenceSession.FetchesType);
    if (!this.inPlace) {
      for (const [k, t] of this.spare) {
        this.spare.set(k, this.tensors.get(k)!);
        this.tensors.set(k, t);
      }
    }
    this.stepCount += 1;
    const metrics: Record<string, number> = {};
    for (const k of this.model.metrics) metrics[k] = scalarOf(out[TRAIN_NAMES.metric(k)], k);
    const res = { step: this.stepCount, loss: scalarOf(out[TRAIN_NAMES.loss], "loss"), gradNorm: scalarOf(out[TRAIN_NAMES.gradNorm], "grad_norm"), metrics };
    if (!opts.keepOutputs) return res;
    // The new state lives in buffers the next step overwrites: hand out copies.
    const outputs: Feeds = { ...out };
    for (const name of this.model.params) {
      for (const [o, k] of [[TRAIN_NAMES.newParam(name), name], [TRAIN_NAMES.newM(name), TRAIN_NAMES.m(name)], [TRAIN_NAMES.newV(name), TRAIN_NAMES.v(name)]] as const) {
        const t = this.tensors.get(k)!;
        outputs[o] = floatTensor(floatData(t, k).slice(), t.dims);
      }
    }
    return { ...res, outputs };
  }

  /** Runs `steps` steps; `batch(i)` gives the i-th batch, `lr` a constant or a schedule. */
  async run(opts: {
    readonly steps: number;
    readonly batch: (i: number) => Feeds;
    readonly lr: number | ((step: number) => number);
    readonly onProgress?: (p: Progress) => void;
    /** Call onProgress every this many steps (and after the last); default 10. */
    readonly progressEvery?: number;
  }): Promise<StepResult | undefined> {
    const t0 = performance.now();
    let last: StepResult | undefined;
    const every = Math.max(1, opts.progressEvery ?? 10);
    for (let i = 0; i < opts.steps; i++) {
      const lr = typeof opts.lr === "number" ? opts.lr : opts.lr(this.stepCount);
      last = await this.step(opts.batch(i), lr);
      if (opts.onProgress && ((i + 1) % every === 0 || i === opts.steps - 1)) {
        const elapsedMs = performance.now() - t0;
        opts.onProgress({ ...last, elapsedMs, stepsPerSecond: ((i + 1) * 1000) / elapsedMs });
      }
    }
    return last;
  }

  /** Copies the current weights and optimizer state out of the runtime. */
  state(): TrainState {
    const params = new Map<string, { shape: readonly number[]; data: FloatArray }>();
    const m = new Map<string, FloatArray>();
    const v = new Map<string, FloatArray>();
    for (const name of this.model.params) {
      const t = this.tensors.get(name)!;
      params.set(name, { shape: [...t.dims], data: floatData(t, name).slice() });
      m.set(name, floatData(this.tensors.get(TRAIN_NAMES.m(name)), name).slice());
      v.set(name, floatData(this.tensors.get(TRAIN_NAMES.v(name)), name).slice());
    }
    return { params, m, v, step: this.stepCount };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
