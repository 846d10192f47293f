import type { Contribution } from "./model.js";
import { isPersonRater } from "./model.js";

/** How a dataset snapshot turns raw evidence into training weights. */
export interface WeightingPolicy {
  /** Most weight one rater may contribute per window (0: no per-window cap). */
  raterCapPerWindow: number;
  raterWindowMs: number;
  /** Most share of the raters' weight the heaviest `heavyFraction` of raters may hold (1: none). */
  heavyShareMax: number;
  heavyFraction: number;
  /** Target segment mix (shares); segments not listed share the rest in their current proportions. */
  segmentTargets: Readonly<Record<string, number>>;
  /** Bound on one segment's reweighting factor, so a handful of votes never speak for a segment. */
  maxSegmentFactor: number;
  /** Multiply review-queue pairs by 1/inclusion probability (undoes the failure oversampling). */
  applySamplingWeights: boolean;
  /** Multiply flagged raters' contributions by their audit weight factor. */
  applyRaterAudit: boolean;
  /** Keep pairs judged under a rubric version that has been replaced. */
  includeSuperseded: boolean;
}

export const noWeightingPolicy: WeightingPolicy = {
  raterCapPerWindow: 0,
  raterWindowMs: 86_400_000,
  heavyShareMax: 1,
  heavyFraction: 0.05,
  segmentTargets: {},
  maxSegmentFactor: 10,
  applySamplingWeights: false,
  applyRaterAudit: false,
  includeSuperseded: true,
};

export const defaultWeightingPolicy: WeightingPolicy = {
  raterCapPerWindow: 3,
  raterWindowMs: 86_400_000,
  heavyShareMax: 0.25,
  heavyFraction: 0.05,
  segmentTargets: {},
  maxSegmentFactor: 10,
  applySamplingWeights: false,
  applyRaterAudit: true,
  includeSuperseded: false,
};

export interface WeighablePair {
  contributions: readonly Contribution[];
  samplingWeight: number;
}

export interface WeighResult {
  /** Final weight per pair, scaled so they average 1. */
  pairWeights: number[];
  /** Final weight per contribution (same scale), indexed like the pairs' contributions. */
  contributionWeights: number[][];
  /** Rater-windows whose weight was capped. */
  windowsCapped: number;
  /** The per-rater total cap found to hold the heavy share (undefined when not needed). */
  heavyCap: number | undefined;
  heavyShareBefore: number;
  heavyShareAfter: number;
  segmentFactors: Record<string, number>;
}

export const NO_SEGMENT = "(none)";

/**
 * Share of the people's weight held by the heaviest `fraction` of them (at least one person).
 * Outcome signals are not people and are left out of both sides.
 */
export function heavyShare(totalsByRater: ReadonlyMap<string, number>, fraction: number): number {
  const totals = [...totalsByRater].filter(([r]) => isPersonRater(r)).map(([, w]) => w).sort((a, b) => b - a);
  const all = totals.reduce((s, w) => s + w, 0);
  if (all <= 0) return 0;
  const k = Math.max(1, Math.ceil(fraction * totals.length));
  let top = 0;
  for (let i = 0; i < k; i++) top += totals[i] as number;
  return top / all;
}

/**
 * The largest per-person cap C so that, with every total replaced by min(total, C), the top k
 * hold at most `maxShare` (bisection; the share only grows with C). The share cannot go below
 * k/n (everyone equal): when the bound asks for less, the cap aims at k/n, which levels every
 * rater to the lightest one (tiny datasets: one rater, one vote).
 */
export function capForHeavyShare(sortedDesc: readonly number[], k: number, maxShare: number): number | undefined {
  const shareAt = (c: number) => {
    let top = 0;
    let all = 0;
    sortedDesc.forEach((w, i) => {
      const v = Math.min(w, c);
      all += v;
      if (i < k) top += v;
    });
    return all > 0 ? top / all : 0;
  };
  const max = sortedDesc[0] ?? 0;
  const n = sortedDesc.filter((w) => w > 0).length;
  if (max <= 0 || n === 0 || shareAt(max) <= maxShare) return undefined;
  const bound = Math.max(maxShare, Math.min(1, k / n)) + 1e-12;
  let lo = 0;
  let hi = max;
  for (let i = 0; i < 200 && hi - lo > max * 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (shareAt(mid) <= bound) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * Resolves the target mix against the segments present: listed segments get their target,
 * unlisted ones share what is left in proportion to their current weight.
 */
export function resolveTargets(current: ReadonlyMap<string, number>, targets: Readonly<Record<string, number>>): Map<string, number> {
  const present = [...current].filter(([, w]) => w > 0);
  const listed = present.filter(([g]) => targets[g] !== undefined);
  const unlisted = present.filter(([g]) => targets[g] === undefined);
  const listedSum = listed.reduce((s, [g]) => s + (targets[g] as number), 0);
  const unlistedWeight = unlisted.reduce((s, [, w]) => s + w, 0);
  const out = new Map<string, number>();
  if (listed.length === 0) {
    const all = present.reduce((s, [, w]) => s + w, 0);
    for (const [g, w] of present) out.set(g, w / all);
    return out;
  }
  // Listed targets may name absent segments or not sum to 1: scale them to what is left.
  const rest = unlisted.length > 0 ? Math.max(0, 1 - listedSum) : 0;
  const listedScale = listedSum > 0 ? (unlisted.length > 0 ? Math.min(1, listedSum) : 1) / listedSum : 0;
  for (const [g] of listed) out.set(g, (targets[g] as number) * listedScale);
  for (const [g, w] of unlisted) out.set(g, unlistedWeight > 0 ? (rest * w) / unlistedWeight : 0);
  return out;
}

/**
 * Turns contributions into training weights: audit down-weights and sampling weights, a cap
 * per rater per window, then alternately segment reweighting toward the target mix and a cap
 * on the heaviest raters' share (ending with the cap, so the share bound always holds).
 * Final weights are scaled to average 1 per pair.
 */
export function weighPairs(pairs: readonly WeighablePair[], policy: WeightingPolicy, raterFactors: ReadonlyMap<string, number> = new Map()): WeighResult {
  // Flat arrays: one entry per contribution.
  const owner: number[] = [];
  const rater: string[] = [];
  const segment: string[] = [];
  const w: number[] = [];
  pairs.forEach((p, pi) => {
    for (const c of p.contributions) {
      owner.push(pi);
      rater.push(c.raterId === "" ? "(anonymous)" : c.raterId);
      segment.push(c.segment === "" ? NO_SEGMENT : c.segment);
      let x = c.weight;
      if (policy.applyRaterAudit) x *= raterFactors.get(c.raterId) ?? 1;
      if (policy.applySamplingWeights) x *= p.samplingWeight > 0 ? p.samplingWeight : 1;
      w.push(x);
    }
  });
  const n = w.length;
  const atOf: number[] = [];
  pairs.forEach((p) => p.contributions.forEach((c) => atOf.push(c.atMs)));

  const raterTotals = (): Map<string, number> => {
    const m = new Map<string, number>();
    for (let i = 0; i < n; i++) m.set(rater[i] as string, (m.get(rater[i] as string) ?? 0) + (w[i] as number));
    return m;
  };
  const heavyShareBefore = heavyShare(raterTotals(), policy.heavyFraction);

  let windowsCapped = 0;
  if (policy.raterCapPerWindow > 0) {
    const totals = new Map<string, number>();
    const keyOf = (i: number) => `${rater[i]}\u001f${Math.floor((atOf[i] as number) / policy.raterWindowMs)}`;
    for (let i = 0; i < n; i++) if (isPersonRater(rater[i] as string)) totals.set(keyOf(i), (totals.get(keyOf(i)) ?? 0) + (w[i] as number));
    for (const t of totals.values()) if (t > policy.raterCapPerWindow) windowsCapped++;
    for (let i = 0; i < n; i++) {
      if (!isPersonRater(rater[i] as string)) continue;
      const t = totals.get(keyOf(i)) as number;
      if (t > policy.raterCapPerWindow) w[i] = (w[i] as number) * (policy.raterCapPerWindow / t);
    }
  }

  const segmentFactors: Record<string, number> = {};
  const hasTargets = Object.keys(policy.segmentTargets).length > 0;
  const wantsHeavy = policy.heavyShareMax < 1;
  let heavyCap: number | undefined;

  const reweightSegments = (): number => {
    const current = new Map<string, number>();
    for (let i = 0; i < n; i++) current.set(segment[i] as string, (current.get(segment[i] as string) ?? 0) + (w[i] as number));
    const total = [...current.values()].reduce((s, x) => s + x, 0);
    if (total <= 0) return 0;
    const targets = resolveTargets(current, policy.segmentTargets);
    const factor = new Map<string, number>();
    let worst = 0;
    for (const [g, s] of current) {
      if (s <= 0) continue;
      const want = (targets.get(g) ?? 0) * total;
      // The bound holds for the factor accumulated over all rounds, not per round.
      const before = segmentFactors[g] ?? 1;
      const after = Math.min(policy.maxSegmentFactor, Math.max(1 / policy.maxSegmentFactor, (before * want) / s));
      factor.set(g, after / before);
      segmentFactors[g] = after;
      if (after / before !== 1) worst = Math.max(worst, Math.abs(s / total - (targets.get(g) ?? 0)));
    }
    for (let i = 0; i < n; i++) w[i] = (w[i] as number) * (factor.get(segment[i] as string) ?? 1);
    return worst;
  };

  const capHeavy = (): boolean => {
    const totals = raterTotals();
    const people = [...totals].filter(([r]) => isPersonRater(r)).sort((a, b) => b[1] - a[1]);
    const k = Math.max(1, Math.ceil(policy.heavyFraction * people.length));
    const cap = capForHeavyShare(people.map(([, x]) => x), k, policy.heavyShareMax);
    if (cap === undefined) return false;
    heavyCap = heavyCap === undefined ? cap : Math.min(heavyCap, cap);
    for (let i = 0; i < n; i++) {
      const r = rater[i] as string;
      if (!isPersonRater(r)) continue;
      const t = totals.get(r) as number;
      if (t > cap) w[i] = (w[i] as number) * (cap / t);
    }
    return true;
  };

  if (hasTargets || wantsHeavy) {
    for (let iter = 0; iter < 30; iter++) {
      const off = hasTargets ? reweightSegments() : 0;
      const capped = wantsHeavy ? capHeavy() : false;
      if (off < 1e-4 && !capped) break;
    }
  }

  // Average 1 per pair: shares are unchanged, and trainers get weights on a familiar scale.
  const sum = w.reduce((s, x) => s + x, 0);
  const scale = sum > 0 ? pairs.length / sum : 0;
  const contributionWeights: number[][] = pairs.map(() => []);
  const pairWeights = pairs.map(() => 0);
  for (let i = 0; i < n; i++) {
    const x = (w[i] as number) * scale;
    (contributionWeights[owner[i] as number] as number[]).push(x);
    pairWeights[owner[i] as number] = (pairWeights[owner[i] as number] as number) + x;
  }
  return { pairWeights, contributionWeights, windowsCapped, heavyCap, heavyShareBefore, heavyShareAfter: heavyShare(raterTotals(), policy.heavyFraction), segmentFactors };
}
