import type { IngestEvent } from "@rlhf-loop/proto";
import { defaultWorldConfig, parseWorldConfig } from "../config/load.js";
import type { WorldConfig } from "../config/schema.js";
import { productionPolicy, type AnswerPolicy, type AnswerRequest, type PolicyAnswer, type PromptMessage } from "../bot/policy.js";
import type { AnswerTraits } from "../bot/traits.js";
import type { IntentId } from "../domain/intents.js";
import { renderPrompt, sampleSlots, SYSTEM_PROMPT } from "../domain/prompts.js";
import { type PolicyNumbers, type Slots } from "../domain/slots.js";
import { explainGold, gold as goldText, type GoldExplanation, type PromptInput } from "../gold/gold.js";
import { inferTraits } from "../gold/infer.js";
import { goldOfTraits } from "../gold/utility.js";
import { MAX_OUTCOME_DELAY_MS, drawOutcomes } from "../outcomes/outcomes.js";
import { buildExperts, judgePair, rubricApplied, rubricInForce, type Expert, type RubricVersion } from "../people/experts.js";
import { drawComparison, drawThumb, regenerateProbability } from "../people/raters.js";
import { drawReasonCodes } from "../people/reasons.js";
import { buildPopulation, pickUser, type Population, type SimUser } from "../people/users.js";
import { hashHex } from "../random/hash.js";
import { Rng } from "../random/rng.js";
import { bayesOptimalAccuracy, type BayesResult, type PairSpec, type RaterKind } from "../stats/bayes.js";
import { intentMix, segmentIntentMix, segmentShares } from "./mix.js";
import { comparisonEvent, interactionEvent, outcomeEvent, thumbEvent } from "./messages.js";
import { worldTruth, type WorldTruth } from "./truth.js";

export const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Longest gap between an interaction and any event it causes (regenerate, then outcomes). */
const MAX_CONSEQUENCE_MS = MAX_OUTCOME_DELAY_MS + 10 * 60_000;
/** Events caused by day k's interactions land on days k .. k + SPILL_DAYS. */
export const SPILL_DAYS = Math.ceil(MAX_CONSEQUENCE_MS / DAY_MS) + 1;

/** What the world knows about an interaction and never sends: evaluators and tests read it. */
export interface InteractionTruth {
  intent: IntentId;
  slots: Slots;
  traits: AnswerTraits;
  gold: number;
  userId: string;
  segment: string;
  purpose: "chat" | "regenerate" | "expert_review";
  /** Name of the AnswerPolicy that wrote the answer. */
  policy: string;
}

/** Hidden facts about a feedback event (who clicked carelessly, which rubric was really applied). */
export interface FeedbackTruth {
  careless?: boolean;
  rubricApplied?: RubricVersion;
  /** On a thumbs-down: the order or refund tool failed behind the answer (set only when it did). */
  toolFailure?: boolean;
}

export interface SimEvent {
  /** Milliseconds since the Unix epoch. */
  at: number;
  /** Day index (0-based) that `at` falls on. */
  day: number;
  idempotencyKey: string;
  /** The proto message, exactly as sent to ingestion. */
  event: IngestEvent;
  interaction?: InteractionTruth;
  feedback?: FeedbackTruth;
}

export interface World {
  readonly config: WorldConfig;
  readonly seed: string;
  /** Prefix of every id this world produces: differs by seed and by config. */
  readonly id: string;
  readonly startMs: number;
  /** Events that occur on day `d`, ordered by time. Iterate days in order when a learned policy answers. */
  day(d: number): Promise<SimEvent[]>;
  /** Days fromDay .. fromDay+days-1 in order; with `tail`, also the later consequences of those days. */
  events(opts: { days: number; fromDay?: number; tail?: boolean }): AsyncGenerator<SimEvent>;
  /** The consequences of days fromDay .. fromDay+days-1 that land after them, ordered by time. */
  tail(opts: { days: number; fromDay?: number }): Promise<SimEvent[]>;
  /** Gold utility of any answer to any prompt, from text, under this world's policy numbers. */
  gold(prompt: PromptInput, answer: string): number;
  explainGold(prompt: PromptInput, answer: string): GoldExplanation;
  /** Best accuracy any model can reach predicting these raters' labels on these pairs. */
  bayesOptimalAccuracy(pairs: readonly PairSpec[], rater: RaterKind, opts?: { day?: number }): BayesResult;
  /** The hidden parameters: segments, users, raters, experts, rubric. */
  truth(): WorldTruth;
  /** Expected intent mix and segment shares of a day. */
  intentMix(day: number): Record<IntentId, number>;
  segmentShares(day: number): Record<string, number>;
  /**
   * Promotes `policy`: it answers `share` of the chats of every day not generated yet (or from
   * `fromDay`, if later); the rest stays with production. Days already generated keep their answers.
   */
  usePolicy(policy: AnswerPolicy, opts?: { share?: number; fromDay?: number }): void;
}

export interface CreateWorldOptions {
  /** The default answer policy (defaults to the production style mix). */
  policy?: AnswerPolicy;
}

/**
 * Builds a world from a config (parsed, or raw JSON-like input: it is validated either way, and
 * a parsed config reads back unchanged) and a seed.
 */
export function createWorld(config: WorldConfig | unknown, seed: number | string, opts: CreateWorldOptions = {}): World {
  return new SimWorld(parseWorldConfig(config), String(seed), opts);
}

const DEFAULT_REASONS = JSON.stringify(defaultWorldConfig().reasons);

/**
 * The config as the world id hashes it. `reasons` came later: left out while at its defaults, so
 * worlds keep the ids (and the answers, seeded by id) they had before it existed.
 */
function idConfig(config: WorldConfig): unknown {
  const { reasons, ...rest } = config;
  return JSON.stringify(reasons) === DEFAULT_REASONS ? rest : config;
}

interface Routed {
  policy: AnswerPolicy;
  share: number;
  /** First day whose chats it answers. */
  fromDay: number;
}

interface Generated {
  events: SimEvent[];
}

interface Chat {
  index: number;
  id: string;
  at: number;
  user: SimUser;
  segmentIndex: number;
  intent: IntentId;
  slots: Slots;
  prompt: PromptMessage[];
  policy: AnswerPolicy;
  rng: Rng;
}

interface Answered {
  text: string;
  modelVersion: string;
  traits: AnswerTraits;
  gold: number;
}

class SimWorld implements World {
  readonly id: string;
  readonly startMs: number;
  private readonly root: Rng;
  private readonly population: Population;
  private readonly experts: Expert[];
  private readonly numbers: PolicyNumbers;
  private readonly production: AnswerPolicy;
  private routes: Routed[] = [];
  private readonly cache = new Map<number, Promise<Generated>>();
  /** Highest day generated so far (-1: none). */
  private generatedThrough = -1;

  constructor(
    readonly config: WorldConfig,
    readonly seed: string,
    opts: CreateWorldOptions,
  ) {
    this.startMs = Date.parse(config.start.length === 10 ? `${config.start}T00:00:00Z` : config.start);
    const seedTag = /^[A-Za-z0-9]{1,24}$/.test(seed) ? seed : hashHex(seed);
    this.id = `s${seedTag}-${hashHex(JSON.stringify(idConfig(config))).slice(0, 6)}`;
    this.root = new Rng(`rlhf-sim:${seed}`);
    this.population = buildPopulation(config, this.root.fork("population"));
    this.experts = buildExperts(config, this.root.fork("experts"));
    this.numbers = config.policy;
    this.production = opts.policy ?? productionPolicy(config);
  }

  usePolicy(policy: AnswerPolicy, opts: { share?: number; fromDay?: number } = {}): void {
    const share = opts.share ?? 1;
    if (!(share >= 0 && share <= 1)) throw new RangeError(`usePolicy: share must be within [0, 1], got ${share}`);
    // Days already generated keep their answers (their late events are still to come).
    const fromDay = Math.max(opts.fromDay ?? 0, this.generatedThrough + 1);
    this.routes.push({ policy, share, fromDay });
    for (const k of [...this.cache.keys()]) if (k >= fromDay) this.cache.delete(k);
  }

  gold(prompt: PromptInput, answer: string): number {
    return goldText(prompt, answer, this.numbers);
  }

  explainGold(prompt: PromptInput, answer: string): GoldExplanation {
    return explainGold(prompt, answer, this.numbers);
  }

  intentMix(day: number): Record<IntentId, number> {
    return intentMix(this.config, day);
  }

  segmentShares(day: number): Record<string, number> {
    const shares = segmentShares(this.config, day);
    return Object.fromEntries(this.config.segments.map((s, i) => [s.name, shares[i] as number]));
  }

  truth(): WorldTruth {
    return worldTruth(this.config, this.seed, this.id, this.population, this.experts);
  }

  bayesOptimalAccuracy(pairs: readonly PairSpec[], rater: RaterKind, opts: { day?: number } = {}): BayesResult {
    return bayesOptimalAccuracy(this.config, this.population, this.experts, pairs, rater, opts.day ?? 0);
  }

  async day(d: number): Promise<SimEvent[]> {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`day must be a non-negative integer, got ${d}`);
    const parts: { k: number; events: SimEvent[] }[] = [];
    for (let k = Math.max(0, d - SPILL_DAYS); k <= d; k++) {
      const gen = await this.generated(k);
      parts.push({ k, events: gen.events.filter((e) => e.day === d) });
    }
    for (const key of [...this.cache.keys()]) if (key < d - SPILL_DAYS) this.cache.delete(key);
    // Each part is already in (at, seq) order; a stable sort by time keeps earlier days first on ties.
    return parts.flatMap((p) => p.events).sort((a, b) => a.at - b.at);
  }

  async *events(opts: { days: number; fromDay?: number; tail?: boolean }): AsyncGenerator<SimEvent> {
    const from = opts.fromDay ?? 0;
    for (let d = from; d < from + opts.days; d++) yield* await this.day(d);
    if (opts.tail) yield* await this.tail({ days: opts.days, fromDay: from });
  }

  async tail(opts: { days: number; fromDay?: number }): Promise<SimEvent[]> {
    const from = opts.fromDay ?? 0;
    const last = from + opts.days - 1;
    const out: SimEvent[] = [];
    for (let d = last + 1; d <= last + SPILL_DAYS; d++) {
      const parts: SimEvent[][] = [];
      for (let k = Math.max(from, d - SPILL_DAYS); k <= last; k++) {
        parts.push((await this.generated(k)).events.filter((e) => e.day === d));
      }
      out.push(...parts.flat().sort((a, b) => a.at - b.at));
    }
    return out;
  }

  private generated(k: number): Promise<Generated> {
    let p = this.cache.get(k);
    if (!p) {
      p = this.generate(k);
      this.cache.set(k, p);
      this.generatedThrough = Math.max(this.generatedThrough, k);
    }
    return p;
  }

  private dayOf(at: number): number {
    return Math.floor((at - this.startMs) / DAY_MS);
  }

  /** The latest policy promoted for day k answers its share of chats; production the rest. */
  private routeFor(k: number, rng: Rng): AnswerPolicy {
    let route: Routed | undefined;
    for (const r of this.routes) if (r.fromDay <= k) route = r;
    return route !== undefined && rng.chance(route.share) ? route.policy : this.production;
  }

  /** Everything caused by day k's chats, in (time, creation) order. */
  private async generate(k: number): Promise<Generated> {
    const cfg = this.config;
    const tenantId = cfg.tenantId;
    const rng = this.root.fork(`day:${k}`);
    const dayStart = this.startMs + k * DAY_MS;
    const jitter = cfg.traffic.dailyJitter;
    const count = Math.max(1, Math.round(cfg.traffic.interactionsPerDay * (1 + jitter * (2 * rng.float() - 1))));
    const shares = segmentShares(cfg, k);
    const mixes = cfg.segments.map((_, si) => segmentIntentMix(cfg, si, k));
    const hours = Array.from({ length: 24 }, (_, h) => (cfg.traffic.diurnal ? 0.35 + Math.exp(-(((h - 14) / 5) ** 2)) : 1));

    const chats: Chat[] = [];
    for (let i = 0; i < count; i++) {
      const r = rng.fork(`chat:${i}`);
      const at = dayStart + r.weightedIndex(hours) * HOUR_MS + r.int(HOUR_MS);
      const segmentIndex = r.weightedIndex(shares);
      const user = pickUser(this.population, segmentIndex, r);
      const intent = r.weightedKey(mixes[segmentIndex] as Record<IntentId, number>);
      const slots = sampleSlots(intent, r, this.numbers);
      const seg = cfg.segments[segmentIndex]!;
      const text = renderPrompt(intent, slots, seg.voice, r, this.numbers);
      chats.push({
        index: i,
        id: `${this.id}-d${k}-${i}`,
        at,
        user,
        segmentIndex,
        intent,
        slots,
        prompt: [
          { role: "system", content: SYSTEM_PROMPT },
          { role: "user", content: text },
        ],
        policy: this.routeFor(k, r.fork("route")),
        rng: r,
      });
    }

    const first = await this.answerAll(chats.map((c) => ({ chat: c, id: c.id })));

    const events: SimEvent[] = [];
    const push = (e: Omit<SimEvent, "day">): void => {
      events.push({ ...e, day: this.dayOf(e.at) });
    };
    const logInteraction = (chat: Chat, id: string, at: number, ans: Answered, purpose: InteractionTruth["purpose"], from?: string): void => {
      // The product routes every chat to an intent before answering, and tags it.
      const metadata: Record<string, string> = { user_id: chat.user.id, intent: chat.intent };
      if (purpose !== "chat") metadata["purpose"] = purpose;
      push({
        at,
        idempotencyKey: id,
        event: interactionEvent({
          interactionId: id,
          tenantId,
          conversationId: `${this.id}-c${k}-${chat.index}`,
          prompt: chat.prompt,
          answer: ans.text,
          modelVersion: ans.modelVersion,
          segment: chat.user.segment,
          at,
          metadata,
          ...(from !== undefined ? { regeneratedFrom: from } : {}),
        }),
        interaction: {
          intent: chat.intent,
          slots: chat.slots,
          traits: ans.traits,
          gold: ans.gold,
          userId: chat.user.id,
          segment: chat.user.segment,
          purpose,
          policy: chat.policy.name,
        },
      });
    };

    // First answers, thumbs, and who presses "regenerate".
    const regen: { chat: Chat; at: number }[] = [];
    chats.forEach((chat, i) => {
      const ans = first[i] as Answered;
      logInteraction(chat, chat.id, chat.at, ans, "chat");
      const react = chat.rng.fork("react");
      const seg = cfg.segments[chat.segmentIndex]!;
      if (react.chance(chat.user.voteProb)) {
        const vote = drawThumb(cfg, seg, chat.user, ans, react);
        // A stream of its own, so that adding reason codes moved no earlier draw.
        const reasons = vote.up || vote.careless ? undefined : drawReasonCodes(cfg, seg, chat.user, chat.intent, ans.traits, chat.rng.fork("reasons"));
        const delay = vote.careless
          ? Math.round(react.float() * 2 * cfg.users.carelessDelaySeconds * 1000) + 300
          : Math.min(24 * HOUR_MS, Math.max(5_000, Math.round(react.logNormal(cfg.users.thumbDelay.medianHours, cfg.users.thumbDelay.sigma) * HOUR_MS)));
        push({
          at: chat.at + delay,
          idempotencyKey: `${chat.id}:thumb`,
          event: thumbEvent({
            interactionId: chat.id,
            tenantId,
            raterId: chat.user.id,
            idempotencyKey: `${chat.id}:thumb`,
            at: chat.at + delay,
            up: vote.up,
            reasonCodes: reasons?.codes ?? [],
          }),
          feedback: { careless: vote.careless, ...(reasons?.toolFailure ? { toolFailure: true } : {}) },
        });
      }
      if (react.chance(regenerateProbability(cfg, ans.gold))) regen.push({ chat, at: chat.at + react.between(20_000, 90_000) });
    });

    // Expert review pairs: a second answer to a sample of the day's chats.
    const reviewRng = rng.fork("review");
    const reviewed = this.experts.length === 0 ? [] : reviewRng.shuffle(chats).slice(0, cfg.experts.pairsPerDay);
    reviewed.sort((a, b) => a.index - b.index);

    const second = await this.answerAll([
      ...regen.map((g) => ({ chat: g.chat, id: `${g.chat.id}-r` })),
      ...reviewed.map((c) => ({ chat: c, id: `${c.id}-x` })),
    ]);

    const finals = new Map<Chat, { id: string; at: number; ans: Answered }>();
    regen.forEach((g, j) => {
      const chat = g.chat;
      const a = first[chat.index] as Answered;
      const b = second[j] as Answered;
      const id = `${chat.id}-r`;
      logInteraction(chat, id, g.at, b, "regenerate", chat.id);
      const pr = chat.rng.fork("pick");
      const seg = cfg.segments[chat.segmentIndex]!;
      const pick = drawComparison(cfg, seg, chat.user, b, a, pr);
      const at = g.at + pr.between(5_000, 60_000);
      push({
        at,
        idempotencyKey: `${id}:pick`,
        event: comparisonEvent({
          interactionId: id,
          tenantId,
          raterId: chat.user.id,
          idempotencyKey: `${id}:pick`,
          at,
          source: "end_user",
          otherInteractionId: chat.id,
          choice: pick.pickA ? "this" : "other",
        }),
        feedback: { careless: pick.careless },
      });
      if (pick.pickA) finals.set(chat, { id, at: g.at, ans: b });
    });

    reviewed.forEach((chat, j) => {
      const cand = second[regen.length + j] as Answered;
      const orig = first[chat.index] as Answered;
      const id = `${chat.id}-x`;
      const er = chat.rng.fork("expert");
      logInteraction(chat, id, chat.at + er.between(30_000, 600_000), cand, "expert_review", chat.id);
      const expert = this.experts[er.int(this.experts.length)] as Expert;
      const d = cfg.experts.delay;
      const at = chat.at + Math.min(MAX_OUTCOME_DELAY_MS, Math.max(HOUR_MS, Math.round(er.logNormal(d.medianHours, d.sigma) * HOUR_MS)));
      const judgeDay = this.dayOf(at);
      const applied = rubricApplied(cfg, expert, judgeDay);
      const j2 = judgePair(cfg, applied, { intent: chat.intent, traits: cand.traits }, { intent: chat.intent, traits: orig.traits }, er);
      const choice = (c: "a" | "b" | "tie") => (c === "a" ? "this" : c === "b" ? "other" : "tie") as "this" | "other" | "tie";
      push({
        at,
        idempotencyKey: `${id}:expert:${expert.id}`,
        event: comparisonEvent({
          interactionId: id,
          tenantId,
          raterId: expert.id,
          idempotencyKey: `${id}:expert:${expert.id}`,
          at,
          source: "expert",
          rubricVersion: rubricInForce(cfg, judgeDay),
          otherInteractionId: chat.id,
          choice: choice(j2.choice),
          criteria: j2.criteria.map((c) => ({ criterion: c.criterion, choice: choice(c.choice) })),
        }),
        feedback: { rubricApplied: applied },
      });
    });

    // Back-office outcomes follow the answer the customer ended up with.
    for (const chat of chats) {
      const fin = finals.get(chat) ?? { id: chat.id, at: chat.at, ans: first[chat.index] as Answered };
      const outs = drawOutcomes(cfg, chat.intent, chat.slots, fin.ans.traits, fin.ans.gold, chat.rng.fork("outcomes"));
      for (const o of outs) {
        const key = `${fin.id}:outcome:${o.kind}`;
        push({
          at: fin.at + o.delayMs,
          idempotencyKey: key,
          event: outcomeEvent({ interactionId: fin.id, tenantId, idempotencyKey: key, at: fin.at + o.delayMs, kind: o.kind, amountMinor: o.amountMinor, detail: o.detail }),
        });
      }
    }

    // Stable sort: ties in time keep creation order.
    events.sort((a, b) => a.at - b.at);
    return { events };
  }

  /** Asks each chat's policy for answers, batched per policy, and scores them. */
  private async answerAll(items: { chat: Chat; id: string }[]): Promise<Answered[]> {
    const out: Answered[] = new Array(items.length);
    const groups = new Map<AnswerPolicy, number[]>();
    items.forEach((it, i) => {
      const list = groups.get(it.chat.policy) ?? [];
      list.push(i);
      groups.set(it.chat.policy, list);
    });
    for (const [policy, idx] of groups) {
      const requests: AnswerRequest[] = idx.map((i) => {
        const { chat, id } = items[i]!;
        return {
          interactionId: id,
          prompt: chat.prompt,
          segment: chat.user.segment,
          seed: `${this.seed}/${id}`,
          backOffice: { intent: chat.intent, slots: chat.slots },
        };
      });
      const answers: readonly PolicyAnswer[] = await policy.answer(requests);
      if (answers.length !== requests.length) {
        throw new Error(`policy ${policy.name} returned ${answers.length} answers for ${requests.length} requests`);
      }
      idx.forEach((i, j) => {
        const a = answers[j] as PolicyAnswer;
        const chat = items[i]!.chat;
        const traits = a.traits ?? inferTraits(chat.intent, chat.slots, a.text, this.numbers);
        out[i] = { text: a.text, modelVersion: a.modelVersion, traits, gold: goldOfTraits(chat.intent, traits) };
      });
    }
    return out;
  }
}
