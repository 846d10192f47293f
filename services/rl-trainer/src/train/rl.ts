// The RL loop: sample k answers per prompt from the current policy, score them with the reward
// model, subtract beta times the per-token KL to the frozen reference, and take a policy-gradient
// step (RLOO's leave-one-out baseline; PPO-clip as an option).
import {
  buildPolicyTrainStep,
  DEFAULT_ADAMW,
  freshOptimizerState,
  policyRowFeeds,
  Prng,
  TrainingSession,
  type Params,
  type PolicyConfig,
  type PolicySequence,
  type TrainState,
} from "@rlhf-loop/ml";
import type { AnswerCodec } from "../domain/codec.js";
import { checkKlBudget, checkShape, DEFAULT_GUARDRAILS, type GuardrailConfig, type GuardrailVerdict } from "../domain/guardrails.js";
import { KlController, klSequence, mean, rlooAdvantages, type KlEstimator } from "../domain/rl-math.js";
import { shapeStats, wordLength, type AnswerJudge, type ShapeStats } from "../domain/shape.js";
import { PolicyRuntime, type SampledAnswer } from "./policy.js";

/** Scores (prompt, answer) rows: the reward model (a local scorer, or the reward service's ScoreBatch). */
export type RewardFn = (rows: readonly { prompt: string; answer: string }[]) => Promise<number[]>;

export interface RlConfig {
  readonly algorithm: "rloo" | "ppo";
  /** Samples per prompt (k >= 2 for the leave-one-out baseline). */
  readonly samplesPerPrompt: number;
  readonly promptsPerStep: number;
  readonly beta: number;
  readonly klEstimator: KlEstimator;
  /** Hold a target KL (nats per answer) by moving beta; absent: fixed beta. */
  readonly adaptiveKl?: { readonly target: number; readonly horizon: number };
  readonly lr: number;
  /** PPO: optimizer passes over each batch, and the clip range. */
  readonly ppoEpochs: number;
  readonly clip: number;
  readonly maxTokens: number;
  /** Check the probe set every this many steps (0: never). */
  readonly probeEvery: number;
  readonly guardrails: GuardrailConfig;
  readonly seed: number;
}

export const DEFAULT_RL_CONFIG: RlConfig = {
  algorithm: "rloo",
  samplesPerPrompt: 4,
  promptsPerStep: 64,
  beta: 0.05,
  klEstimator: "k1",
  lr: 2e-3,
  ppoEpochs: 2,
  clip: 0.2,
  maxTokens: 200,
  probeEvery: 5,
  guardrails: DEFAULT_GUARDRAILS,
  seed: 1,
};

export interface StepStats {
  readonly step: number;
  readonly beta: number;
  /** Mean reward-model score, mean sequence KL to the reference (the run's estimator) and the
   * regularized reward (score - beta KL). */
  readonly reward: number;
  readonly kl: number;
  readonly objective: number;
  /** Mean per-token entropy of the policy on its samples. */
  readonly entropy: number;
  readonly length: number;
  readonly refusalRate: number;
  readonly hedgeRate: number;
  readonly disclaimerRate: number;
  /** Mean gold utility of the step's samples (simulated product only). */
  readonly gold?: number;
  readonly seconds: number;
  readonly tokens: number;
}

export interface ProbeReport {
  readonly step: number;
  readonly shape: ShapeStats;
  readonly gold?: number;
  readonly verdict: GuardrailVerdict;
}

export interface RlRunInit {
  readonly config: PolicyConfig;
  readonly codec: AnswerCodec;
  readonly reference: Params;
  /** Training prompts (canary prompts already excluded) and the probe prompts for the guardrail. */
  readonly prompts: readonly string[];
  readonly probePrompts: readonly string[];
  readonly reward: RewardFn;
  readonly judge: AnswerJudge;
  readonly rl: RlConfig;
  /** Resume: the policy's weights and optimizer state, the controller's beta and the step count. */
  readonly resume?: { readonly state: TrainState; readonly beta: number; readonly step: number };
  readonly threads?: number;
  /** Sample and score on onnxruntime's CUDA provider where present (GPU trainer pods). */
  readonly preferCuda?: boolean;
}

export class RlRun {
  private policyRt: PolicyRuntime;
  private readonly kl: KlController;
  private refProbe: ShapeStats | undefined;
  private refProbeGold: number | undefined;
  stopped: GuardrailVerdict | undefined;
  private stepCount: number;
  readonly history: StepStats[] = [];
  readonly probes: ProbeReport[] = [];

  private constructor(
    private readonly init: RlRunInit,
    private readonly refRt: PolicyRuntime,
    policyRt: PolicyRuntime,
    private readonly trainer: TrainingSession,
  ) {
    this.policyRt = policyRt;
    this.stepCount = init.resume?.step ?? 0;
    this.kl = new KlController(init.resume?.beta ?? init.rl.beta, init.rl.adaptiveKl);
  }

  static async create(init: RlRunInit): Promise<RlRun> {
    if (init.prompts.length === 0) throw new Error("RL needs training prompts");
    if (init.rl.samplesPerPrompt < 2) throw new Error("samplesPerPrompt must be >= 2");
    const so = init.threads !== undefined ? { threads: init.threads } : {};
    const rso = { ...so, ...(init.preferCuda ? { preferCuda: true } : {}) };
    const state: TrainState = init.resume?.state ?? { params: init.reference, ...freshOptimizerState(init.reference) };
    const step = buildPolicyTrainStep(
      init.config,
      { kind: "policy-gradient", estimator: init.rl.algorithm === "ppo" ? "ppo" : "reinforce", clip: init.rl.clip },
      { ...DEFAULT_ADAMW, weightDecay: 0, maxGradNorm: 1 },
    );
    const [refRt, policyRt, trainer] = await Promise.all([
      PolicyRuntime.create(init.config, init.codec, init.reference, rso),
      PolicyRuntime.create(init.config, init.codec, state.params, rso),
      // One thread for training (ml's default): ScatterND-add races on more.
      TrainingSession.create(step, state),
    ]);
    return new RlRun(init, refRt, policyRt, trainer);
  }

  get steps(): number {
    return this.stepCount;
  }

  get beta(): number {
    return this.kl.beta;
  }

  private updatesPerStep(): number {
    return this.init.rl.algorithm === "ppo" ? this.init.rl.ppoEpochs : 1;
  }

  /** Weights and optimizer state now (for checkpoints). */
  state(): TrainState {
    return this.trainer.state();
  }

  get policy(): PolicyRuntime {
    return this.policyRt;
  }

  get reference(): PolicyRuntime {
    return this.refRt;
  }

  private rngFor(step: number, salt: number): Prng {
    // One generator per (seed, step, purpose): a resumed run draws what the uninterrupted run would.
    return new Prng((this.init.rl.seed * 1_000_003 + step * 7919 + salt) >>> 0);
  }

  /** One RL step. */
  async step(): Promise<StepStats> {
    const t0 = performance.now();
    const rl = this.init.rl;
    const stepNo = this.stepCount + 1;
    const rng = this.rngFor(stepNo, 1);
    const prompts: string[] = [];
    for (let i = 0; i < rl.promptsPerStep; i++) {
      const p = this.init.prompts[Math.floor(rng.next() * this.init.prompts.length)]!;
      for (let j = 0; j < rl.samplesPerPrompt; j++) prompts.push(p);
    }
    const samples = await this.policyRt.sample(prompts, { rng, maxTokens: rl.maxTokens });
    const rows = samples.map((s, i) => ({ prompt: prompts[i]!, tokens: s.tokens }));
    const ref = await this.refRt.score(rows);
    const texts = samples.map((s, i) => ({ prompt: prompts[i]!, answer: s.text }));
    const rm = await this.init.reward(texts);
    const beta = this.kl.beta;
    const kls = samples.map((s, i) => klSequence(s.logp, ref.logp[i]!, rl.klEstimator));
    const total = rm.map((r, i) => r - beta * kls[i]!);
    const adv = rlooAdvantages(total, rl.samplesPerPrompt);
    const seqs: PolicySequence[] = samples.map((s, i) => ({
      promptIds: this.policyRt.promptIds(prompts[i]!),
      tokens: s.tokens,
      advantage: adv[i]!,
      oldLogp: s.logp,
      refLogp: ref.logp[i]!,
    }));
    // The KL is already in the reward, so the loss's own KL term is off (kl_coef 0).
    const feeds = policyRowFeeds(this.init.config, seqs, { pg: { klCoef: 0 } });
    // The first update's entropy metric is the sampling policy's mean per-token entropy.
    let entropy = NaN;
    for (let e = 0; e < this.updatesPerStep(); e++) {
      const r = await this.trainer.step(feeds, rl.lr);
      if (e === 0) entropy = r.metrics["entropy"] ?? NaN;
    }
    await this.policyRt.release();
    this.policyRt = await PolicyRuntime.create(this.init.config, this.init.codec, this.trainer.state().params, {
      ...(this.init.threads !== undefined ? { threads: this.init.threads } : {}),
      ...(this.init.preferCuda ? { preferCuda: true } : {}),
    });
    const klMean = mean(kls);
    this.kl.update(klMean, samples.length);
    const shape = shapeStats(texts, this.init.judge);
    const judge = this.init.judge;
    const tokens = samples.reduce((a, s) => a + s.tokens.length, 0);
    const stats: StepStats = {
      step: stepNo,
      beta,
      reward: mean(rm),
      kl: klMean,
      objective: mean(total),
      entropy,
      length: shape.length,
      refusalRate: shape.refusalRate,
      hedgeRate: shape.hedgeRate,
      disclaimerRate: shape.disclaimerRate,
      ...(judge.gold ? { gold: mean(texts.map((t) => judge.gold!(t.prompt, t.answer))) } : {}),
      seconds: (performance.now() - t0) / 1000,
      tokens,
    };
    this.history.push(stats);
    this.stepCount = stepNo;
    const budget = checkKlBudget(klMean, rl.guardrails);
    if (budget.stop) this.stopped = budget;
    else if (rl.probeEvery > 0 && stepNo % rl.probeEvery === 0) {
      const probe = await this.probe(stepNo);
      if (probe.verdict.stop) this.stopped = probe.verdict;
    }
    return stats;
  }

  /** Samples the probe prompts from the reference (once) and the policy, compares shapes and gold. */
  async probe(stepNo: number): Promise<ProbeReport> {
    const judge = this.init.judge;
    const probePrompts = this.init.probePrompts;
    const maxTokens = this.init.rl.maxTokens;
    const goldOf = (xs: SampledAnswer[]): number | undefined => (judge.gold ? mean(xs.map((s, i) => judge.gold!(probePrompts[i]!, s.text))) : undefined);
    if (!this.refProbe) {
      const refS = await this.refRt.sample(probePrompts, { rng: new Prng(this.init.rl.seed + 17), maxTokens });
      this.refProbe = shapeStats(refS.map((s, i) => ({ prompt: probePrompts[i]!, answer: s.text })), judge);
      this.refProbeGold = goldOf(refS);
    }
    const polS = await this.policyRt.sample(probePrompts, { rng: new Prng(this.init.rl.seed + 17), maxTokens });
    const shape = shapeStats(polS.map((s, i) => ({ prompt: probePrompts[i]!, answer: s.text })), judge);
    const gold = goldOf(polS);
    const gain = gold !== undefined && this.refProbeGold !== undefined ? gold - this.refProbeGold : undefined;
    const verdict = checkShape(this.refProbe, shape, gain, this.init.rl.guardrails);
    const report: ProbeReport = { step: stepNo, shape, ...(gold !== undefined ? { gold } : {}), verdict };
    this.probes.push(report);
    return report;
  }

  /** Runs until `steps` steps are done or a guardrail stops the run. */
  async run(steps: number, onStep?: (s: StepStats) => void | Promise<void>): Promise<StepStats[]> {
    while (this.steps < steps && !this.stopped) {
      const s = await this.step();
      await onStep?.(s);
    }
    return this.history;
  }

  async release(): Promise<void> {
    await Promise.all([this.policyRt.release(), this.refRt.release(), this.trainer.release()]);
  }
}

export { wordLength };
