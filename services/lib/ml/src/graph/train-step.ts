// Assembles the training-step graph: forward and loss (already in the builder), gradients, then
// AdamW (bias correction, decoupled weight decay, clipping by global norm). Inputs are the batch,
// the learning rate, the weights and the optimizer state; outputs the loss, metrics, new weights and
// new state, so a loop feeds each step's outputs to the next.
import { gradients } from "./autodiff.js";
import type { GraphBuilder } from "./builder.js";
import type { MatmulShape, Sym } from "./core.js";
import { exportModel } from "./export.js";

export interface AdamWConfig {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** Decoupled (AdamW) weight decay, applied to params marked `decay`. */
  readonly weightDecay: number;
  /** Clip the global gradient norm to this; 0 turns clipping off. */
  readonly maxGradNorm: number;
}

export const DEFAULT_ADAMW: AdamWConfig = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: 1 };

export interface TrainParam {
  readonly sym: Sym;
  /** Whether weight decay applies (matrices yes; biases and norms usually not). */
  readonly decay: boolean;
}

export interface TrainStepSpec {
  readonly name: string;
  readonly batchInputs: readonly Sym[];
  readonly params: readonly TrainParam[];
  readonly loss: Sym;
  readonly metrics: Readonly<Record<string, Sym>>;
  readonly adam: AdamWConfig;
  /** Also output each raw gradient as `grad.<param>` (tests compare them with finite differences). */
  readonly exposeGradients?: boolean;
}

/** Names of the training step's inputs and outputs. */
export const TRAIN_NAMES = {
  lr: "lr",
  step: "adam.step",
  m: (p: string) => `adam.m.${p}`,
  v: (p: string) => `adam.v.${p}`,
  loss: "loss",
  gradNorm: "grad_norm",
  metric: (k: string) => `metric.${k}`,
  newParam: (p: string) => `new.${p}`,
  newM: (p: string) => `new.adam.m.${p}`,
  newV: (p: string) => `new.adam.v.${p}`,
  newStep: "new.adam.step",
  grad: (p: string) => `grad.${p}`,
} as const;

export interface TrainStepModel {
  readonly bytes: Uint8Array;
  readonly batchInputs: readonly string[];
  readonly params: readonly string[];
  readonly metrics: readonly string[];
  readonly matmuls: readonly MatmulShape[];
}

export function buildTrainStep(b: GraphBuilder, spec: TrainStepSpec): TrainStepModel {
  const { adam } = spec;
  const lr = b.input(TRAIN_NAMES.lr, b.floatType, []);
  const step = b.input(TRAIN_NAMES.step, b.floatType, []);
  const ps = spec.params.map((p) => p.sym);
  const ms = ps.map((p) => b.input(TRAIN_NAMES.m(p.name), b.floatType, p.shape));
  const vs = ps.map((p) => b.input(TRAIN_NAMES.v(p.name), b.floatType, p.shape));
  const grads = gradients(b, spec.loss, ps);

  let sumsq: Sym | undefined;
  for (const g of grads) {
    const s = b.reduceSum(b.mul(g, g));
    sumsq = sumsq ? b.add(sumsq, s) : s;
  }
  const gradNorm = sumsq ? b.sqrt(sumsq) : b.scalar(0);
  // torch.nn.utils.clip_grad_norm_: scale = min(1, max_norm / (norm + 1e-6)).
  const scale = adam.maxGradNorm > 0 ? b.min(b.div(adam.maxGradNorm, b.add(gradNorm, 1e-6)), 1) : undefined;
  const t = b.add(step, 1);
  // Scalars folded so each weight costs few elementwise passes:
  //   m' = β1 m + c1 g,  v' = β2 v + c2 g²  (c1 = (1-β1)·scale, c2 = (1-β2)·scale²)
  //   p' = p·(1 - lr·wd) - α m' / (sqrt(v') + ε̂)  with α = lr·sqrt(bc2)/bc1, ε̂ = ε·sqrt(bc2),
  // which equals lr·m̂/(sqrt(v̂) + ε) with m̂ = m'/bc1, v̂ = v'/bc2.
  const c1 = scale ? b.mul(scale, 1 - adam.beta1) : b.scalar(1 - adam.beta1);
  const c2 = scale ? b.mul(b.mul(scale, scale), 1 - adam.beta2) : b.scalar(1 - adam.beta2);
  const sqrtBc2 = b.sqrt(b.sub(1, b.powOf(adam.beta2, t)));
  const alpha = b.div(b.mul(lr, sqrtBc2), b.sub(1, b.powOf(adam.beta1, t)));
  const epsHat = b.mul(sqrtBc2, adam.eps);
  const decayFactor = b.sub(1, b.mul(lr, adam.weightDecay));

  const outputs: [string, Sym][] = [[TRAIN_NAMES.loss, spec.loss]];
  for (const [k, m] of Object.entries(spec.metrics)) outputs.push([TRAIN_NAMES.metric(k), m]);
  outputs.push([TRAIN_NAMES.gradNorm, gradNorm]);
  spec.params.forEach((p, i) => {
    const g = grads[i]!;
    const m = b.add(b.mul(ms[i]!, adam.beta1), b.mul(g, c1));
    const v = b.add(b.mul(vs[i]!, adam.beta2), b.mul(g, b.mul(g, c2)));
    const denom = b.add(b.sqrt(v), epsHat);
    const decayed = p.decay && adam.weightDecay > 0 ? b.mul(p.sym, decayFactor) : p.sym;
    const np = b.sub(decayed, b.mul(b.div(m, denom), alpha));
    outputs.push([TRAIN_NAMES.newParam(p.sym.name), np], [TRAIN_NAMES.newM(p.sym.name), m], [TRAIN_NAMES.newV(p.sym.name), v]);
  });
  outputs.push([TRAIN_NAMES.newStep, t]);
  if (spec.exposeGradients) spec.params.forEach((p, i) => outputs.push([TRAIN_NAMES.grad(p.sym.name), grads[i]!]));

  const model = exportModel(b, {
    name: spec.name,
    inputs: [...spec.batchInputs, lr, step, ...ps, ...ms, ...vs],
    outputs,
    docString: "training step: forward, loss, gradients, AdamW",
    metadata: { adamw: JSON.stringify(adam) },
  });
  return {
    bytes: model.bytes,
    batchInputs: spec.batchInputs.map((s) => s.name),
    params: ps.map((p) => p.name),
    metrics: Object.keys(spec.metrics),
    matmuls: model.matmuls,
  };
}
