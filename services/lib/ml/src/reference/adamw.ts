// AdamW written out in plain TypeScript (the same update as the training-step graph), and its lazy
// variant for embedding tables.
import type { FloatArray } from "../graph/core.js";
import type { AdamWConfig } from "../graph/train-step.js";

export interface RefParam {
  readonly data: FloatArray;
  readonly m: FloatArray;
  readonly v: FloatArray;
  readonly decay: boolean;
}

/** LazyAdam for one table: only these rows (each `width` values wide) are updated. */
export interface RefLazyRows {
  readonly rows: Iterable<number>;
  readonly width: number;
}

/** One AdamW step in place over all params; returns the global gradient norm before clipping.
 * Params named in `lazy` get LazyAdam: moments, decay and weights change only on the listed rows
 * (bias corrections still use the global step count). */
export function adamwStep(
  params: ReadonlyMap<string, RefParam>,
  grads: ReadonlyMap<string, Float64Array>,
  step: number,
  lr: number,
  cfg: AdamWConfig,
  lazy: ReadonlyMap<string, RefLazyRows> = new Map(),
): number {
  let sumsq = 0;
  for (const g of grads.values()) for (let i = 0; i < g.length; i++) sumsq += g[i]! * g[i]!;
  const norm = Math.sqrt(sumsq);
  const scale = cfg.maxGradNorm > 0 ? Math.min(1, cfg.maxGradNorm / (norm + 1e-6)) : 1;
  const t = step + 1;
  const stepSize = lr / (1 - cfg.beta1 ** t);
  const invSqrtBc2 = 1 / Math.sqrt(1 - cfg.beta2 ** t);
  for (const [name, p] of params) {
    const g = grads.get(name);
    if (!g) throw new Error(`no gradient for ${name}`);
    const decay = p.decay && cfg.weightDecay > 0 ? 1 - lr * cfg.weightDecay : 1;
    const { data, m, v } = p;
    const update = (i: number): void => {
      const gi = g[i]! * scale;
      const mi = cfg.beta1 * m[i]! + (1 - cfg.beta1) * gi;
      const vi = cfg.beta2 * v[i]! + (1 - cfg.beta2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      data[i] = data[i]! * decay - (mi / (Math.sqrt(vi) * invSqrtBc2 + cfg.eps)) * stepSize;
    };
    const rows = lazy.get(name);
    if (!rows) {
      for (let i = 0; i < data.length; i++) update(i);
      continue;
    }
    for (const r of new Set(rows.rows)) for (let c = 0; c < rows.width; c++) update(r * rows.width + c);
  }
  return norm;
}
