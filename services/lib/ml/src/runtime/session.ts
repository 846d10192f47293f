// onnxruntime-node sessions and tensors: the only place the rest of the package meets the runtime.
import * as ort from "onnxruntime-node";
import type { FloatArray } from "../graph/core.js";

export type Session = ort.InferenceSession;
export type OrtTensor = ort.Tensor;
export type Feeds = Record<string, ort.Tensor>;

export interface SessionOptions {
  /** Threads inside one op (matrix products); default 2, the cores this machine has. */
  readonly threads?: number;
}

export async function createSession(model: Uint8Array | string, opts: SessionOptions = {}): Promise<Session> {
  const options: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: opts.threads ?? 2,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "all",
  };
  return typeof model === "string" ? ort.InferenceSession.create(model, options) : ort.InferenceSession.create(model, options);
}

export function floatTensor(data: FloatArray, dims: readonly number[]): ort.Tensor {
  return data instanceof Float64Array ? new ort.Tensor("float64", data, dims) : new ort.Tensor("float32", data, dims);
}

export function int64Tensor(data: BigInt64Array | ArrayLike<number>, dims: readonly number[]): ort.Tensor {
  const d = data instanceof BigInt64Array ? data : BigInt64Array.from(Array.from(data), (v) => BigInt(v));
  return new ort.Tensor("int64", d, dims);
}

export function scalarTensor(v: number, dtype: "float32" | "float64"): ort.Tensor {
  return dtype === "float32" ? new ort.Tensor("float32", new Float32Array([v]), []) : new ort.Tensor("float64", new Float64Array([v]), []);
}

/** The float data of a runtime tensor (a view, not a copy). */
export function floatData(t: ort.Tensor | undefined, what = "tensor"): FloatArray {
  if (!t) throw new Error(`missing output ${what}`);
  const d = t.data;
  if (d instanceof Float32Array || d instanceof Float64Array) return d;
  throw new Error(`${what}: expected float data, got ${t.type}`);
}

export function scalarOf(t: ort.Tensor | undefined, what = "tensor"): number {
  const v = floatData(t, what)[0];
  if (v === undefined) throw new Error(`${what}: empty`);
  return v;
}
