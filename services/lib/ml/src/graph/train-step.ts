// Assembles the training-step graph: forward and loss (already in the builder), gradients, then
// AdamW (bias correction, decoupled weight decay, clipping by global norm). Inputs are the batch,
// the learning rate, the weights and the optimizer state; outputs the loss, metrics, new weights and
// new state, so a loop feeds each step's outputs to the next.
import type { OnnxNode } from "../onnx/encode.js";
import { gradients } from "./autodiff.js";
import type { GraphBuilder } from "./builder.js";
import type { MatmulShape, Sym, TapeEntry } from "./core.js";
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
  /** LazyAdam for an embedding table: m, v, the decay and the weights change only on the rows the
   * step's batch touches (see README). The table must be read only by `gather`/`weightedBag` whose
   * ids are batch inputs; the step then takes `rows.<param>` (TrainingSession computes it). */
  readonly lazy?: boolean;
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
  /** The distinct rows of a lazily updated table that this batch touches, int64 [U]. */
  rows: (p: string) => `rows.${p}`,
  /** For each id of batch input `ids`, its position in rows.<p> (int64, the shape of `ids`). */
  rowIndex: (p: string, ids: string) => `rows.${p}.${ids}`,
  loss: "loss",
  gradNorm: "grad_norm",
  metric: (k: string) => `metric.${k}`,
  newParam: (p: string) => `new.${p}`,
  newM: (p: string) => `new.adam.m.${p}`,
  newV: (p: string) => `new.adam.v.${p}`,
  newStep: "new.adam.step",
  grad: (p: string) => `grad.${p}`,
} as const;

/** A lazily updated table: its row count and the batch inputs whose ids pick the rows. */
export interface LazyRows {
  readonly param: string;
  readonly rows: number;
  readonly ids: readonly string[];
}

export interface TrainStepModel {
  readonly bytes: Uint8Array;
  readonly batchInputs: readonly string[];
  readonly params: readonly string[];
  readonly metrics: readonly string[];
  readonly matmuls: readonly MatmulShape[];
  /** Tables updated with LazyAdam; the step also takes `rows.<param>` for each. */
  readonly lazy?: readonly LazyRows[];
  /** Every node reading a param or its moments runs before the node writing its new value, so a
   * runner may have the step write new.<p>, new.adam.m/v.<p> into the buffers p, m, v came in. */
  readonly inPlace?: boolean;
}

export function buildTrainStep(b: GraphBuilder, spec: TrainStepSpec): TrainStepModel {
  const { adam } = spec;
  const lr = b.input(TRAIN_NAMES.lr, b.floatType, []);
  const step = b.input(TRAIN_NAMES.step, b.floatType, []);
  const ps = spec.params.map((p) => p.sym);
  const ms = ps.map((p) => b.input(TRAIN_NAMES.m(p.name), b.floatType, p.shape));
  const vs = ps.map((p) => b.input(TRAIN_NAMES.v(p.name), b.floatType, p.shape));
  const lazyInfo = spec.params.flatMap((p) => (p.lazy ? [lazyRowsOf(b, p.sym, spec.batchInputs, spec.loss)] : []));
  const lazy = lazyInfo.map((l) => l.spec);
  const rowInputs = new Map(lazy.map((l) => [l.param, b.input(TRAIN_NAMES.rows(l.param), "int64", [`U_${l.param}`])]));
  const indexInputs = lazyInfo.flatMap((l) =>
    l.spec.ids.map((ids) => b.input(TRAIN_NAMES.rowIndex(l.spec.param, ids), "int64", spec.batchInputs.find((s) => s.name === ids)!.shape)),
  );
  const rowsOf = (i: number): Sym | undefined => rowInputs.get(ps[i]!.name);
  const take = (x: Sym, rows: Sym): Sym =>
    b.emit("Gather", [x, rows], { dtype: x.dtype, shape: [rows.shape[0]!, ...x.shape.slice(1)] }, { axis: { kind: "int", value: 0 } });
  // A lazy table's gradient is accumulated over its touched rows only: the gradients of the ops that
  // gather its rows, scattered by each id's position in rows.<p>. The other rows' gradient is zero,
  // so the global norm is the one of the dense gradient.
  const denseParams = ps.filter((_, i) => !rowsOf(i));
  const entries = lazyInfo.flatMap((l) => l.entries);
  const all = gradients(b, spec.loss, [...denseParams, ...entries.map((e) => e.out)]);
  const gradOf = new Map<Sym, Sym>([...denseParams, ...entries.map((e) => e.out)].map((s, k) => [s, all[k]!]));
  const gs = ps.map((p, i) => {
    const rows = rowsOf(i);
    if (!rows) return gradOf.get(p)!;
    const rest = p.shape.slice(1);
    const shape = b.emit("Concat", [b.shapeOf(rows), b.int64s(rest as number[])], { dtype: "int64", shape: [p.shape.length] }, { axis: { kind: "int", value: 0 } });
    const zero = { name: "value", dtype: p.dtype, dims: [1], data: b.floatArray(1) };
    let acc = b.emit("ConstantOfShape", [shape], { dtype: p.dtype, shape: [rows.shape[0]!, ...rest] }, { value: { kind: "tensor", value: zero } });
    for (const e of lazyInfo.find((l) => l.spec.param === p.name)!.entries) {
      const ids = e.inputs[1]!;
      const local = indexInputs.find((s) => s.name === TRAIN_NAMES.rowIndex(p.name, ids.name))!;
      const idx = b.emit("Unsqueeze", [local, b.int64s([-1])], { dtype: "int64", shape: [...ids.shape, 1] });
      acc = b.emit("ScatterND", [acc, idx, b.rowUpdates(e, gradOf.get(e.out)!)], { dtype: p.dtype, shape: acc.shape }, {
        reduction: { kind: "string", value: "add" },
      });
    }
    return acc;
  });
  const gsq = gs.map((g) => b.mul(g, g)); // shared by the norm and the second moment

  let sumsq: Sym | undefined;
  for (const q of gsq) {
    const s = b.reduceSum(q);
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
  const aliases: [string, Sym][] = [];
  spec.params.forEach((p, i) => {
    const rows = rowsOf(i);
    const [p0, m0, v0] = rows ? [take(p.sym, rows), take(ms[i]!, rows), take(vs[i]!, rows)] : [p.sym, ms[i]!, vs[i]!];
    const g = gs[i]!;
    const m = b.add(b.mul(m0, adam.beta1), b.mul(g, c1));
    const v = b.add(b.mul(v0, adam.beta2), b.mul(gsq[i]!, c2));
    const denom = b.add(b.sqrt(v), epsHat);
    const decayed = p.decay && adam.weightDecay > 0 ? b.mul(p0, decayFactor) : p0;
    const np = b.sub(decayed, b.mul(b.div(m, denom), alpha));
    // Lazy: the touched rows go back into the full tensors (distinct rows, so no reduction).
    const full = (x: Sym, rowsNew: Sym): Sym => {
      if (!rows) return rowsNew;
      const idx = b.emit("Unsqueeze", [rows, b.int64s([1])], { dtype: "int64", shape: [rows.shape[0]!, 1] });
      return b.emit("ScatterND", [x, idx, rowsNew], { dtype: x.dtype, shape: x.shape });
    };
    const outs: [string, Sym, Sym][] = [
      [TRAIN_NAMES.newParam(p.sym.name), full(p.sym, np), p.sym],
      [TRAIN_NAMES.newM(p.sym.name), full(ms[i]!, m), ms[i]!],
      [TRAIN_NAMES.newV(p.sym.name), full(vs[i]!, v), vs[i]!],
    ];
    for (const [name, s, from] of outs) {
      outputs.push([name, s]);
      aliases.push([from.name, s]);
    }
  });
  outputs.push([TRAIN_NAMES.newStep, t]);
  if (spec.exposeGradients) {
    spec.params.forEach((p, i) => {
      const rows = rowsOf(i);
      // A lazy table's gradient goes out dense, zeros outside the touched rows.
      const dense = rows
        ? b.emit("ScatterND", [b.zerosLike(p.sym), b.emit("Unsqueeze", [rows, b.int64s([1])], { dtype: "int64", shape: [rows.shape[0]!, 1] }), gs[i]!], {
            dtype: p.sym.dtype,
            shape: p.sym.shape,
          })
        : gs[i]!;
      outputs.push([TRAIN_NAMES.grad(p.sym.name), dense]);
    });
  }

  const model = exportModel(b, {
    name: spec.name,
    inputs: [...spec.batchInputs, ...rowInputs.values(), ...indexInputs, lr, step, ...ps, ...ms, ...vs],
    outputs,
    docString: "training step: forward, loss, gradients, AdamW",
    metadata: { adamw: JSON.stringify(adam), ...(lazy.length > 0 ? { "adamw.lazy": JSON.stringify(lazy) } : {}) },
  });
  return {
    bytes: model.bytes,
    batchInputs: spec.batchInputs.map((s) => s.name),
    params: ps.map((p) => p.name),
    metrics: Object.keys(spec.metrics),
    matmuls: model.matmuls,
    ...(lazy.length > 0 ? { lazy } : {}),
    inPlace: inPlaceSafe(b.nodes, outputs, aliases),
  };
}

/** The batch inputs whose ids pick rows of `table`; refuses a table that the loss also reads some
 * other way (its gradient would not be confined to those rows). */
function lazyRowsOf(b: GraphBuilder, table: Sym, batchInputs: readonly Sym[], loss: Sym): { spec: LazyRows; entries: TapeEntry[] } {
  if (table.shape.length < 2 || typeof table.shape[0] !== "number") throw new Error(`lazy AdamW: "${table.name}" is not a table [rows, ...]`);
  // Ops the loss depends on (a metric reading the table does not matter).
  const onPath = new Set<number>([loss.id]);
  for (let i = b.tape.length - 1; i >= 0; i--) {
    const e = b.tape[i]!;
    if (onPath.has(e.out.id)) for (const x of e.inputs) onPath.add(x.id);
  }
  const ids: string[] = [];
  const entries: TapeEntry[] = [];
  for (const e of b.tape) {
    if (!onPath.has(e.out.id)) continue;
    const at = e.inputs.findIndex((x) => x.id === table.id);
    if (at < 0) continue;
    const idSym = e.inputs[1];
    if ((e.op !== "Gather" && e.op !== "WeightedBag") || at !== 0 || !idSym) {
      throw new Error(`lazy AdamW: "${table.name}" is read by ${e.op}; only gather/weightedBag rows can be updated lazily`);
    }
    if (!batchInputs.some((s) => s.id === idSym.id)) {
      throw new Error(`lazy AdamW: "${table.name}" is indexed by ${idSym.name}, which is not a batch input`);
    }
    if (!ids.includes(idSym.name)) ids.push(idSym.name);
    entries.push(e);
  }
  if (ids.length === 0) throw new Error(`lazy AdamW: nothing gathers rows of "${table.name}"`);
  return { spec: { param: table.name, rows: table.shape[0], ids }, entries };
}

/** Whether each (input, new value) pair may share one buffer: every node of the exported graph that
 * reads the input must be the node computing the new value or one of its ancestors, so the input is
 * dead once the new value is written. */
export function inPlaceSafe(nodes: readonly OnnxNode[], outputs: readonly (readonly [string, Sym])[], pairs: readonly (readonly [string, Sym])[]): boolean {
  const needed = new Set(outputs.map(([, s]) => s.name));
  const kept: OnnxNode[] = [];
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (!n.outputs.some((o) => needed.has(o))) continue;
    kept.push(n);
    for (const x of n.inputs) if (x !== "") needed.add(x);
  }
  const producer = new Map<string, OnnxNode>();
  for (const n of kept) for (const o of n.outputs) producer.set(o, n);
  const outCount = new Map<string, number>();
  for (const [, s] of outputs) outCount.set(s.name, (outCount.get(s.name) ?? 0) + 1);
  for (const [input, out] of pairs) {
    const prod = producer.get(out.name);
    if (!prod || outCount.get(out.name) !== 1) return false;
    const ancestors = new Set<OnnxNode>();
    const stack = [prod];
    while (stack.length > 0) {
      const n = stack.pop()!;
      for (const x of n.inputs) {
        const p = producer.get(x);
        if (p && !ancestors.has(p)) {
          ancestors.add(p);
          stack.push(p);
        }
      }
    }
    for (const n of kept) if (n !== prod && n.inputs.includes(input) && !ancestors.has(n)) return false;
  }
  return true;
}
