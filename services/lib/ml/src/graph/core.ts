// The graph builder's core: symbolic tensors, constants, ONNX node emission and the tape the
// gradient pass walks. Ops and their gradient rules live in builder.ts.
import type { AttrValue, DType, Dim, OnnxNode, TensorData } from "../onnx/encode.js";

export type FloatType = "float32" | "float64";
export type FloatArray = Float32Array | Float64Array;

/** A tensor of the graph being built: a name in the ONNX graph, a type and a (partly symbolic) shape. */
export interface Sym {
  readonly id: number;
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly Dim[];
}

/** Given the gradient of the loss with respect to an op's output, the gradients with respect to its
 * inputs (undefined where no gradient is needed or none exists). `needs[i]` says which are wanted. */
export type GradRule = (gy: Sym, needs: readonly boolean[]) => readonly (Sym | undefined)[];

export interface TapeEntry {
  readonly op: string;
  readonly out: Sym;
  readonly inputs: readonly Sym[];
  readonly grad: GradRule;
}

export interface GraphInput {
  readonly sym: Sym;
  readonly kind: "input" | "param";
}

export interface ConstEntry {
  readonly sym: Sym;
  readonly dims: readonly number[];
  readonly data: TensorData;
}

/** Matrix product sizes of an emitted MatMul/Gemm node, for counting FLOPs. */
export interface MatmulShape {
  readonly output: string;
  /** Batch count of a batched MatMul (1 when absent). */
  readonly batch?: Dim;
  readonly m: Dim;
  readonly k: Dim;
  readonly n: Dim;
}

export class GraphCore {
  readonly floatType: FloatType;
  readonly nodes: OnnxNode[] = [];
  readonly tape: TapeEntry[] = [];
  readonly graphInputs = new Map<string, GraphInput>();
  readonly consts = new Map<string, ConstEntry>();
  readonly matmuls: MatmulShape[] = [];
  private readonly constKeys = new Map<string, Sym>();
  private nextId = 0;

  constructor(floatType: FloatType = "float32") {
    this.floatType = floatType;
  }

  protected sym(dtype: DType, shape: readonly Dim[], name?: string): Sym {
    const id = this.nextId++;
    return { id, name: name ?? `t${id}`, dtype, shape: [...shape] };
  }

  private declare(name: string, dtype: DType, shape: readonly Dim[], kind: GraphInput["kind"]): Sym {
    if (this.graphInputs.has(name) || /^t\d+$/.test(name) || /^c\d+$/.test(name)) {
      throw new Error(`graph input name "${name}" is taken or reserved`);
    }
    const s = this.sym(dtype, shape, name);
    this.graphInputs.set(name, { sym: s, kind });
    return s;
  }

  /** A data input of the graph (a batch tensor). */
  input(name: string, dtype: DType, shape: readonly Dim[]): Sym {
    return this.declare(name, dtype, shape, "input");
  }

  /** A trainable weight: a graph input of the training step, an initializer of the inference graph. */
  param(name: string, shape: readonly number[]): Sym {
    return this.declare(name, this.floatType, shape, "param");
  }

  /** A constant tensor, stored once per distinct value. */
  constant(dtype: DType, dims: readonly number[], data: TensorData): Sym {
    const key = `${dtype}|${dims.join(",")}|${Array.from(data as ArrayLike<number | bigint>, String).join(",")}`;
    const found = this.constKeys.get(key);
    if (found) return found;
    const s = this.sym(dtype, dims, `c${this.nextId}`);
    this.consts.set(s.name, { sym: s, dims: [...dims], data });
    this.constKeys.set(key, s);
    return s;
  }

  /** A scalar of the graph's float type. */
  scalar(v: number): Sym {
    const data = this.floatType === "float32" ? new Float32Array([v]) : new Float64Array([v]);
    return this.constant(this.floatType, [], data);
  }

  int64s(values: readonly number[]): Sym {
    return this.constant("int64", [values.length], BigInt64Array.from(values, (v) => BigInt(v)));
  }

  /** Emits one ONNX node with one output and no gradient rule (the tape knows nothing of it). */
  emit(
    opType: string,
    inputs: readonly (Sym | "")[],
    out: { dtype: DType; shape: readonly Dim[] },
    attrs: Record<string, AttrValue> = {},
  ): Sym {
    const y = this.sym(out.dtype, out.shape);
    this.nodes.push({
      opType,
      inputs: inputs.map((s) => (s === "" ? "" : s.name)),
      outputs: [y.name],
      attrs,
    });
    return y;
  }

  /** Records that `out` was computed from `inputs`, with the rule that carries gradients back. */
  track(op: string, out: Sym, inputs: readonly Sym[], grad: GradRule): Sym {
    this.tape.push({ op, out, inputs, grad });
    return out;
  }

  isFloat(s: Sym): boolean {
    return s.dtype === "float32" || s.dtype === "float64";
  }

  floatArray(n: number | ArrayLike<number>): FloatArray {
    if (typeof n === "number") return this.floatType === "float32" ? new Float32Array(n) : new Float64Array(n);
    return this.floatType === "float32" ? Float32Array.from(n) : Float64Array.from(n);
  }
}

export function sameShape(a: readonly Dim[], b: readonly Dim[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Numpy broadcasting on partly symbolic shapes. A symbol against a number other than 1 takes the
 * number (the runtime checks they agree); two different symbols are refused as ambiguous. */
export function broadcastShapes(a: readonly Dim[], b: readonly Dim[]): Dim[] {
  const r = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    if (x === y) out.push(x);
    else if (x === 1) out.push(y);
    else if (y === 1) out.push(x);
    else if (typeof x === "number" && typeof y === "string") out.push(x);
    else if (typeof x === "string" && typeof y === "number") out.push(y);
    else throw new Error(`cannot broadcast [${a.join(",")}] with [${b.join(",")}]`);
  }
  return out;
}

export function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new Error(`axis ${axis} out of range for rank ${rank}`);
  return a;
}
