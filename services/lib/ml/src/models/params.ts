// Parameter declarations of a model and their seeded initialization.
import type { FloatArray, FloatType } from "../graph/core.js";
import type { TrainState } from "../runtime/trainer.js";
import { Prng } from "../util/prng.js";

export interface ParamDef {
  readonly name: string;
  readonly shape: readonly number[];
  /** Normal with this standard deviation; 0 for zeros. */
  readonly std: number;
  /** Weight decay applies (matrices), or not (biases). */
  readonly decay: boolean;
}

export type Params = TrainState["params"];

export function initParams(defs: readonly ParamDef[], seed: number, floatType: FloatType = "float32"): Params {
  const rng = new Prng(seed);
  const out = new Map<string, { shape: readonly number[]; data: FloatArray }>();
  for (const d of defs) {
    const n = d.shape.reduce((a, b) => a * b, 1);
    const data = floatType === "float32" ? new Float32Array(n) : new Float64Array(n);
    if (d.std > 0) for (let i = 0; i < n; i++) data[i] = rng.normal() * d.std;
    out.set(d.name, { shape: [...d.shape], data });
  }
  return out;
}

/** Checks that `params` has exactly the declared names and shapes. */
export function checkParams(defs: readonly ParamDef[], params: Params): void {
  for (const d of defs) {
    const p = params.get(d.name);
    if (!p) throw new Error(`missing param "${d.name}"`);
    if (p.shape.length !== d.shape.length || p.shape.some((x, i) => x !== d.shape[i])) {
      throw new Error(`param "${d.name}" has shape [${p.shape.join(",")}], the model needs [${d.shape.join(",")}]`);
    }
    if (p.data.length !== d.shape.reduce((a, b) => a * b, 1)) throw new Error(`param "${d.name}" has ${p.data.length} values`);
  }
  for (const k of params.keys()) if (!defs.some((d) => d.name === k)) throw new Error(`unexpected param "${k}"`);
}

/** The same params in another float type (checkpoints are float32; gradient tests run float64). */
export function convertParams(params: Params, floatType: FloatType): Params {
  return new Map(
    [...params].map(([k, p]) => [k, { shape: p.shape, data: floatType === "float32" ? Float32Array.from(p.data) : Float64Array.from(p.data) }]),
  );
}
