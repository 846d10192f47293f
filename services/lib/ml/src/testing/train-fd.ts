// Finite differences of a whole training step's loss with respect to every weight, against the
// gradients the step computes (exposed as grad.<param>), in float64.
import type { FloatArray } from "../graph/core.js";
import { TRAIN_NAMES, type TrainStepModel } from "../graph/train-step.js";
import type { Params } from "../models/params.js";
import { createSession, floatData, floatTensor, scalarOf, scalarTensor, type Feeds } from "../runtime/session.js";
import { lazyRowFeeds } from "../runtime/trainer.js";

export interface StepGradCheck {
  readonly worst: number;
  readonly checked: number;
  readonly maxAbsGrad: number;
}

/** Compares grad.<p> with (L(w+h) - L(w-h)) / 2h element by element (at most `perParam` elements
 * per param, spread evenly). Scaled error <= 1 passes (|a - n| <= atol + rtol |n|). */
export async function trainStepGradCheck(
  model: TrainStepModel,
  params: Params,
  batch: Feeds,
  opts: { h?: number; rtol?: number; atol?: number; perParam?: number } = {},
): Promise<StepGradCheck> {
  const h = opts.h ?? 1e-5;
  const rtol = opts.rtol ?? 1e-5;
  const atol = opts.atol ?? 1e-8;
  const s = await createSession(model.bytes, { threads: 1 });
  const values = new Map<string, Float64Array>([...params].map(([k, p]) => [k, Float64Array.from(p.data)]));
  const feeds = (): Feeds => {
    const f: Feeds = { ...batch, ...lazyRowFeeds(model, batch), [TRAIN_NAMES.lr]: scalarTensor(0, "float64"), [TRAIN_NAMES.step]: scalarTensor(0, "float64") };
    for (const [k, p] of params) {
      f[k] = floatTensor(values.get(k)!, p.shape);
      f[TRAIN_NAMES.m(k)] = floatTensor(new Float64Array(p.data.length), p.shape);
      f[TRAIN_NAMES.v(k)] = floatTensor(new Float64Array(p.data.length), p.shape);
    }
    return f;
  };
  const base = await s.run(feeds());
  const analytic = new Map<string, FloatArray>(model.params.map((k) => [k, floatData(base[TRAIN_NAMES.grad(k)], k)]));
  let worst = 0;
  let checked = 0;
  let maxAbsGrad = 0;
  for (const [k, v] of values) {
    const a = analytic.get(k)!;
    const stride = Math.max(1, Math.floor(v.length / (opts.perParam ?? Infinity)));
    for (let j = 0; j < v.length; j += stride) {
      const x0 = v[j]!;
      v[j] = x0 + h;
      const lp = scalarOf((await s.run(feeds()))[TRAIN_NAMES.loss]);
      v[j] = x0 - h;
      const lm = scalarOf((await s.run(feeds()))[TRAIN_NAMES.loss]);
      v[j] = x0;
      const num = (lp - lm) / (2 * h);
      worst = Math.max(worst, Math.abs(num - a[j]!) / (atol + rtol * Math.abs(num)));
      maxAbsGrad = Math.max(maxAbsGrad, Math.abs(num));
      checked++;
    }
  }
  await s.release();
  return { worst, checked, maxAbsGrad };
}
