import { cohensKappa, goldAccuracy, krippendorffAlphaNominal } from "./agreement.js";

export type Verdict = "a" | "b" | "tie";

export interface AuditJudgment {
  taskId: string;
  raterId: string;
  choice: Verdict;
  /** The known answer when the task is a gold item. */
  gold?: Verdict | undefined;
}

export interface AuditPolicy {
  /** Gold accuracy is judged only from this many gold items on. */
  minGoldItems: number;
  goldAccuracyMin: number;
  /** Kappa with another rater counts only from this many shared tasks on. */
  minSharedItems: number;
  kappaMin: number;
  /** Weight factor of a flagged rater's judgments until a later audit clears them. */
  downWeight: number;
}

export const defaultAuditPolicy: AuditPolicy = { minGoldItems: 5, goldAccuracyMin: 0.7, minSharedItems: 5, kappaMin: 0.2, downWeight: 0.25 };

export interface PairwiseKappa {
  a: string;
  b: string;
  shared: number;
  kappa: number | null;
}

export interface RaterAudit {
  raterId: string;
  judgments: number;
  goldItems: number;
  goldAccuracy: number | null;
  /** Mean kappa with the raters this one shares enough tasks with. */
  meanKappa: number | null;
  flagged: boolean;
  reasons: string[];
  weightFactor: number;
}

export interface AuditReport {
  judgments: number;
  tasks: number;
  /** Tasks judged by two or more raters, and their share of all tasks. */
  multiRatedTasks: number;
  multiRatedShare: number;
  alpha: number | null;
  pairwise: PairwiseKappa[];
  goldItems: number;
  goldAccuracy: number | null;
  raters: RaterAudit[];
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

/**
 * The consistency audit over one window of judgments: Krippendorff's alpha across all raters,
 * Cohen's kappa for each pair of raters that share tasks, accuracy on gold items; raters below
 * the thresholds are flagged and down-weighted.
 */
export function auditJudgments(judgments: readonly AuditJudgment[], policy: AuditPolicy): AuditReport {
  const byTask = new Map<string, Map<string, Verdict>>();
  for (const j of judgments) {
    let m = byTask.get(j.taskId);
    if (!m) byTask.set(j.taskId, (m = new Map()));
    m.set(j.raterId, j.choice);
  }
  const units = [...byTask.values()].map((m) => [...m.values()]);
  const multi = units.filter((u) => u.length >= 2).length;

  const raters = [...new Set(judgments.map((j) => j.raterId))].sort();
  const pairwise: PairwiseKappa[] = [];
  const kappasOf = new Map<string, number[]>();
  for (let i = 0; i < raters.length; i++) {
    for (let k = i + 1; k < raters.length; k++) {
      const a = raters[i] as string;
      const b = raters[k] as string;
      const shared: [string, string][] = [];
      for (const m of byTask.values()) {
        const va = m.get(a);
        const vb = m.get(b);
        if (va !== undefined && vb !== undefined) shared.push([va, vb]);
      }
      if (shared.length === 0) continue;
      const kappa = finite(cohensKappa(shared));
      pairwise.push({ a, b, shared: shared.length, kappa });
      if (kappa !== null && shared.length >= policy.minSharedItems) {
        for (const r of [a, b]) {
          const list = kappasOf.get(r) ?? [];
          list.push(kappa);
          kappasOf.set(r, list);
        }
      }
    }
  }

  const goldAll = judgments.filter((j) => j.gold !== undefined).map((j) => ({ given: j.choice, expected: j.gold as Verdict }));
  const audits: RaterAudit[] = raters.map((raterId) => {
    const mine = judgments.filter((j) => j.raterId === raterId);
    const gold = mine.filter((j) => j.gold !== undefined).map((j) => ({ given: j.choice, expected: j.gold as Verdict }));
    const acc = finite(goldAccuracy(gold));
    const ks = kappasOf.get(raterId) ?? [];
    const meanKappa = ks.length > 0 ? ks.reduce((s, x) => s + x, 0) / ks.length : null;
    const reasons: string[] = [];
    if (acc !== null && gold.length >= policy.minGoldItems && acc < policy.goldAccuracyMin) {
      reasons.push(`gold accuracy ${acc.toFixed(3)} < ${policy.goldAccuracyMin} over ${gold.length} items`);
    }
    if (meanKappa !== null && meanKappa < policy.kappaMin) reasons.push(`mean kappa ${meanKappa.toFixed(3)} < ${policy.kappaMin}`);
    const flagged = reasons.length > 0;
    return { raterId, judgments: mine.length, goldItems: gold.length, goldAccuracy: acc, meanKappa, flagged, reasons, weightFactor: flagged ? policy.downWeight : 1 };
  });

  return {
    judgments: judgments.length,
    tasks: byTask.size,
    multiRatedTasks: multi,
    multiRatedShare: byTask.size > 0 ? multi / byTask.size : 0,
    alpha: finite(krippendorffAlphaNominal(units)),
    pairwise,
    goldItems: goldAll.length,
    goldAccuracy: finite(goldAccuracy(goldAll)),
    raters: audits,
  };
}
