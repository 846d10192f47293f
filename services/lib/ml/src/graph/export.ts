// Cuts one ONNX model out of a builder: the nodes the requested outputs need, nothing else. The
// inference graph and the training step come from the same builder this way.
import { encodeModel, type ConstTensor, type Dim, type OnnxNode, type ValueInfo } from "../onnx/encode.js";
import type { GraphBuilder } from "./builder.js";
import type { FloatArray, MatmulShape, Sym } from "./core.js";

export interface ExportSpec {
  readonly name: string;
  /** Graph inputs, in order (data inputs and, for a training step, the params). */
  readonly inputs: readonly Sym[];
  /** Output name and the tensor it carries, in order. */
  readonly outputs: readonly (readonly [string, Sym])[];
  /** Params stored in the model itself (the inference graph of a trained model). */
  readonly initializers?: ReadonlyMap<string, FloatArray>;
  readonly docString?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface ExportedModel {
  readonly bytes: Uint8Array;
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  /** MatMul/Gemm sizes of the kept nodes, for FLOP counts. */
  readonly matmuls: readonly MatmulShape[];
}

export function exportModel(b: GraphBuilder, spec: ExportSpec): ExportedModel {
  const outNames = new Set<string>();
  for (const [name] of spec.outputs) {
    if (outNames.has(name)) throw new Error(`export ${spec.name}: duplicate output "${name}"`);
    if (b.graphInputs.has(name) || /^[tc]\d+$/.test(name)) throw new Error(`export ${spec.name}: output name "${name}" is taken`);
    outNames.add(name);
  }
  const needed = new Set(spec.outputs.map(([, s]) => s.name));
  const kept: OnnxNode[] = [];
  for (let i = b.nodes.length - 1; i >= 0; i--) {
    const n = b.nodes[i]!;
    if (!n.outputs.some((o) => needed.has(o))) continue;
    kept.push(n);
    for (const x of n.inputs) if (x !== "") needed.add(x);
  }
  kept.reverse();
  const produced = new Set(kept.flatMap((n) => n.outputs));
  const inputNames = new Set(spec.inputs.map((s) => s.name));
  const init = spec.initializers ?? new Map<string, FloatArray>();
  const initializers: ConstTensor[] = [];
  for (const name of needed) {
    if (produced.has(name) || inputNames.has(name)) continue;
    const c = b.consts.get(name);
    if (c) {
      initializers.push({ name, dtype: c.sym.dtype, dims: c.dims, data: c.data });
      continue;
    }
    const gi = b.graphInputs.get(name);
    const data = init.get(name);
    if (gi && gi.kind === "param" && data) {
      const dims = gi.sym.shape as number[];
      initializers.push({ name, dtype: gi.sym.dtype, dims, data });
      continue;
    }
    throw new Error(`export ${spec.name}: the outputs need "${name}", which is neither an input nor an initializer`);
  }
  for (const s of spec.inputs) {
    if (!b.graphInputs.has(s.name)) throw new Error(`export ${spec.name}: "${s.name}" is not a graph input`);
  }
  // An output computed by a kept node takes that node's output name (no copy); an input, a constant
  // or a tensor wanted under two names goes out through an Identity.
  const rename = new Map<string, string>();
  const identities: OnnxNode[] = [];
  for (const [name, s] of spec.outputs) {
    if (produced.has(s.name) && !rename.has(s.name)) rename.set(s.name, name);
    else identities.push({ opType: "Identity", inputs: [rename.get(s.name) ?? s.name], outputs: [name], attrs: {} });
  }
  const r = (x: string): string => rename.get(x) ?? x;
  const nodes = [...kept.map((n): OnnxNode => ({ ...n, inputs: n.inputs.map(r), outputs: n.outputs.map(r) })), ...identities];
  const info = (name: string, s: Sym): ValueInfo => ({ name, dtype: s.dtype, shape: s.shape as Dim[] });
  const inputs = spec.inputs.map((s) => info(s.name, s));
  const outputs = spec.outputs.map(([name, s]) => info(name, s));
  const bytes = encodeModel({
    name: spec.name,
    nodes,
    inputs,
    outputs,
    initializers,
    ...(spec.docString !== undefined ? { docString: spec.docString } : {}),
    ...(spec.metadata !== undefined ? { metadata: spec.metadata } : {}),
  });
  const keptNames = new Set(kept.flatMap((n) => n.outputs));
  return { bytes, inputs, outputs, matmuls: b.matmuls.filter((m) => keptNames.has(m.output)) };
}

/** 2·batch·M·K·N summed over the model's matrix products, with symbolic dims bound to sizes. */
export function matmulFlops(matmuls: readonly MatmulShape[], dims: Readonly<Record<string, number>>): number {
  const v = (d: Dim): number => {
    if (typeof d === "number") return d;
    const x = dims[d];
    if (x === undefined) throw new Error(`matmulFlops: no size for dim "${d}"`);
    return x;
  };
  return matmuls.reduce((s, m) => s + 2 * v(m.batch ?? 1) * v(m.m) * v(m.k) * v(m.n), 0);
}
