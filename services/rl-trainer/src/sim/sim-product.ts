// The simulated product as the RL trainer's test bed: logged answers, a judge with gold utility,
// and preference pairs from two kinds of raters (gold-driven, or length-biased only).
import { buildRewardTrainStep, DEFAULT_ADAMW, DEFAULT_REWARD_CONFIG, freshOptimizerState, initParams, pairFeeds, Prng, rewardParamDefs, RewardScorer, TrainingSession, type PairExample } from "@rlhf-loop/ml";
import { customerText, productionPolicy, type World } from "@rlhf-loop/sim";
import type { AnswerJudge } from "../domain/shape.js";
import type { LoggedAnswer } from "../train/reference.js";
import type { RewardFn } from "../train/rl.js";

export interface SimChat extends LoggedAnswer {
  /** What the back office knows: lets the production bot write alternative answers for pairs. */
  readonly request: Parameters<ReturnType<typeof productionPolicy>["answer"]>[0][number];
}

/** Logged chats (prompt = the customer's message, answer = the production bot's) of days 0.. until n. */
export async function simChats(world: World, n: number): Promise<SimChat[]> {
  const out: SimChat[] = [];
  for (let d = 0; out.length < n && d < 365; d++) {
    for (const e of await world.day(d)) {
      if (e.event.event.case !== "interaction" || e.interaction?.purpose !== "chat") continue;
      const i = e.event.event.value;
      const prompt = i.prompt.map((m) => ({ role: m.role === 1 ? "system" : m.role === 3 ? "assistant" : "user", content: m.content }) as const);
      out.push({
        prompt: customerText(i.prompt.map((m) => ({ role: m.role, content: m.content }))),
        answer: i.answer,
        request: { interactionId: i.interactionId, prompt, segment: e.interaction.segment, seed: `${i.interactionId}`, backOffice: { intent: e.interaction.intent, slots: e.interaction.slots } },
      });
      if (out.length >= n) break;
    }
  }
  return out;
}

export function simJudge(world: World): AnswerJudge {
  return {
    traits(prompt, answer) {
      const t = world.explainGold(prompt, answer).traits;
      return { refusal: t.refusal, hedged: t.hedged, disclaimer: t.disclaimer };
    },
    gold: (prompt, answer) => world.gold(prompt, answer),
  };
}

export type SimRater = "gold" | "length-biased";

/** Preference pairs: two production-bot answers to each chat, labelled by simulated raters.
 * "gold": P(a > b) = σ(scale·(gold_a - gold_b)). "length-biased": P(a > b) = σ(scale·(len_b - len_a)/20),
 * raters who only like shorter answers and never look at quality. */
export function simPairs(world: World, chats: readonly SimChat[], rater: SimRater, opts: { seed: number; scale?: number }): PairExample[] {
  const bot = productionPolicy(world.config);
  const rng = new Prng(opts.seed);
  const scale = opts.scale ?? 2;
  const reqs = chats.flatMap((c) => [0, 1].map((j) => ({ ...c.request, seed: `${c.request.seed}/alt${opts.seed}/${j}` })));
  const answers = bot.answer(reqs) as readonly { text: string }[];
  const out: PairExample[] = [];
  chats.forEach((c, i) => {
    const a = answers[2 * i]!.text;
    const b = answers[2 * i + 1]!.text;
    if (a === b) return;
    const logit = rater === "gold" ? scale * (world.gold(c.prompt, a) - world.gold(c.prompt, b)) : (scale * (words(b) - words(a))) / 20;
    const aWins = rng.next() < 1 / (1 + Math.exp(-logit));
    out.push({ prompt: c.prompt, chosen: aWins ? a : b, rejected: aWins ? b : a });
  });
  return out;
}

function words(s: string): number {
  return s.match(/\S+/g)?.length ?? 0;
}

/** A compact Bradley–Terry reward model trained directly with ml's reward step (tests and the sweep). */
export async function fitSimRewardModel(pairs: readonly PairExample[], opts: { seed: number; epochs?: number; batch?: number; lr?: number; threads?: number }): Promise<{ scorer: RewardScorer; reward: RewardFn; heldOutAccuracy: number }> {
  const cfg = DEFAULT_REWARD_CONFIG;
  const nHeld = Math.floor(pairs.length * 0.1);
  const held = pairs.slice(0, nHeld);
  const train = pairs.slice(nHeld);
  const params = initParams(rewardParamDefs(cfg), opts.seed);
  const step = buildRewardTrainStep(cfg, { pairs: true, singles: false }, { ...DEFAULT_ADAMW, weightDecay: 0.01 });
  const so = opts.threads !== undefined ? { threads: opts.threads } : {};
  const trainer = await TrainingSession.create(step, { params, ...freshOptimizerState(params) });
  const batch = opts.batch ?? 64;
  const perEpoch = Math.ceil(train.length / batch);
  await trainer.run({ steps: perEpoch * (opts.epochs ?? 4), lr: opts.lr ?? 0.01, batch: (i) => pairFeeds(cfg, train.slice((i % perEpoch) * batch, ((i % perEpoch) + 1) * batch)) });
  const scorer = await RewardScorer.fromParams(cfg, trainer.state().params, so);
  await trainer.release();
  let right = 0;
  if (held.length > 0) {
    const s = await scorer.score(held.flatMap((p) => [{ prompt: p.prompt, answer: p.chosen }, { prompt: p.prompt, answer: p.rejected }]));
    for (let i = 0; i < held.length; i++) if (s[2 * i]! > s[2 * i + 1]!) right++;
  }
  return { scorer, reward: (rows) => scorer.score(rows), heldOutAccuracy: held.length ? right / held.length : NaN };
}
