// One complete training run: fit, export the ONNX artifact, score the held-out split with that very
// artifact, run the diagnostics, and (optionally) measure what each evidence source adds by training
// again without it and scoring the same held-out pairs.
import { RewardScorer } from "@rlhf-loop/ml";
import { runDiagnostics, type DiagnosticsReport, type DiagnosticsThresholds, type GoldOracle, type ScoreFn } from "../diagnostics/diagnostics.js";
import type { TrainPair } from "../domain/examples.js";
import { pairLossAndAccuracy, trainRewardModel, exportInference, type TrainInput, type TrainProgress, type TrainResult } from "./trainer.js";
import type { TrainerConfig } from "./trainer-config.js";

export interface SourceContribution {
  /** A pair source, or "pointwise" for the unpaired thumbs and outcomes. */
  readonly source: string;
  readonly trainExamples: number;
  /** Held-out accuracy with every source, and without this one, on the same held-out pairs. */
  readonly accuracyWith: number;
  readonly accuracyWithout: number;
  readonly delta: number;
}

export interface TrainRunOutput {
  readonly result: TrainResult;
  readonly report: DiagnosticsReport;
  readonly onnx: Uint8Array;
  readonly contributions: SourceContribution[];
}

export interface TrainRunOptions {
  readonly trainer?: Partial<TrainerConfig>;
  readonly thresholds?: DiagnosticsThresholds;
  readonly oracle?: GoldOracle;
  readonly onProgress?: (p: TrainProgress) => void;
  /** Retrain without each source to report what it adds (one extra training per source). */
  readonly ablation?: boolean;
}

export function scorerFn(scorer: RewardScorer): ScoreFn {
  return (rows) => scorer.score(rows, { batchSize: 1024 });
}

async function heldOutAccuracy(onnx: Uint8Array, pairs: readonly TrainPair[]): Promise<number> {
  const s = await RewardScorer.load(onnx, { threads: 2 });
  try {
    const sc = await s.score(pairs.map((p) => ({ prompt: p.prompt, answer: p.chosen })), { batchSize: 1024 });
    const sr = await s.score(pairs.map((p) => ({ prompt: p.prompt, answer: p.rejected })), { batchSize: 1024 });
    return pairLossAndAccuracy(sc, sr, pairs.map((p) => p.weight)).accuracy;
  } finally {
    await s.release();
  }
}

export async function trainAndDiagnose(input: TrainInput, opts: TrainRunOptions = {}): Promise<TrainRunOutput> {
  const result = await trainRewardModel(input, opts.trainer, opts.onProgress);
  const onnx = exportInference(result.config, result.params);
  const scorer = await RewardScorer.load(onnx, { threads: result.config.threads });
  let report: DiagnosticsReport;
  try {
    report = await runDiagnostics(scorerFn(scorer), result.heldOut, {
      seed: result.config.seed,
      ...(opts.thresholds ? { thresholds: opts.thresholds } : {}),
      ...(opts.oracle ? { oracle: opts.oracle } : {}),
    });
  } finally {
    await scorer.release();
  }
  const contributions: SourceContribution[] = [];
  if (opts.ablation && result.heldOut.pairs.length > 0) {
    const full = report.accuracy.value;
    const sources = [...new Set(input.pairs.map((p) => p.source))].sort();
    const groups: { source: string; input: TrainInput; n: number }[] = sources.map((s) => ({
      source: s,
      input: { pairs: input.pairs.filter((p) => p.source !== s), singles: input.singles ?? [] },
      n: input.pairs.filter((p) => p.source === s).length,
    }));
    if ((input.singles ?? []).length > 0) groups.push({ source: "pointwise", input: { pairs: input.pairs }, n: input.singles!.length });
    for (const g of groups) {
      if (g.input.pairs.length === 0 && (g.input.singles ?? []).length === 0) continue;
      const r = await trainRewardModel(g.input, opts.trainer);
      const acc = await heldOutAccuracy(exportInference(r.config, r.params), result.heldOut.pairs);
      contributions.push({ source: g.source, trainExamples: g.n, accuracyWith: full, accuracyWithout: acc, delta: full - acc });
    }
  }
  return { result, report, onnx, contributions };
}
