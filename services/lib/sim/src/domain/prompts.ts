import type { Rng } from "../random/rng.js";
import { CARRIERS, CHANNELS, COMPANY, FEATURES, MONTHS, PLANS, PRODUCTS, TOPICS, TOPIC_IDS } from "./catalog.js";
import { INTENTS, type IntentId } from "./intents.js";
import { compileTemplate, fill, readSlots, type CompiledTemplate, type PolicyNumbers, type Slots } from "./slots.js";

/** The core sentence of a customer message, per intent. Refund intents share one list. */
const BODIES: Readonly<Record<"refund" | Exclude<IntentId, "refund_in_window" | "refund_out_of_window">, readonly string[]>> = {
  refund: [
    "I bought the {product} {ago} and I would like my money back.",
    "Can I return the {product} I ordered {ago}? It stopped working.",
    "I want a refund for order {order}. The {product} arrived {ago} and it is broken.",
    "The {product} I got {ago} is not what I expected, can I get a refund?",
    "Order {order} was delivered {ago} and I would like to send the {product} back for a refund.",
    "Is it too late to return my {product}? I purchased it {ago}.",
  ],
  shipping_delay: [
    "My order {order} is {lateDays} days late and I still have nothing.",
    "Where is my {product}? Order {order} should have been here {lateDays} days ago.",
    "The tracking for order {order} has not moved and the {product} is now {lateDays} days overdue.",
    "I am still waiting for my {product}, it is {lateDays} days past the delivery date.",
    "{carrier} says order {order} is delayed and it is already {lateDays} days late.",
  ],
  password_reset: [
    "I forgot my password and cannot log in to {channel}.",
    "How do I reset my password? I am locked out of {channel}.",
    "My password is not working anymore on {channel}, please help me get back in.",
    "I need to change my password because I cannot sign in.",
    "I keep getting an incorrect password error when I try to log in to {channel}.",
  ],
  billing_dispute: [
    "I was charged {amount} in {month} and I do not recognise this charge.",
    "Why is there a {amount} charge on my card from {month}? I never approved it.",
    "I want to dispute the {amount} payment you took in {month}.",
    "You billed me twice in {month}, the extra {amount} needs to be looked at.",
    "There is a {amount} charge from {month} on my statement that looks wrong.",
  ],
  cancellation: [
    "I want to cancel my {plan}.",
    "How do I cancel the {plan}? I do not need it anymore.",
    "Please stop my {plan} subscription, we are moving to another tool.",
    "Can you cancel my {plan} before the next payment?",
    "I would like to end my {plan} subscription.",
  ],
  product_question: [
    "How do I {topic}?",
    "Is there a way to {topic}?",
    "Can I {topic} on my current plan?",
    "I am trying to {topic}, what should I do?",
    "Quick question, is it possible to {topic}?",
  ],
  ambiguous: [
    "It is not working.",
    "I have a problem with my account.",
    "Something went wrong, can you fix it?",
    "I need help with the thing I got from you.",
    "This keeps happening and I do not know what to do.",
    "Can you sort this out for me?",
    "I need to change something on my side.",
    "It did it again.",
  ],
  feature_change: [
    "Where did {feature} go after the update?",
    "Since the new update I cannot find {feature} anymore.",
    "After the redesign {feature} disappeared, how do I get to it?",
    "The update moved things around and now {feature} is missing.",
  ],
};

const OPENERS = ["", "", "Hi.", "Hello!", "Hey there.", "Good morning."] as const;
const CLOSERS = ["", "", "Thanks.", "Thank you!", "Thanks in advance.", "Cheers."] as const;
const UPSET = [
  "This is really frustrating.",
  "I have been waiting for days.",
  "Please sort this out quickly.",
  "This is the second time I am writing about this.",
] as const;

/** How a segment introduces itself; segments pick one in config. */
export const VOICES = {
  enterprise: ["I manage the " + COMPANY + " account for our company.", "I am the admin for our team.", "We have a large team on your service."],
  smb: ["I run a small shop and use your service every day.", "We are a small team of five people."],
  consumer: ["I am a long-time customer."],
} as const;
export type Voice = keyof typeof VOICES;
export const VOICE_IDS = Object.keys(VOICES) as Voice[];

export const SYSTEM_PROMPT = `You are the ${COMPANY} support assistant. Answer the customer's message.`;

function bodiesOf(intent: IntentId): readonly string[] {
  return intent === "refund_in_window" || intent === "refund_out_of_window" ? BODIES.refund : BODIES[intent];
}

/** Draws the concrete details of a request. */
export function sampleSlots(intent: IntentId, rng: Rng, policy: PolicyNumbers): Slots {
  const order = `#${String(rng.between(100000, 999999))}`;
  const product = rng.pick(PRODUCTS);
  const w = policy.refundWindowDays;
  switch (intent) {
    case "refund_in_window":
      return { product, order, days: rng.between(1, w), amountMinor: rng.between(1500, 19999) };
    case "refund_out_of_window":
      return { product, order, days: rng.between(w + 1, Math.max(w + 2, w * 3)), amountMinor: rng.between(1500, 19999) };
    case "shipping_delay":
      return { product, order, lateDays: rng.between(1, Math.max(2, policy.lostParcelAfterDays * 2)), carrier: rng.pick(CARRIERS) };
    case "password_reset":
      return { channel: rng.pick(CHANNELS) };
    case "billing_dispute":
      return { amountMinor: rng.between(499, 24999), month: rng.pick(MONTHS) };
    case "cancellation":
      return { plan: rng.pick(PLANS) };
    case "product_question": {
      const topic = rng.pick(TOPIC_IDS);
      return { topic, topicPhrase: rng.pick(TOPICS[topic]) };
    }
    case "feature_change":
      return { feature: rng.pick(FEATURES) };
    case "ambiguous":
      return {};
  }
}

/** A natural customer message: optional greeting, voice, the request, maybe upset, sign-off. */
export function renderPrompt(intent: IntentId, slots: Slots, voice: Voice, rng: Rng, policy: PolicyNumbers): string {
  const parts: string[] = [];
  parts.push(rng.pick(OPENERS));
  if (rng.chance(0.3)) parts.push(rng.pick(VOICES[voice]));
  parts.push(fill(rng.pick(bodiesOf(intent)), slots, policy, rng.chance(0.5)));
  if (INTENTS[intent].frustrated && rng.chance(0.35)) parts.push(rng.pick(UPSET));
  parts.push(rng.pick(CLOSERS));
  return parts.filter((p) => p !== "").join(" ");
}

interface BodyPattern {
  intent: "refund" | IntentId;
  compiled: CompiledTemplate;
}

const CLEAR_PATTERNS: BodyPattern[] = [];
const AMBIGUOUS_PATTERNS: BodyPattern[] = [];
for (const [intent, bodies] of Object.entries(BODIES) as [BodyPattern["intent"], readonly string[]][]) {
  for (const body of bodies) {
    (intent === "ambiguous" ? AMBIGUOUS_PATTERNS : CLEAR_PATTERNS).push({ intent, compiled: compileTemplate(body) });
  }
}

export interface ReadPrompt {
  intent: IntentId;
  slots: Slots;
  /** "template": read exactly from a simulator prompt; "keywords": free text, best guess. */
  via: "template" | "keywords";
}

const KEYWORDS: [RegExp, IntentId | "refund"][] = [
  [/\b(refund|money back|return)\b/i, "refund"],
  [/\b(password|log ?in|sign ?in|locked out)\b/i, "password_reset"],
  [/\bcancel\w*\b/i, "cancellation"],
  [/\b(charged?|billed|billing|invoice|payment)\b/i, "billing_dispute"],
  [/\b(deliver\w*|shipping|parcel|package|tracking|overdue|late)\b/i, "shipping_delay"],
  [/\b(update|redesign)\b/i, "feature_change"],
];

/**
 * Reads the intent and slots from a customer message. Simulator prompts are matched against
 * the templates above and read exactly; other text falls back to keywords (documented in README).
 */
export function readPrompt(text: string, policy: PolicyNumbers): ReadPrompt {
  for (const p of CLEAR_PATTERNS) {
    const m = p.compiled.regex.exec(text);
    if (m) return { intent: resolveRefund(p.intent, readSlots(p.compiled, m), policy), slots: readSlots(p.compiled, m), via: "template" };
  }
  for (const p of AMBIGUOUS_PATTERNS) {
    if (p.compiled.regex.test(text)) return { intent: "ambiguous", slots: {}, via: "template" };
  }
  for (const [re, intent] of KEYWORDS) {
    if (re.test(text)) {
      const slots: Slots = {};
      const ago = /(\d+) (days?|weeks?)/i.exec(text);
      if (intent === "refund" && ago) slots.days = Number(ago[1]) * (ago[2]!.toLowerCase().startsWith("week") ? 7 : 1);
      if (intent === "shipping_delay" && ago) slots.lateDays = Number(ago[1]) * (ago[2]!.toLowerCase().startsWith("week") ? 7 : 1);
      return { intent: resolveRefund(intent, slots, policy), slots, via: "keywords" };
    }
  }
  const topic = TOPIC_IDS.find((id) => TOPICS[id].some((phrase) => text.toLowerCase().includes(phrase.toLowerCase())));
  if (topic) return { intent: "product_question", slots: { topic }, via: "keywords" };
  return { intent: "ambiguous", slots: {}, via: "keywords" };
}

function resolveRefund(intent: BodyPattern["intent"], slots: Slots, policy: PolicyNumbers): IntentId {
  if (intent !== "refund") return intent;
  // Unknown purchase date: treat as inside the window (the customer-friendly reading).
  return slots.days !== undefined && slots.days > policy.refundWindowDays ? "refund_out_of_window" : "refund_in_window";
}
