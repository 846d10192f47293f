import { INTENT_IDS, type IntentId } from "../domain/intents.js";
import { VOICE_IDS } from "../domain/prompts.js";
import { LENGTHS, TONES } from "../bot/traits.js";
import { FAULT_REASON_CODES, type FaultReasonCode } from "../domain/reason-codes.js";
import { bool, list, num, obj, oneOf, partialWeights, str, weights, type Field } from "./fields.js";

const baseIntentMix: Record<IntentId, number> = {
  refund_in_window: 0.13,
  refund_out_of_window: 0.09,
  password_reset: 0.14,
  shipping_delay: 0.15,
  billing_dispute: 0.1,
  cancellation: 0.09,
  product_question: 0.16,
  ambiguous: 0.14,
  feature_change: 0,
};

const delay = (median: number, sigma: number) =>
  obj({
    medianHours: num({ default: median, min: 0.01, max: 72 }),
    sigma: num({ default: sigma, min: 0, max: 3 }),
  });

const segment = obj({
  name: str({ default: "segment", pattern: /^[a-z][a-z0-9_-]{0,39}$/, describe: "a lowercase name ([a-z][a-z0-9_-]*, at most 40 chars)" }),
  /** Share of traffic before the drift day (shares are normalised across segments). */
  share: num({ default: 1, min: 0 }),
  /** Share of traffic from the drift day on. */
  shareAfterDrift: num({ default: 1, min: 0 }),
  users: num({ default: 1000, min: 1, max: 1_000_000, integer: true }),
  /** How the segment's customers introduce themselves in prompts. */
  voice: oneOf(VOICE_IDS, "consumer"),
  /** Added to every thumb's logit: some segments are simply harder to please. */
  thumbBias: num({ default: 0, min: -5, max: 5 }),
  /** Subtracted from the thumb logit per length step (medium 1, long 2), whatever the quality. */
  lengthPenalty: num({ default: 0, min: 0, max: 5 }),
  /** Multiplies the base intent mix for this segment's customers. */
  intentFactors: partialWeights(INTENT_IDS, { min: 0, max: 100 }),
});

export const worldSchema = obj({
  name: str({ default: "default" }),
  /** Midnight UTC of day 0. */
  start: str({
    default: "2025-03-03T00:00:00Z",
    pattern: /^\d{4}-\d{2}-\d{2}(T00:00(:00(\.0+)?)?Z)?$/,
    describe: 'a UTC midnight date such as "2025-03-03" or "2025-03-03T00:00:00Z"',
  }),
  /** Written into events only when set; ingestion takes the tenant from the API key. */
  tenantId: str({ default: "", pattern: /^[A-Za-z0-9_-]{0,64}$/, describe: "empty or [A-Za-z0-9_-]{1,64}" }),
  traffic: obj({
    interactionsPerDay: num({ default: 2000, min: 1, max: 5_000_000, integer: true }),
    /** Day-to-day volume varies uniformly by +/- this fraction. */
    dailyJitter: num({ default: 0.1, min: 0, max: 0.9 }),
    /** Busier afternoons than nights. */
    diurnal: bool(true),
  }),
  policy: obj({
    refundWindowDays: num({ default: 30, min: 1, max: 365, integer: true }),
    lostParcelAfterDays: num({ default: 7, min: 1, max: 60, integer: true }),
  }),
  /** Base intent mix (relative weights); segments multiply it. */
  intents: weights(INTENT_IDS, baseIntentMix),
  segments: list(segment, () => defaultSegments(), { minItems: 1 }),
  drift: obj({
    enabled: bool(true),
    /** First day (0-based) of the new segment shares and of the new intent. */
    day: num({ default: 7, min: 0, max: 3650, integer: true }),
    /** An intent absent before the drift day. */
    newIntent: oneOf(INTENT_IDS, "feature_change"),
    /** Its share of all traffic from the drift day on. */
    newIntentShare: num({ default: 0.12, min: 0, max: 0.9 }),
  }),
  bot: obj({
    modelVersion: str({ default: "support-bot-2025.03", pattern: /^[A-Za-z0-9._:-]{1,100}$/, describe: "a version tag ([A-Za-z0-9._:-], 1..100 chars)" }),
    style: obj({
      policyFollowed: num({ default: 0.7, min: 0, max: 1 }),
      /** Per-intent overrides of policyFollowed (the bot is worse at saying no). */
      policyFollowedByIntent: partialWeights(INTENT_IDS, { min: 0, max: 1, default: { refund_out_of_window: 0.5, billing_dispute: 0.6 } }),
      citesPolicy: num({ default: 0.35, min: 0, max: 1 }),
      clarifyOnAmbiguous: num({ default: 0.4, min: 0, max: 1 }),
      clarifyOnClear: num({ default: 0.06, min: 0, max: 1 }),
      refusal: num({ default: 0.05, min: 0, max: 1 }),
      steps: num({ default: 0.5, min: 0, max: 1 }),
      hedged: num({ default: 0.3, min: 0, max: 1 }),
      disclaimer: num({ default: 0.25, min: 0, max: 1 }),
      tone: weights(TONES, { warm: 0.4, neutral: 0.45, curt: 0.15 }),
      length: weights(LENGTHS, { short: 0.35, medium: 0.4, long: 0.25 }),
    }),
  }),
  users: obj({
    /** Tail index of the Pareto activity level: how often a user chats. Lower = heavier tail. */
    activityAlpha: num({ default: 1.1, min: 0.5, max: 10 }),
    /** Probability that a median-activity user thumbs an answer. */
    voteRate: num({ default: 0.12, min: 0, max: 1 }),
    /** Vote probability grows as activity^exponent (heavy users vote more often). */
    voteActivityExponent: num({ default: 0.6, min: 0, max: 3 }),
    maxVoteRate: num({ default: 0.95, min: 0, max: 1 }),
    /** a in P(up) = sigmoid(a * gold + biases + noise). */
    thumbScale: num({ default: 1.0, min: 0, max: 20 }),
    /** Intercept of the thumb logit. */
    thumbIntercept: num({ default: 0.3, min: -10, max: 10 }),
    /** Standard deviation of the per-vote Gaussian noise on the logit. */
    noiseSd: num({ default: 0.5, min: 0, max: 10 }),
    /** Standard deviation of each user's own bias on the logit. */
    userBiasSd: num({ default: 0.4, min: 0, max: 10 }),
    /** Share of users who punish hedged answers. */
    uncertaintyPunisherShare: num({ default: 0.25, min: 0, max: 1 }),
    uncertaintyPenalty: num({ default: 1.5, min: 0, max: 10 }),
    /** Mean probability that a vote is a quick careless click (random, mostly up). */
    carelessRate: num({ default: 0.1, min: 0, max: 1 }),
    /** Careless clicks go up with this probability. */
    carelessUpShare: num({ default: 0.6, min: 0, max: 1 }),
    /** The top 5% most active users are this many times more careless (capped at 0.9). */
    heavyUserCarelessBoost: num({ default: 2, min: 0, max: 20 }),
    /** P(regenerate) = sigmoid(regenerateIntercept - regenerateGoldSlope * gold). */
    regenerateIntercept: num({ default: -2.5, min: -20, max: 20 }),
    regenerateGoldSlope: num({ default: 0.5, min: 0, max: 10 }),
    /** Per-choice Gaussian noise on the logit of a regenerate-and-pick comparison. */
    comparisonNoiseSd: num({ default: 0.5, min: 0, max: 10 }),
    thumbDelay: delay(0.05, 1.2),
    carelessDelaySeconds: num({ default: 2, min: 0.1, max: 60 }),
  }),
  outcomes: obj({
    /** P = sigmoid(intercept - goldSlope * gold + intentBias[intent]). */
    escalation: obj({
      intercept: num({ default: -2.2, min: -20, max: 20 }),
      goldSlope: num({ default: 0.7, min: 0, max: 10 }),
      intentBias: partialWeights(INTENT_IDS, {
        min: -10,
        max: 10,
        default: { billing_dispute: 0.8, refund_out_of_window: 0.5, shipping_delay: 0.3, product_question: -0.5 },
      }),
      delay: delay(3, 0.7),
    }),
    reopen: obj({
      intercept: num({ default: -2.0, min: -20, max: 20 }),
      goldSlope: num({ default: 0.5, min: 0, max: 10 }),
      intentBias: partialWeights(INTENT_IDS, { min: -10, max: 10, default: { shipping_delay: 0.4, password_reset: 0.3 } }),
      delay: delay(30, 0.5),
    }),
    refund: obj({
      /** P(refund) when the answer granted a refund (or replacement). */
      whenGranted: num({ default: 0.9, min: 0, max: 1 }),
      /** P(refund) after an escalation on a refund request. */
      afterEscalation: num({ default: 0.4, min: 0, max: 1 }),
      delay: delay(26, 0.4),
    }),
    complianceFlag: obj({
      /** P(flag) when the policy was broken on a compliance-sensitive intent. */
      whenBroken: num({ default: 0.35, min: 0, max: 1 }),
      /** P(flag) otherwise. */
      base: num({ default: 0.002, min: 0, max: 1 }),
      delay: delay(8, 0.6),
    }),
  }),
  experts: obj({
    count: num({ default: 6, min: 0, max: 1000, integer: true }),
    pairsPerDay: num({ default: 40, min: 0, max: 1_000_000, integer: true }),
    /** P(prefers A) = sigmoid(scale * (rubric(A) - rubric(B)) + noise); equal scores are a tie. */
    scale: num({ default: 3, min: 0, max: 50 }),
    noiseSd: num({ default: 0.2, min: 0, max: 10 }),
    /** Day the rubric moves from rubric-v1 to rubric-v2. */
    rubricChangeDay: num({ default: 5, min: 0, max: 3650, integer: true }),
    /** How many experts keep applying the old rubric after the change. */
    laggingExperts: num({ default: 2, min: 0, max: 1000, integer: true }),
    /** For how many days they lag. */
    lagDays: num({ default: 4, min: 0, max: 3650, integer: true }),
    delay: delay(20, 0.5),
  }),
  /**
   * Reason codes on end users' thumbs-down (Feedback.reason_codes). Last in the schema: the world
   * id hashes the config without this section while it is at its defaults (see world.ts).
   */
  reasons: obj({
    /** P(a considered thumbs-down carries reason codes); quick careless clicks never do. */
    codeRate: num({ default: 0.55, min: 0, max: 1 }),
    /** P(the user names a second code). */
    secondCodeRate: num({ default: 0.3, min: 0, max: 1 }),
    /** P(a named code is picked at random from the whole form, whatever the answer). */
    noise: num({ default: 0.1, min: 0, max: 1 }),
    /** How readily users name each fault: multiplies how much the fault lowered their thumb. */
    weights: weights(FAULT_REASON_CODES, defaultReasonWeights(), { max: 100 }),
    /** Per intent: P(the order or refund tool failed behind a thumbs-down answer); the user names tool_failure first. */
    toolFailureRate: partialWeights(INTENT_IDS, {
      min: 0,
      max: 1,
      default: { refund_in_window: 0.06, refund_out_of_window: 0.06, shipping_delay: 0.08, cancellation: 0.05 },
    }),
  }),
});

function defaultReasonWeights(): Record<FaultReasonCode, number> {
  return Object.fromEntries(FAULT_REASON_CODES.map((c) => [c, 1])) as Record<FaultReasonCode, number>;
}

type ValueOf<F> = F extends Field<infer T> ? T : never;
export type WorldConfig = ValueOf<typeof worldSchema>;
export type SegmentConfig = ValueOf<typeof segment>;

function defaultSegments(): SegmentConfig[] {
  const make = (init: Partial<SegmentConfig>): SegmentConfig => ({ ...segment.defaultValue(), ...init });
  return [
    make({
      name: "enterprise",
      share: 0.2,
      shareAfterDrift: 0.3,
      users: 250,
      voice: "enterprise",
      thumbBias: -0.3,
      lengthPenalty: 0,
      intentFactors: { billing_dispute: 2, password_reset: 1.5, product_question: 1.3, refund_in_window: 0.4, refund_out_of_window: 0.4, shipping_delay: 0.5 },
    }),
    make({
      name: "smb",
      share: 0.3,
      shareAfterDrift: 0.35,
      users: 750,
      voice: "smb",
      thumbBias: 0,
      lengthPenalty: 0.2,
      intentFactors: { cancellation: 1.6, billing_dispute: 1.3 },
    }),
    make({
      name: "consumer",
      share: 0.5,
      shareAfterDrift: 0.35,
      users: 4000,
      voice: "consumer",
      thumbBias: 0.2,
      lengthPenalty: 0.9,
      intentFactors: { refund_in_window: 1.4, refund_out_of_window: 1.4, shipping_delay: 1.5, billing_dispute: 0.6 },
    }),
  ];
}
