// The training examples the reward trainer takes, whatever they came from (a dataset snapshot read
// over gRPC, a preference file, unpaired thumbs and outcomes from the service's own tables).
import { hash32 } from "@rlhf-loop/ml";

/** Where a training example's evidence came from; diagnostics report each separately. */
export type ExampleSource = "expert" | "thumbs" | "outcomes" | "comparison" | "rating" | "import";

export const EXAMPLE_SOURCES: readonly ExampleSource[] = ["expert", "thumbs", "outcomes", "comparison", "rating", "import"];

export interface TrainPair {
  readonly prompt: string;
  readonly chosen: string;
  readonly rejected: string;
  /** Final weight from the snapshot (caps, reweighting, sampling); 1 for a file. */
  readonly weight: number;
  readonly source: ExampleSource;
  readonly segment?: string;
  readonly intent?: string;
  readonly id?: string;
}

/** An unpaired answer with a good (1) or bad (0) verdict: a thumb, or an outcome such as an escalation. */
export interface TrainSingle {
  readonly prompt: string;
  readonly answer: string;
  readonly label: number;
  readonly weight: number;
  readonly source: ExampleSource;
  readonly segment?: string;
  readonly intent?: string;
}

export interface Split<T> {
  readonly train: T[];
  readonly heldOut: T[];
}

/** Held-out membership of a prompt: a hash of the prompt and the seed, so no prompt lands in both
 * splits and the split is the same on every run and for pairs and singles alike. */
export function isHeldOutPrompt(prompt: string, fraction: number, seed: number): boolean {
  return hash32(prompt.trim(), seed ^ 0x5eed) / 2 ** 32 < fraction;
}

export function splitByPrompt<T extends { readonly prompt: string }>(items: readonly T[], fraction: number, seed: number): Split<T> {
  const train: T[] = [];
  const heldOut: T[] = [];
  for (const x of items) (isHeldOutPrompt(x.prompt, fraction, seed) ? heldOut : train).push(x);
  return { train, heldOut };
}

/**
 * Bradley–Terry with label smoothing ε as weighted pairs: −(1−ε)·log σ(m) − ε·log σ(−m) is the plain
 * loss on the pair with weight (1−ε)·w plus the plain loss on the flipped pair with weight ε·w.
 */
export function smoothPairs(pairs: readonly TrainPair[], epsilonBySource: Partial<Record<ExampleSource, number>>): TrainPair[] {
  const out: TrainPair[] = [];
  for (const p of pairs) {
    const eps = epsilonBySource[p.source] ?? 0;
    if (eps <= 0) {
      out.push(p);
      continue;
    }
    out.push({ ...p, weight: p.weight * (1 - eps) });
    out.push({ ...p, chosen: p.rejected, rejected: p.chosen, weight: p.weight * eps });
  }
  return out;
}

export function validatePair(p: TrainPair, where: string): void {
  if (!p.chosen.trim() || !p.rejected.trim()) throw new RangeError(`${where}: chosen and rejected must be non-empty`);
  if (!Number.isFinite(p.weight) || p.weight < 0) throw new RangeError(`${where}: weight must be a finite number >= 0, got ${p.weight}`);
}
