// Hashed word and bigram features and their padded batches (ids plus a 0/1 mask).
import { bucketOf } from "./hash.js";
import { tokenize } from "./tokenize.js";

export interface HashingConfig {
  /** Number of hash buckets (embedding rows); id 0 is padding. */
  readonly buckets: number;
  /** Add a feature per adjacent word pair. */
  readonly bigrams: boolean;
  /** Keep at most this many features per text (the first ones). */
  readonly maxFeatures: number;
  readonly seed?: number;
}

/** Hashed ids of a text's words and bigrams in reading order, under a namespace (so the same word in
 * a prompt and in an answer can land in different buckets). */
export function hashedFeatures(text: string, cfg: HashingConfig, namespace = "w"): number[] {
  const toks = tokenize(text);
  const ids: number[] = [];
  for (let i = 0; i < toks.length && ids.length < cfg.maxFeatures; i++) {
    ids.push(bucketOf(`${namespace}\u0001${toks[i]}`, cfg.buckets, cfg.seed));
    if (cfg.bigrams && i > 0 && ids.length < cfg.maxFeatures) {
      ids.push(bucketOf(`${namespace}b\u0001${toks[i - 1]}\u0002${toks[i]}`, cfg.buckets, cfg.seed));
    }
  }
  return ids;
}

export interface IdBatch {
  readonly ids: BigInt64Array;
  readonly mask: Float32Array;
  readonly dims: readonly [number, number];
}

/** Pads id lists to a [rows, width] batch (width: the longest, at least 1). */
export function padIds(rows: readonly (readonly number[])[], width?: number): IdBatch {
  const w = Math.max(1, width ?? Math.max(0, ...rows.map((r) => r.length)));
  const ids = new BigInt64Array(rows.length * w);
  const mask = new Float32Array(rows.length * w);
  rows.forEach((r, i) => {
    const n = Math.min(r.length, w);
    for (let j = 0; j < n; j++) {
      ids[i * w + j] = BigInt(r[j]!);
      mask[i * w + j] = 1;
    }
  });
  return { ids, mask, dims: [rows.length, w] };
}
