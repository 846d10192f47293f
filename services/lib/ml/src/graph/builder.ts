// The ops our models need, each emitted as ONNX nodes together with its gradient rule. Every rule
// here has a finite-difference test in ops.test.ts; a new op comes with one.
import { onnxDataType, type DType, type Dim } from "../onnx/encode.js";
import { broadcastShapes, GraphCore, normAxis, sameShape, type Sym, type TapeEntry } from "./core.js";

export type Operand = Sym | number;

export class GraphBuilder extends GraphCore {
  // ---- helpers without gradients (shapes, masks, comparisons) ----

  private operand(x: Operand): Sym {
    return typeof x === "number" ? this.scalar(x) : x;
  }

  private allStatic(shape: readonly Dim[]): shape is readonly number[] {
    return shape.every((d) => typeof d === "number");
  }

  shapeOf(x: Sym): Sym {
    return this.emit("Shape", [x], { dtype: "int64", shape: [x.shape.length] });
  }

  /** The shape of x as a tensor: a constant where it is fully known. */
  private shapeTensor(x: Sym): Sym {
    return this.allStatic(x.shape) ? this.int64s(x.shape) : this.shapeOf(x);
  }

  zerosLike(x: Sym): Sym {
    const value = { name: "value", dtype: x.dtype, dims: [1], data: this.zeroData(x.dtype) };
    return this.emit("ConstantOfShape", [this.shapeTensor(x)], { dtype: x.dtype, shape: x.shape }, {
      value: { kind: "tensor", value },
    });
  }

  private zeroData(dtype: DType): Float32Array | Float64Array {
    if (dtype === "float32") return new Float32Array(1);
    if (dtype === "float64") return new Float64Array(1);
    throw new Error(`zerosLike: ${dtype} is not a float type`);
  }

  cast(x: Sym, dtype: DType): Sym {
    return this.emit("Cast", [x], { dtype, shape: x.shape }, { to: { kind: "int", value: onnxDataType(dtype) } });
  }

  private compare(op: string, a: Operand, b: Operand): Sym {
    const x = this.operand(a);
    const y = this.operand(b);
    return this.emit(op, [x, y], { dtype: "bool", shape: broadcastShapes(x.shape, y.shape) });
  }
  greater(a: Operand, b: Operand): Sym {
    return this.compare("Greater", a, b);
  }
  less(a: Operand, b: Operand): Sym {
    return this.compare("Less", a, b);
  }
  greaterOrEqual(a: Operand, b: Operand): Sym {
    return this.compare("GreaterOrEqual", a, b);
  }
  lessOrEqual(a: Operand, b: Operand): Sym {
    return this.compare("LessOrEqual", a, b);
  }
  equal(a: Sym, b: Sym): Sym {
    return this.compare("Equal", a, b);
  }
  and(a: Sym, b: Sym): Sym {
    return this.compare("And", a, b);
  }

  /** 1.0 where the condition holds, else 0.0, in the graph's float type. */
  indicator(cond: Sym): Sym {
    return this.cast(cond, this.floatType);
  }

  /** Maximum over one axis (no gradient; for metrics). */
  reduceMax(x: Sym, axis: number, keepdims = false): Sym {
    const a = normAxis(axis, x.shape.length);
    const shape = keepdims ? x.shape.map((d, i) => (i === a ? 1 : d)) : x.shape.filter((_, i) => i !== a);
    return this.emit("ReduceMax", [x, this.int64s([a])], { dtype: x.dtype, shape }, { keepdims: { kind: "int", value: keepdims ? 1 : 0 } });
  }

  argmax(x: Sym, axis = -1): Sym {
    const a = normAxis(axis, x.shape.length);
    return this.emit("ArgMax", [x], { dtype: "int64", shape: x.shape.filter((_, i) => i !== a) }, {
      axis: { kind: "int", value: a },
      keepdims: { kind: "int", value: 0 },
    });
  }

  /** Reshape to another tensor's shape (used by gradient rules to undo broadcasting and reshapes). */
  reshapeLike(x: Sym, like: Sym): Sym {
    if (sameShape(x.shape, like.shape)) return x;
    return this.emit("Reshape", [x, this.shapeTensor(like)], { dtype: x.dtype, shape: like.shape });
  }

  expandLike(x: Sym, like: Sym): Sym {
    return this.emit("Expand", [x, this.shapeTensor(like)], { dtype: x.dtype, shape: like.shape });
  }

  /** Sums a broadcast gradient back down to the shape of the operand it came from. */
  sumToShape(g: Sym, like: Sym): Sym {
    const r = g.shape.length;
    const lead = r - like.shape.length;
    const axes: number[] = [];
    for (let i = 0; i < r; i++) {
      if (i < lead) axes.push(i);
      else if (like.shape[i - lead] === 1 && g.shape[i] !== 1) axes.push(i);
    }
    if (axes.length === 0) return lead === 0 ? g : this.reshapeLike(g, like);
    const keptShape = g.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const s = this.emit("ReduceSum", [g, this.int64s(axes)], { dtype: g.dtype, shape: keptShape }, {
      keepdims: { kind: "int", value: 1 },
    });
    return this.reshapeLike(s, like);
  }

  // ---- differentiable ops ----

  /** Rows of `table` picked by integer `ids` (axis 0): out shape = ids.shape ++ table.shape[1:].
   * Gradient: ScatterND with reduction "add" into zeros shaped like the table. */
  gather(table: Sym, ids: Sym): Sym {
    if (ids.dtype !== "int64") throw new Error("gather: ids must be int64");
    const y = this.emit("Gather", [table, ids], { dtype: table.dtype, shape: [...ids.shape, ...table.shape.slice(1)] }, {
      axis: { kind: "int", value: 0 },
    });
    return this.track("Gather", y, [table, ids], (gy, needs) => {
      if (!needs[0]) return [];
      const idx = this.emit("Unsqueeze", [ids, this.int64s([-1])], { dtype: "int64", shape: [...ids.shape, 1] });
      const gt = this.emit("ScatterND", [this.zerosLike(table), idx, gy], { dtype: table.dtype, shape: table.shape }, {
        reduction: { kind: "string", value: "add" },
      });
      return [gt];
    });
  }

  /** Weighted bag of embedding rows: out[n] = sum_l weights[n, l] * table[ids[n, l]], shape [N, D].
   * One op so that forward and backward are each a batched MatMul over the gathered rows instead of
   * broadcasts over [N, L, D]. Gradients: table via ScatterND add of weights ⊗ gy; weights via
   * gathered rows · gy. */
  weightedBag(table: Sym, ids: Sym, weights: Sym): Sym {
    if (table.shape.length !== 2 || ids.shape.length !== 2) throw new Error("weightedBag: table [V, D] and ids [N, L]");
    const [n, l] = ids.shape as [Dim, Dim];
    const d = table.shape[1] as Dim;
    const ft = table.dtype;
    const rows = this.emit("Gather", [table, ids], { dtype: ft, shape: [n, l, d] }, { axis: { kind: "int", value: 0 } });
    const w3 = this.emit("Unsqueeze", [weights, this.int64s([1])], { dtype: ft, shape: [n, 1, l] });
    const pooled = this.emit("MatMul", [w3, rows], { dtype: ft, shape: [n, 1, d] });
    this.matmuls.push({ output: pooled.name, batch: n, m: 1, k: l, n: d });
    const out = this.emit("Reshape", [pooled, this.int64s([0, -1])], { dtype: ft, shape: [n, d] });
    return this.track("WeightedBag", out, [table, ids, weights], (gy, needs) => {
      let gt: Sym | undefined;
      let gw: Sym | undefined;
      if (needs[0]) {
        const upd = this.bagUpdates(weights, gy);
        const idx = this.emit("Unsqueeze", [ids, this.int64s([-1])], { dtype: "int64", shape: [n, l, 1] });
        gt = this.emit("ScatterND", [this.zerosLike(table), idx, upd], { dtype: ft, shape: table.shape }, {
          reduction: { kind: "string", value: "add" },
        });
      }
      if (needs[2]) {
        const gcol = this.emit("Unsqueeze", [gy, this.int64s([2])], { dtype: ft, shape: [n, d, 1] });
        const gw3 = this.emit("MatMul", [rows, gcol], { dtype: ft, shape: [n, l, 1] });
        this.matmuls.push({ output: gw3.name, batch: n, m: l, k: d, n: 1 });
        gw = this.emit("Reshape", [gw3, this.int64s([0, -1])], { dtype: ft, shape: [n, l] });
      }
      return [gt, undefined, gw];
    });
  }

  /** weights ⊗ gy: the row each bag slot adds to the table gradient, [N, L, D], as a batched MatMul
   * (weights [N, L], gy [N, D]). */
  private bagUpdates(weights: Sym, gy: Sym): Sym {
    const [n, l] = weights.shape as [Dim, Dim];
    const d = gy.shape[1] as Dim;
    const ft = gy.dtype;
    const g3 = this.emit("Unsqueeze", [gy, this.int64s([1])], { dtype: ft, shape: [n, 1, d] });
    const wcol = this.emit("Unsqueeze", [weights, this.int64s([2])], { dtype: ft, shape: [n, l, 1] });
    const upd = this.emit("MatMul", [wcol, g3], { dtype: ft, shape: [n, l, d] });
    this.matmuls.push({ output: upd.name, batch: n, m: l, k: 1, n: d });
    return upd;
  }

  /** For a gather or weightedBag tape entry and the gradient `gy` of its output: the row each of its
   * ids adds to the table's gradient, shaped ids.shape ++ row shape (what the dense rule scatters).
   * Lets a caller accumulate a table's gradient over the rows a batch touches only (LazyAdam). */
  rowUpdates(e: TapeEntry, gy: Sym): Sym {
    if (e.op === "Gather") return gy;
    if (e.op === "WeightedBag") return this.bagUpdates(e.inputs[2]!, gy);
    throw new Error(`rowUpdates: ${e.op} does not read table rows`);
  }

  /** [M,K] x [K,N]. */
  matmul(a: Sym, b: Sym): Sym {
    if (a.shape.length !== 2 || b.shape.length !== 2) throw new Error("matmul: both operands must be 2-D");
    const [m, k] = a.shape as [Dim, Dim];
    const n = b.shape[1] as Dim;
    const y = this.emit("MatMul", [a, b], { dtype: a.dtype, shape: [m, n] });
    this.matmuls.push({ output: y.name, m, k, n });
    return this.track("MatMul", y, [a, b], (gy, needs) => [
      needs[0] ? this.gemmRaw(gy, b, undefined, false, true) : undefined,
      needs[1] ? this.gemmRaw(a, gy, undefined, true, false) : undefined,
    ]);
  }

  private gemmRaw(a: Sym, b: Sym, c: Sym | undefined, transA: boolean, transB: boolean): Sym {
    const m = (transA ? a.shape[1] : a.shape[0]) as Dim;
    const k = (transA ? a.shape[0] : a.shape[1]) as Dim;
    const n = (transB ? b.shape[0] : b.shape[1]) as Dim;
    const y = this.emit("Gemm", c ? [a, b, c] : [a, b], { dtype: a.dtype, shape: [m, n] }, {
      transA: { kind: "int", value: transA ? 1 : 0 },
      transB: { kind: "int", value: transB ? 1 : 0 },
    });
    this.matmuls.push({ output: y.name, m, k, n });
    return y;
  }

  /** op(A) op(B) + C with C broadcast to [M,N] (a bias row or a scalar). */
  gemm(a: Sym, b: Sym, c?: Sym, opts: { transA?: boolean; transB?: boolean } = {}): Sym {
    if (a.shape.length !== 2 || b.shape.length !== 2) throw new Error("gemm: A and B must be 2-D");
    const tA = opts.transA ?? false;
    const tB = opts.transB ?? false;
    const y = this.gemmRaw(a, b, c, tA, tB);
    const inputs = c ? [a, b, c] : [a, b];
    return this.track("Gemm", y, inputs, (gy, needs) => {
      let ga: Sym | undefined;
      let gb: Sym | undefined;
      if (needs[0]) ga = tA ? this.gemmRaw(b, gy, undefined, tB, true) : this.gemmRaw(gy, b, undefined, false, !tB);
      if (needs[1]) gb = tB ? this.gemmRaw(gy, a, undefined, true, tA) : this.gemmRaw(a, gy, undefined, !tA, false);
      const gc = c && needs[2] ? this.sumToShape(gy, c) : undefined;
      return [ga, gb, gc];
    });
  }

  private binary(op: string, a: Operand, b: Operand, rule: (gy: Sym, x: Sym, y: Sym, out: Sym) => [Sym?, Sym?]): Sym {
    const x = this.operand(a);
    const y = this.operand(b);
    const out = this.emit(op, [x, y], { dtype: x.dtype, shape: broadcastShapes(x.shape, y.shape) });
    return this.track(op, out, [x, y], (gy, needs) => {
      const [gx, gyy] = rule(gy, x, y, out);
      return [
        needs[0] && gx ? this.sumToShape(gx, x) : undefined,
        needs[1] && gyy ? this.sumToShape(gyy, y) : undefined,
      ];
    });
  }

  add(a: Operand, b: Operand): Sym {
    return this.binary("Add", a, b, (gy) => [gy, gy]);
  }
  sub(a: Operand, b: Operand): Sym {
    return this.binary("Sub", a, b, (gy) => [gy, this.neg(gy)]);
  }
  mul(a: Operand, b: Operand): Sym {
    return this.binary("Mul", a, b, (gy, x, y) => [this.mul(gy, y), this.mul(gy, x)]);
  }
  div(a: Operand, b: Operand): Sym {
    // d(x/y)/dx = 1/y, d(x/y)/dy = -(x/y)/y
    return this.binary("Div", a, b, (gy, _x, y, out) => [this.div(gy, y), this.neg(this.div(this.mul(gy, out), y))]);
  }
  /** Elementwise minimum; ties send the gradient to the first operand. */
  min(a: Operand, b: Operand): Sym {
    return this.binary("Min", a, b, (gy, x, y) => [
      this.mul(gy, this.indicator(this.lessOrEqual(x, y))),
      this.mul(gy, this.indicator(this.greater(x, y))),
    ]);
  }
  /** Elementwise maximum; ties send the gradient to the first operand. */
  max(a: Operand, b: Operand): Sym {
    return this.binary("Max", a, b, (gy, x, y) => [
      this.mul(gy, this.indicator(this.greaterOrEqual(x, y))),
      this.mul(gy, this.indicator(this.less(x, y))),
    ]);
  }

  private unary(op: string, x: Sym, rule: (gy: Sym, out: Sym) => Sym, attrs = {}): Sym {
    const out = this.emit(op, [x], { dtype: x.dtype, shape: x.shape }, attrs);
    return this.track(op, out, [x], (gy, needs) => [needs[0] ? rule(gy, out) : undefined]);
  }

  neg(x: Sym): Sym {
    return this.unary("Neg", x, (gy) => this.neg(gy));
  }
  exp(x: Sym): Sym {
    return this.unary("Exp", x, (gy, y) => this.mul(gy, y));
  }
  log(x: Sym): Sym {
    return this.unary("Log", x, (gy) => this.div(gy, x));
  }
  sqrt(x: Sym): Sym {
    return this.unary("Sqrt", x, (gy, y) => this.div(gy, this.mul(y, 2)));
  }
  /** base ** x for a constant base (bias corrections); no gradient. */
  powOf(base: number, x: Sym): Sym {
    return this.emit("Pow", [this.scalar(base), x], { dtype: x.dtype, shape: x.shape });
  }
  tanh(x: Sym): Sym {
    return this.unary("Tanh", x, (gy, y) => this.mul(gy, this.sub(1, this.mul(y, y))));
  }
  sigmoid(x: Sym): Sym {
    return this.unary("Sigmoid", x, (gy, y) => this.mul(gy, this.mul(y, this.sub(1, y))));
  }
  relu(x: Sym): Sym {
    return this.unary("Relu", x, (gy) => this.mul(gy, this.indicator(this.greater(x, 0))));
  }
  /** Clip to [lo, hi]; the gradient passes where lo <= x <= hi. */
  clip(x: Sym, lo: number, hi: number): Sym {
    const out = this.emit("Clip", [x, this.scalar(lo), this.scalar(hi)], { dtype: x.dtype, shape: x.shape });
    return this.track("Clip", out, [x], (gy, needs) => {
      if (!needs[0]) return [];
      const inside = this.and(this.greaterOrEqual(x, lo), this.lessOrEqual(x, hi));
      return [this.mul(gy, this.indicator(inside))];
    });
  }

  /** log(sigmoid(x)) computed stably as min(x, 0) - log(1 + exp(-|x|)); gradient sigmoid(-x). */
  logSigmoid(x: Sym): Sym {
    const f = { dtype: x.dtype, shape: x.shape };
    const absx = this.emit("Abs", [x], f);
    const e = this.emit("Exp", [this.emit("Neg", [absx], f)], f);
    const l = this.emit("Log", [this.emit("Add", [e, this.scalar(1)], f)], f);
    const out = this.emit("Sub", [this.emit("Min", [x, this.scalar(0)], f), l], f);
    return this.track("LogSigmoid", out, [x], (gy, needs) => [needs[0] ? this.mul(gy, this.sigmoid(this.neg(x))) : undefined]);
  }

  softmax(x: Sym, axis = -1): Sym {
    const a = normAxis(axis, x.shape.length);
    return this.unary(
      "Softmax",
      x,
      (gy, y) => this.mul(y, this.sub(gy, this.reduceSum(this.mul(gy, y), [a], true))),
      { axis: { kind: "int", value: a } },
    );
  }

  logSoftmax(x: Sym, axis = -1): Sym {
    const a = normAxis(axis, x.shape.length);
    return this.unary(
      "LogSoftmax",
      x,
      (gy, y) => this.sub(gy, this.mul(this.exp(y), this.reduceSum(gy, [a], true))),
      { axis: { kind: "int", value: a } },
    );
  }

  /** log softmax over the last axis of logits [N, V] and its entry at target [N] (int64), as one op:
   * `picked` [N] carries the gradient (softmax·(-g) plus g at the target, without a dense one-hot
   * scatter); `logp` [N, V] is for metrics only, no gradient flows through it. */
  pickLogSoftmax(logits: Sym, target: Sym): { picked: Sym; logp: Sym } {
    if (logits.shape.length !== 2 || target.shape.length !== 1) throw new Error("pickLogSoftmax: logits [N, V], target [N]");
    const ft = logits.dtype;
    const n = logits.shape[0] as Dim;
    const logp = this.emit("LogSoftmax", [logits], { dtype: ft, shape: logits.shape }, { axis: { kind: "int", value: 1 } });
    const idx = this.emit("Unsqueeze", [target, this.int64s([1])], { dtype: "int64", shape: [n, 1] });
    const g2 = this.emit("GatherElements", [logp, idx], { dtype: ft, shape: [n, 1] }, { axis: { kind: "int", value: 1 } });
    const picked = this.emit("Reshape", [g2, this.int64s([-1])], { dtype: ft, shape: [n] });
    this.track("PickLogSoftmax", picked, [logits, target], (gy, needs) => {
      if (!needs[0]) return [];
      const gcol = this.emit("Unsqueeze", [gy, this.int64s([1])], { dtype: ft, shape: [n, 1] });
      const soft = this.emit("Exp", [logp], { dtype: ft, shape: logits.shape });
      const negg = this.emit("Neg", [gcol], { dtype: ft, shape: [n, 1] });
      const dense = this.emit("Mul", [soft, negg], { dtype: ft, shape: logits.shape });
      const gl = this.emit("ScatterElements", [dense, idx, gcol], { dtype: ft, shape: logits.shape }, {
        axis: { kind: "int", value: 1 },
        reduction: { kind: "string", value: "add" },
      });
      return [gl];
    });
    return { picked, logp };
  }

  private reduce(op: "ReduceSum" | "ReduceMean", x: Sym, axes: readonly number[] | undefined, keepdims: boolean): Sym {
    const rank = x.shape.length;
    const ax = axes === undefined ? x.shape.map((_, i) => i) : [...new Set(axes.map((a) => normAxis(a, rank)))].sort((p, q) => p - q);
    const shape = keepdims ? x.shape.map((d, i) => (ax.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !ax.includes(i));
    const inputs = axes === undefined ? [x] : [x, this.int64s(ax)];
    const out = this.emit(op, inputs, { dtype: x.dtype, shape }, { keepdims: { kind: "int", value: keepdims ? 1 : 0 } });
    return this.track(op, out, [x], (gy, needs) => {
      if (!needs[0]) return [];
      let g = gy;
      if (!keepdims && gy.shape.length > 0) {
        g = this.emit("Unsqueeze", [gy, this.int64s(ax)], { dtype: gy.dtype, shape: x.shape.map((d, i) => (ax.includes(i) ? 1 : d)) });
      }
      if (op === "ReduceMean") g = this.div(g, this.countRatio(x, out));
      return [this.expandLike(g, x)];
    });
  }

  /** How many inputs each output of a reduction averaged over. */
  private countRatio(x: Sym, y: Sym): Sym {
    if (this.allStatic(x.shape) && this.allStatic(y.shape)) {
      const nx = x.shape.reduce((p, q) => p * q, 1);
      const ny = y.shape.reduce((p, q) => p * q, 1);
      return this.scalar(nx / ny);
    }
    const size = (s: Sym): Sym => this.cast(this.emit("Size", [s], { dtype: "int64", shape: [] }), this.floatType);
    return this.emit("Div", [size(x), size(y)], { dtype: this.floatType, shape: [] });
  }

  /** Sum over `axes` (all when omitted). */
  reduceSum(x: Sym, axes?: readonly number[], keepdims = false): Sym {
    return this.reduce("ReduceSum", x, axes, keepdims);
  }

  /** Mean over `axes` (all when omitted). */
  reduceMean(x: Sym, axes?: readonly number[], keepdims = false): Sym {
    return this.reduce("ReduceMean", x, axes, keepdims);
  }

  /** ONNX Reshape (0 copies a dimension, -1 is inferred). `shape` names the result's dims for
   * bookkeeping where they cannot be inferred statically. */
  reshape(x: Sym, target: readonly number[], shape?: readonly Dim[]): Sym {
    const outShape: Dim[] = shape
      ? [...shape]
      : target.map((t, i) => {
          if (t === 0) return x.shape[i] as Dim;
          if (t > 0) return t;
          const known = target.flatMap((u, j): Dim[] => (u === -1 ? [] : [u === 0 ? (x.shape[j] as Dim) : u]));
          const total = x.shape.every((d) => typeof d === "number") ? (x.shape as number[]).reduce((p, q) => p * q, 1) : NaN;
          const rest = known.every((d) => typeof d === "number") ? (known as number[]).reduce((p, q) => p * q, 1) : NaN;
          return Number.isFinite(total / rest) ? total / rest : `${x.name}_r${i}`;
        });
    if (outShape.length !== target.length) throw new Error("reshape: shape and target differ in rank");
    const out = this.emit("Reshape", [x, this.int64s(target)], { dtype: x.dtype, shape: outShape });
    return this.track("Reshape", out, [x], (gy, needs) => [needs[0] ? this.reshapeLike(gy, x) : undefined]);
  }

  unsqueeze(x: Sym, axes: readonly number[]): Sym {
    const rank = x.shape.length + axes.length;
    const ax = axes.map((a) => normAxis(a, rank));
    const shape: Dim[] = [];
    let j = 0;
    for (let i = 0; i < rank; i++) shape.push(ax.includes(i) ? 1 : (x.shape[j++] as Dim));
    const out = this.emit("Unsqueeze", [x, this.int64s(ax)], { dtype: x.dtype, shape });
    if (!this.isFloat(x)) return out;
    return this.track("Unsqueeze", out, [x], (gy, needs) => [needs[0] ? this.reshapeLike(gy, x) : undefined]);
  }

  /** Passes values through and blocks gradients (for targets computed from the model's own output). */
  stopGradient(x: Sym): Sym {
    return this.emit("Identity", [x], { dtype: x.dtype, shape: x.shape });
  }
}
