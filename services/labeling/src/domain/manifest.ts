import type { Contribution, PairSourceName } from "./model.js";
import type { WeighResult } from "./weighting.js";
import { NO_SEGMENT } from "./weighting.js";

export interface Share {
  key: string;
  pairs: number;
  weightBefore: number;
  shareBefore: number;
  weightAfter: number;
  shareAfter: number;
}

export interface StratumSampling {
  stratum: string;
  inclusionProbability: number;
  samplingWeight: number;
  pairs: number;
}

export interface ManifestPair {
  source: PairSourceName;
  rubricVersion: string;
  stratum: string;
  samplingWeight: number;
  contributions: readonly Contribution[];
}

export interface ManifestShares {
  totalWeightBefore: number;
  totalWeightAfter: number;
  bySource: Share[];
  bySegment: Share[];
  byRater: Share[];
  byRubricVersion: Share[];
  sampling: StratumSampling[];
  raterCount: number;
}

class Tally {
  private readonly m = new Map<string, { pairs: Set<number>; before: number; after: number }>();
  add(key: string, pair: number, before: number, after: number): void {
    let e = this.m.get(key);
    if (!e) this.m.set(key, (e = { pairs: new Set(), before: 0, after: 0 }));
    e.pairs.add(pair);
    e.before += before;
    e.after += after;
  }
  shares(totalBefore: number, totalAfter: number): Share[] {
    return [...this.m]
      .map(([key, e]) => ({
        key,
        pairs: e.pairs.size,
        weightBefore: e.before,
        shareBefore: totalBefore > 0 ? e.before / totalBefore : 0,
        weightAfter: e.after,
        shareAfter: totalAfter > 0 ? e.after / totalAfter : 0,
      }))
      .sort((a, b) => b.weightBefore - a.weightBefore || (a.key < b.key ? -1 : 1));
  }
  get size(): number {
    return this.m.size;
  }
}

/**
 * Each key's share of the total weight before (raw evidence weight) and after (the snapshot's
 * final weights), by source, segment, rater and rubric version; plus how the review strata
 * were sampled.
 */
export function manifestShares(pairs: readonly ManifestPair[], weighed: Pick<WeighResult, "contributionWeights">): ManifestShares {
  const bySource = new Tally();
  const bySegment = new Tally();
  const byRater = new Tally();
  const byRubric = new Tally();
  const strata = new Map<string, { stratum: string; pairs: number; weight: number }>();
  let totalBefore = 0;
  let totalAfter = 0;
  pairs.forEach((p, i) => {
    const after = weighed.contributionWeights[i] ?? [];
    p.contributions.forEach((c, j) => {
      const a = after[j] ?? 0;
      totalBefore += c.weight;
      totalAfter += a;
      bySource.add(p.source, i, c.weight, a);
      bySegment.add(c.segment === "" ? NO_SEGMENT : c.segment, i, c.weight, a);
      byRater.add(c.raterId === "" ? "(anonymous)" : c.raterId, i, c.weight, a);
      byRubric.add(p.rubricVersion === "" ? "(none)" : p.rubricVersion, i, c.weight, a);
    });
    if (p.stratum !== "") {
      // A pair met in several strata has its own combined probability: one entry per value.
      const key = `${p.stratum}\u001f${p.samplingWeight}`;
      const s = strata.get(key) ?? { stratum: p.stratum, pairs: 0, weight: p.samplingWeight };
      s.pairs++;
      strata.set(key, s);
    }
  });
  return {
    totalWeightBefore: totalBefore,
    totalWeightAfter: totalAfter,
    bySource: bySource.shares(totalBefore, totalAfter),
    bySegment: bySegment.shares(totalBefore, totalAfter),
    byRater: byRater.shares(totalBefore, totalAfter),
    byRubricVersion: byRubric.shares(totalBefore, totalAfter),
    sampling: [...strata]
      .map(([, s]) => ({ stratum: s.stratum, pairs: s.pairs, samplingWeight: s.weight, inclusionProbability: s.weight > 0 ? 1 / s.weight : 0 }))
      .sort((a, b) => (a.stratum < b.stratum ? -1 : a.stratum > b.stratum ? 1 : a.samplingWeight - b.samplingWeight)),
    raterCount: byRater.size,
  };
}
