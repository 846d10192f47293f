// Fits the compact reward model: Bradley–Terry on weighted pairs plus a pointwise logistic loss on
// unpaired thumbs and outcomes, AdamW with weight decay, early stopping on a held-out split grouped by
// prompt. The arithmetic runs in onnxruntime-node (ml's training-step graph); this file is the glue.
import {
  buildRewardInference,
  buildRewardTrainStep,
  DEFAULT_ADAMW,
  floatTensor,
  freshOptimizerState,
  initParams,
  int64Tensor,
  padIds,
  pairFeedsFromIds,
  Prng,
  REWARD_INPUTS,
  rewardFeatures,
  rewardParamDefs,
  createSession,
  floatData,
  TrainingSession,
  type Feeds,
  type Params,
  type TrainState,
} from "@rlhf-loop/ml";
import { smoothPairs, splitByPrompt, type TrainPair, type TrainSingle } from "../domain/examples.js";
import { sigmoid } from "../domain/stats.js";
import { batchSizeFor, trainerConfig, type TrainerConfig } from "./trainer-config.js";

export interface EpochMetrics {
  readonly epoch: number;
  readonly steps: number;
  readonly trainLoss: number;
  readonly trainPairAccuracy: number;
  readonly heldOutLoss: number;
  readonly heldOutPairAccuracy: number;
  readonly seconds: number;
  readonly pairsPerSecond: number;
}

export interface TrainProgress {
  readonly epoch: number;
  readonly maxEpochs: number;
  readonly step: number;
  readonly stepsPerEpoch: number;
  readonly loss: number;
  readonly pairsPerSecond: number;
  /** Set at the end of each epoch. */
  readonly epochMetrics?: EpochMetrics;
}

export interface TrainInput {
  readonly pairs: readonly TrainPair[];
  readonly singles?: readonly TrainSingle[];
}

export interface TrainResult {
  readonly config: TrainerConfig;
  /** Weights of the best epoch (lowest held-out loss). */
  readonly params: Params;
  readonly epochs: EpochMetrics[];
  readonly bestEpoch: number;
  readonly stoppedEarly: boolean;
  readonly split: { readonly trainPairs: number; readonly heldOutPairs: number; readonly trainSingles: number; readonly heldOutSingles: number };
  readonly heldOut: { readonly pairs: TrainPair[]; readonly singles: TrainSingle[] };
  readonly seconds: number;
  /** Pairs (and singles) processed per second of optimizer steps, over all epochs. */
  readonly examplesPerSecond: number;
}

interface Encoded {
  readonly chosen: number[][];
  readonly rejected: number[][];
  readonly weights: number[];
}

function encodePairs(cfg: TrainerConfig, pairs: readonly TrainPair[]): Encoded {
  return {
    chosen: pairs.map((p) => rewardFeatures(cfg.model, p.prompt, p.chosen)),
    rejected: pairs.map((p) => rewardFeatures(cfg.model, p.prompt, p.rejected)),
    weights: pairs.map((p) => p.weight),
  };
}

function singleBatch(rows: readonly number[][], labels: readonly number[], weights: readonly number[]): Feeds {
  const p = padIds(rows);
  return {
    [REWARD_INPUTS.ids]: int64Tensor(p.ids, p.dims),
    [REWARD_INPUTS.mask]: floatTensor(p.mask, p.dims),
    [REWARD_INPUTS.label]: floatTensor(Float32Array.from(labels), [labels.length]),
    [REWARD_INPUTS.weight]: floatTensor(Float32Array.from(weights), [weights.length]),
  };
}

function shuffled(n: number, rng: Prng): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx;
}

/** Weighted Bradley–Terry loss and accuracy of scores (chosen, rejected) — ties count as half right. */
export function pairLossAndAccuracy(sc: readonly number[], sr: readonly number[], w: readonly number[]): { loss: number; accuracy: number } {
  let loss = 0;
  let acc = 0;
  let ws = 0;
  for (let i = 0; i < sc.length; i++) {
    const m = sc[i]! - sr[i]!;
    loss += w[i]! * -Math.log(Math.max(sigmoid(m), 1e-300));
    acc += w[i]! * (m > 0 ? 1 : m === 0 ? 0.5 : 0);
    ws += w[i]!;
  }
  return ws > 0 ? { loss: loss / ws, accuracy: acc / ws } : { loss: Number.NaN, accuracy: Number.NaN };
}

/** Scores rows of feature ids with the given weights (inference graph built from them). */
export async function scoreIds(cfg: TrainerConfig, params: Params, rows: readonly number[][]): Promise<number[]> {
  const session = await createSession(buildRewardInference(cfg.model, params).bytes, { threads: cfg.threads });
  try {
    const out: number[] = [];
    for (let i = 0; i < rows.length; i += 1024) {
      const p = padIds(rows.slice(i, i + 1024));
      const res = await session.run({ [REWARD_INPUTS.ids]: int64Tensor(p.ids, p.dims), [REWARD_INPUTS.mask]: floatTensor(p.mask, p.dims) });
      out.push(...floatData(res[REWARD_INPUTS.score], REWARD_INPUTS.score));
    }
    return out;
  } finally {
    await session.release();
  }
}

export async function trainRewardModel(input: TrainInput, over: Partial<TrainerConfig> = {}, onProgress?: (p: TrainProgress) => void): Promise<TrainResult> {
  const cfg = trainerConfig(over);
  const t0 = performance.now();
  const pairSplit = splitByPrompt(input.pairs, cfg.heldOutFraction, cfg.seed);
  const singleSplit = splitByPrompt(input.singles ?? [], cfg.heldOutFraction, cfg.seed);
  const trainPairs = smoothPairs(pairSplit.train, cfg.labelSmoothing).filter((p) => p.weight > 0);
  const trainSingles = singleSplit.train
    .map((s) => {
      const eps = cfg.labelSmoothing[s.source] ?? 0;
      return { ...s, label: s.label * (1 - eps) + eps / 2, weight: s.weight * cfg.singleWeight };
    })
    .filter((s) => s.weight > 0);
  if (trainPairs.length === 0 && trainSingles.length === 0) throw new RangeError("no training examples after the held-out split");

  const enc = encodePairs(cfg, trainPairs);
  const sIds = trainSingles.map((s) => rewardFeatures(cfg.model, s.prompt, s.answer));
  const held = encodePairs(cfg, pairSplit.heldOut);
  const heldS = singleSplit.heldOut.map((s) => rewardFeatures(cfg.model, s.prompt, s.answer));

  const objective = { pairs: trainPairs.length > 0, singles: trainSingles.length > 0 };
  const step = buildRewardTrainStep(cfg.model, objective, { ...DEFAULT_ADAMW, weightDecay: cfg.weightDecay, maxGradNorm: cfg.maxGradNorm });
  const params = initParams(rewardParamDefs(cfg.model), cfg.seed);
  const session = await TrainingSession.create(step, { params, ...freshOptimizerState(params) }, { threads: cfg.threads });

  const batchPairs = batchSizeFor(cfg, trainPairs.length || trainSingles.length);
  const stepsPerEpoch = Math.max(1, Math.ceil((trainPairs.length || trainSingles.length) / batchPairs));
  const singlesPerStep = Math.ceil(trainSingles.length / stepsPerEpoch);
  const epochs: EpochMetrics[] = [];
  let best: { loss: number; epoch: number; params: TrainState["params"] } | undefined;
  let since = 0;
  let stepSeconds = 0;
  let examples = 0;
  try {
    for (let epoch = 1; epoch <= cfg.maxEpochs; epoch++) {
      const rng = new Prng(cfg.seed * 1000 + epoch);
      const order = shuffled(trainPairs.length, rng);
      const sOrder = shuffled(trainSingles.length, rng);
      const te = performance.now();
      let lossSum = 0;
      let accSum = 0;
      for (let s = 0; s < stepsPerEpoch; s++) {
        let feeds: Feeds = {};
        let n = 0;
        if (objective.pairs) {
          const idx = order.slice(s * batchPairs, (s + 1) * batchPairs);
          feeds = pairFeedsFromIds(idx.map((i) => enc.chosen[i]!), idx.map((i) => enc.rejected[i]!), idx.map((i) => enc.weights[i]!));
          n += idx.length;
        }
        if (objective.singles) {
          const idx = sOrder.slice(s * singlesPerStep, (s + 1) * singlesPerStep);
          // An epoch may run out of singles before pairs: a zero-weight row keeps the batch well formed.
          const rows = idx.length ? idx.map((i) => sIds[i]!) : [[]];
          feeds = { ...feeds, ...singleBatch(rows, idx.length ? idx.map((i) => trainSingles[i]!.label) : [0], idx.length ? idx.map((i) => trainSingles[i]!.weight) : [0]) };
          n += idx.length;
        }
        const r = await session.step(feeds, cfg.lr);
        lossSum += r.loss;
        accSum += r.metrics["pair_accuracy"] ?? r.metrics["single_accuracy"] ?? 0;
        examples += n;
        if (onProgress && ((s + 1) % 10 === 0 || s === stepsPerEpoch - 1)) {
          const el = (stepSeconds * 1000 + performance.now() - te) / 1000;
          onProgress({ epoch, maxEpochs: cfg.maxEpochs, step: s + 1, stepsPerEpoch, loss: r.loss, pairsPerSecond: examples / Math.max(el, 1e-9) });
        }
      }
      const seconds = (performance.now() - te) / 1000;
      stepSeconds += seconds;
      const state = session.state();
      const heldLoss = await heldOutLoss(cfg, state.params, held, heldS, singleSplit.heldOut);
      const m: EpochMetrics = {
        epoch,
        steps: stepsPerEpoch,
        trainLoss: lossSum / stepsPerEpoch,
        trainPairAccuracy: accSum / stepsPerEpoch,
        heldOutLoss: heldLoss.loss,
        heldOutPairAccuracy: heldLoss.pairAccuracy,
        seconds,
        pairsPerSecond: (trainPairs.length + trainSingles.length) / seconds,
      };
      epochs.push(m);
      onProgress?.({ epoch, maxEpochs: cfg.maxEpochs, step: stepsPerEpoch, stepsPerEpoch, loss: m.trainLoss, pairsPerSecond: examples / stepSeconds, epochMetrics: m });
      // Without a held-out set there is nothing to stop on: keep the last epoch.
      const score = Number.isNaN(heldLoss.loss) ? -epoch : heldLoss.loss;
      if (!best || score < best.loss) {
        best = { loss: score, epoch, params: state.params };
        since = 0;
      } else if (++since >= cfg.patience) break;
    }
  } finally {
    await session.release();
  }
  return {
    config: cfg,
    params: best!.params,
    epochs,
    bestEpoch: best!.epoch,
    stoppedEarly: epochs.length < cfg.maxEpochs,
    split: { trainPairs: pairSplit.train.length, heldOutPairs: pairSplit.heldOut.length, trainSingles: singleSplit.train.length, heldOutSingles: singleSplit.heldOut.length },
    heldOut: { pairs: pairSplit.heldOut, singles: singleSplit.heldOut },
    seconds: (performance.now() - t0) / 1000,
    examplesPerSecond: examples / Math.max(stepSeconds, 1e-9),
  };
}

async function heldOutLoss(
  cfg: TrainerConfig,
  params: Params,
  held: Encoded,
  heldS: number[][],
  singles: readonly TrainSingle[],
): Promise<{ loss: number; pairAccuracy: number }> {
  const n = held.chosen.length;
  if (n === 0 && heldS.length === 0) return { loss: Number.NaN, pairAccuracy: Number.NaN };
  const scores = await scoreIds(cfg, params, [...held.chosen, ...held.rejected, ...heldS]);
  const pair = pairLossAndAccuracy(scores.slice(0, n), scores.slice(n, 2 * n), held.weights);
  if (n > 0) return { loss: pair.loss, pairAccuracy: pair.accuracy };
  // Only singles held out: stop on their logistic loss.
  let loss = 0;
  let ws = 0;
  singles.forEach((s, i) => {
    const z = scores[2 * n + i]!;
    loss += s.weight * -(s.label * Math.log(Math.max(sigmoid(z), 1e-300)) + (1 - s.label) * Math.log(Math.max(sigmoid(-z), 1e-300)));
    ws += s.weight;
  });
  return { loss: ws > 0 ? loss / ws : Number.NaN, pairAccuracy: Number.NaN };
}

/** The self-contained inference .onnx of trained weights (config in its metadata). */
export function exportInference(cfg: TrainerConfig, params: Params): Uint8Array {
  return buildRewardInference(cfg.model, params).bytes;
}
