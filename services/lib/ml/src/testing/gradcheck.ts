// Central finite differences against the gradient graph, in float64, for the tests.
import { gradients } from "../graph/autodiff.js";
import { GraphBuilder } from "../graph/builder.js";
import type { Sym } from "../graph/core.js";
import { exportModel } from "../graph/export.js";
import { createSession, floatData, floatTensor, scalarOf, type Feeds } from "../runtime/session.js";
import { Prng } from "../util/prng.js";

export interface GradCheckInput {
  readonly name: string;
  readonly shape: readonly number[];
  /** Values to check at; random normal when omitted. */
  readonly values?: readonly number[];
  /** The shape declared to the graph, where it should carry symbolic dims. */
  readonly declared?: readonly (number | string)[];
}

export interface GradCheckResult {
  /** Largest |analytic - numeric| / (atol/rtol + |numeric|), scaled so that <= 1 passes. */
  readonly worst: number;
  readonly analytic: Float64Array[];
  readonly numeric: Float64Array[];
}

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Builds y = build(inputs), a scalar loss sum(y * R) with a fixed random R, and compares the
 * gradient graph's d loss / d input with (L(x+h) - L(x-h)) / 2h for every element. */
export async function gradCheck(opts: {
  readonly inputs: readonly GradCheckInput[];
  readonly build: (b: GraphBuilder, xs: Sym[]) => Sym;
  /** The output's runtime shape, where its declared shape is symbolic. */
  readonly outShape?: readonly number[];
  readonly seed?: number;
  readonly h?: number;
  readonly rtol?: number;
  readonly atol?: number;
}): Promise<GradCheckResult> {
  const rng = new Prng(opts.seed ?? 1);
  const h = opts.h ?? 1e-5;
  const rtol = opts.rtol ?? 1e-6;
  const atol = opts.atol ?? 1e-8;
  const b = new GraphBuilder("float64");
  const xs = opts.inputs.map((i) => b.input(i.name, "float64", i.declared ?? i.shape));
  const y = opts.build(b, xs);
  const yShape = opts.outShape ?? y.shape;
  if (!yShape.every((d): d is number => typeof d === "number")) throw new Error("gradCheck: give outShape for a symbolic output");
  const r = Float64Array.from({ length: size(yShape) }, () => rng.normal());
  const loss = b.reduceSum(b.mul(y, b.constant("float64", yShape, r)));
  const grads = gradients(b, loss, xs);
  const fwd = await createSession(exportModel(b, { name: "fwd", inputs: xs, outputs: [["loss", loss]] }).bytes, { threads: 1 });
  const bwd = await createSession(
    exportModel(b, { name: "bwd", inputs: xs, outputs: [["loss", loss], ...grads.map((g, i): [string, Sym] => [`g${i}`, g])] }).bytes,
    { threads: 1 },
  );
  const values = opts.inputs.map((i) => Float64Array.from(i.values ?? Array.from({ length: size(i.shape) }, () => rng.normal())));
  const feeds = (): Feeds => Object.fromEntries(opts.inputs.map((inp, k) => [inp.name, floatTensor(values[k]!, inp.shape)]));
  const out = await bwd.run(feeds());
  const analytic = grads.map((_, i) => Float64Array.from(floatData(out[`g${i}`], `g${i}`)));
  const numeric: Float64Array[] = [];
  let worst = 0;
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    const num = new Float64Array(v.length);
    for (let j = 0; j < v.length; j++) {
      const x0 = v[j]!;
      v[j] = x0 + h;
      const lp = scalarOf((await fwd.run(feeds()))["loss"]);
      v[j] = x0 - h;
      const lm = scalarOf((await fwd.run(feeds()))["loss"]);
      v[j] = x0;
      num[j] = (lp - lm) / (2 * h);
      const err = Math.abs(num[j]! - analytic[k]![j]!) / (atol + rtol * Math.abs(num[j]!));
      worst = Math.max(worst, err);
    }
    numeric.push(num);
  }
  await fwd.release();
  await bwd.release();
  return { worst, analytic, numeric };
}
