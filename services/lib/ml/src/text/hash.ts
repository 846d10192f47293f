// Feature hashing: FNV-1a over UTF-8 with a final avalanche, so ids spread evenly over buckets.

const encoder = new TextEncoder();

export function hash32(s: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (const byte of encoder.encode(s)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  // murmur3 fmix32
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A bucket in [1, buckets): 0 stays free for padding. */
export function bucketOf(feature: string, buckets: number, seed = 0): number {
  if (!Number.isInteger(buckets) || buckets < 2) throw new Error(`buckets must be an integer >= 2, got ${buckets}`);
  return 1 + (hash32(feature, seed) % (buckets - 1));
}
