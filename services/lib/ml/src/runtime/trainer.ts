// Runs a training-step graph again and again, feeding each step's new weights and optimizer state
// to the next without copying them through JavaScript arrays.
import type { FloatArray, FloatType } from "../graph/core.js";
import { TRAIN_NAMES, type TrainStepModel } from "../graph/train-step.js";
import { createSession, floatData, floatTensor, scalarOf, scalarTensor, type Feeds, type OrtTensor, type Session } from "./session.js";

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

export function freshOptimizerState(params: TrainState["params"]): Pick<TrainState, "m" | "v" | "step"> {
  const zeros = (d: FloatArray): FloatArray => (d instanceof Float64Array ? new Float64Array(d.length) : new Float32Array(d.length));
  return {
    m: new Map([...params].map(([k, p]) => [k, zeros(p.data)])),
    v: new Map([...params].map(([k, p]) => [k, zeros(p.data)])),
    step: 0,
  };
}

export class TrainingSession {
  private readonly tensors = new Map<string, OrtTensor>();
  private stepCount: number;

  private constructor(
    private readonly session: Session,
    private readonly model: TrainStepModel,
    private readonly floatType: FloatType,
    state: TrainState,
  ) {
    this.stepCount = state.step;
    for (const name of model.params) {
      const p = state.params.get(name);
      const m = state.m.get(name);
      const v = state.v.get(name);
      if (!p || !m || !v) throw new Error(`training state lacks param "${name}" or its optimizer moments`);
      // Copies, so the caller's arrays are never aliased by runtime tensors.
      this.tensors.set(name, floatTensor(p.data.slice(), p.shape));
      this.tensors.set(TRAIN_NAMES.m(name), floatTensor(m.slice(), p.shape));
      this.tensors.set(TRAIN_NAMES.v(name), floatTensor(v.slice(), p.shape));
    }
  }

  static async create(model: TrainStepModel, state: TrainState, opts: { threads?: number } = {}): Promise<TrainingSession> {
    const first = state.params.values().next().value;
    const floatType: FloatType = first && first.data instanceof Float64Array ? "float64" : "float32";
    const session = await createSession(model.bytes, opts.threads !== undefined ? { threads: opts.threads } : {});
    return new TrainingSession(session, model, floatType, state);
  }

  get steps(): number {
    return this.stepCount;
  }

  /** One optimizer step on `batch` (the model's batch inputs) at learning rate `lr`. Returns extra
   * outputs (such as exposed gradients) in `outputs` when asked. */
  async step(batch: Feeds, lr: number, opts: { keepOutputs?: boolean } = {}): Promise<StepResult & { outputs?: Feeds }> {
    const feeds: Feeds = { ...batch, [TRAIN_NAMES.lr]: scalarTensor(lr, this.floatType), [TRAIN_NAMES.step]: scalarTensor(this.stepCount, this.floatType) };
    for (const name of this.model.batchInputs) if (!batch[name]) throw new Error(`batch lacks input "${name}"`);
    for (const [k, t] of this.tensors) feeds[k] = t;
    const out = await this.session.run(feeds);
    for (const name of this.model.params) {
      this.tensors.set(name, out[TRAIN_NAMES.newParam(name)]!);
      this.tensors.set(TRAIN_NAMES.m(name), out[TRAIN_NAMES.newM(name)]!);
      this.tensors.set(TRAIN_NAMES.v(name), out[TRAIN_NAMES.newV(name)]!);
    }
    this.stepCount += 1;
    const metrics: Record<string, number> = {};
    for (const k of this.model.metrics) metrics[k] = scalarOf(out[TRAIN_NAMES.metric(k)], k);
    const res = { step: this.stepCount, loss: scalarOf(out[TRAIN_NAMES.loss], "loss"), gradNorm: scalarOf(out[TRAIN_NAMES.gradNorm], "grad_norm"), metrics };
    return opts.keepOutputs ? { ...res, outputs: out } : res;
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
