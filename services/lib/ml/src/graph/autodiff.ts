// Reverse-mode differentiation over the builder's tape: each op's rule emits the ONNX nodes of its
// input gradients, contributions to one tensor are summed.
import type { GraphBuilder } from "./builder.js";
import type { Sym } from "./core.js";

/** Gradients of a scalar `loss` with respect to each tensor in `wrt` (zeros where it does not
 * depend on it). */
export function gradients(b: GraphBuilder, loss: Sym, wrt: readonly Sym[]): Sym[] {
  if (loss.shape.length !== 0) throw new Error(`gradients: loss must be a scalar, got [${loss.shape.join(",")}]`);
  // Tensors that depend on some `wrt`: only ops reading them need a rule applied.
  const dependent = new Set<number>(wrt.map((w) => w.id));
  const lossIndex = b.tape.findIndex((e) => e.out.id === loss.id);
  for (let i = 0; i <= lossIndex; i++) {
    const e = b.tape[i]!;
    if (e.inputs.some((x) => dependent.has(x.id))) dependent.add(e.out.id);
  }
  const grads = new Map<number, Sym>([[loss.id, b.scalar(1)]]);
  for (let i = lossIndex; i >= 0; i--) {
    const e = b.tape[i]!;
    const gy = grads.get(e.out.id);
    if (!gy) continue;
    const needs = e.inputs.map((x) => dependent.has(x.id) && b.isFloat(x));
    if (!needs.some(Boolean)) continue;
    const gin = e.grad(gy, needs);
    e.inputs.forEach((x, k) => {
      const g = gin[k];
      if (!needs[k] || !g) return;
      const prev = grads.get(x.id);
      grads.set(x.id, prev ? b.add(prev, g) : g);
    });
  }
  return wrt.map((w) => grads.get(w.id) ?? b.zerosLike(w));
}
