// Stratified sampling of canary tasks from logged traffic: every intent x segment stratum keeps its share.
import { Prng } from "@rlhf-loop/ml";

export interface TrafficCandidate {
  readonly intent: string;
  readonly segment: string;
}

/**
 * Picks `size` items, allocating to strata (intent x segment) by their traffic share with the
 * largest-remainder rule, and at least one per stratum while the size allows, so rare intents are
 * still measured. Within a stratum the pick is a seeded shuffle. Returns indices into `items`.
 */
export function stratifiedSample(items: readonly TrafficCandidate[], size: number, seed: number): number[] {
  if (size <= 0 || items.length === 0) return [];
  if (size >= items.length) return items.map((_, i) => i);
  const strata = new Map<string, number[]>();
  items.forEach((it, i) => {
    const key = `${it.intent}\u0000${it.segment}`;
    const list = strata.get(key);
    if (list) list.push(i);
    else strata.set(key, [i]);
  });
  const keys = [...strata.keys()].sort();
  const alloc = new Map<string, number>();
  // A floor of one per stratum, largest first, while it fits.
  const bySize = [...keys].sort((a, b) => strata.get(b)!.length - strata.get(a)!.length || (a < b ? -1 : 1));
  let left = size;
  for (const k of bySize) {
    if (left === 0) break;
    alloc.set(k, 1);
    left--;
  }
  // The rest by share (largest remainder), capped by the stratum's size.
  const total = items.length;
  const want = keys.map((k) => ({ k, exact: (strata.get(k)!.length / total) * size }));
  let remaining = left;
  for (const w of want) {
    const add = Math.max(0, Math.min(Math.floor(w.exact) - (alloc.get(w.k) ?? 0), strata.get(w.k)!.length - (alloc.get(w.k) ?? 0), remaining));
    if (add > 0) {
      alloc.set(w.k, (alloc.get(w.k) ?? 0) + add);
      remaining -= add;
    }
  }
  const byRemainder = [...want].sort((a, b) => (b.exact % 1) - (a.exact % 1) || (a.k < b.k ? -1 : 1));
  while (remaining > 0) {
    let progressed = false;
    for (const w of byRemainder) {
      if (remaining === 0) break;
      const have = alloc.get(w.k) ?? 0;
      if (have < strata.get(w.k)!.length) {
        alloc.set(w.k, have + 1);
        remaining--;
        progressed = true;
      }
    }
    if (!progressed) break;
  }
  const rng = new Prng(seed);
  const out: number[] = [];
  for (const k of keys) {
    const list = [...strata.get(k)!];
    const n = alloc.get(k) ?? 0;
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(rng.next() * (list.length - i));
      [list[i], list[j]] = [list[j]!, list[i]!];
      out.push(list[i]!);
    }
  }
  return out.sort((a, b) => a - b);
}
