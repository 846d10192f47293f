import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultWorldConfig } from "../config/load.js";
import { sampleStylePlan } from "../bot/policy.js";
import { renderAnswer, type StylePlan } from "../bot/render.js";
import { sameTraits, type AnswerTraits } from "../bot/traits.js";
import { INTENT_IDS, INTENTS, type IntentId } from "../domain/intents.js";
import { renderPrompt, sampleSlots } from "../domain/prompts.js";
import { Rng } from "../random/rng.js";
import { DEFAULT_POLICY, explainGold, gold } from "./gold.js";
import { goldOfTraits } from "./utility.js";

const config = defaultWorldConfig();
const policy = config.policy;

/** Random plans over every mode and trait, not just the production mix. */
function randomPlan(rng: Rng): StylePlan {
  return {
    mode: rng.pick(["act", "act", "clarify", "refuse"] as const),
    policy: rng.pick(["followed", "broken"] as const),
    citesPolicy: rng.chance(0.5),
    steps: rng.chance(0.5),
    hedged: rng.chance(0.5),
    disclaimer: rng.chance(0.5),
    tone: rng.pick(["warm", "neutral", "curt"] as const),
    length: rng.pick(["short", "medium", "long"] as const),
  };
}

function sample(n: number, seed: string, plan: (rng: Rng, intent: IntentId) => StylePlan) {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const intent = INTENT_IDS[i % INTENT_IDS.length] as IntentId;
    const slots = sampleSlots(intent, rng, policy);
    const prompt = renderPrompt(intent, slots, rng.pick(["enterprise", "smb", "consumer"] as const), rng, policy);
    const answer = renderAnswer(intent, slots, plan(rng, intent), rng, policy);
    return { intent, slots, prompt, answer };
  });
}

void test("gold(text) agrees with gold(traits) on every rendered answer, and the prompt is read back exactly", () => {
  const items = [
    ...sample(3000, "gold-agree-random", (rng) => randomPlan(rng)),
    ...sample(2000, "gold-agree-prod", (rng, intent) => sampleStylePlan(config.bot.style, intent, rng)),
  ];
  for (const { intent, slots, prompt, answer } of items) {
    const ex = explainGold(prompt, answer.text, policy);
    assert.equal(ex.intent, intent, `intent of ${JSON.stringify(prompt)}`);
    assert.equal(ex.via, "template");
    if (slots.days !== undefined) assert.equal(ex.slots.days, slots.days);
    if (slots.lateDays !== undefined) assert.equal(ex.slots.lateDays, slots.lateDays);
    assert.ok(sameTraits(ex.traits, answer.traits), `traits of ${JSON.stringify(answer.text)}:\n${JSON.stringify(ex.traits)}\n${JSON.stringify(answer.traits)}`);
    assert.equal(ex.gold, goldOfTraits(intent, answer.traits));
  }
  // Every trait value occurs in the sample, so the agreement covers all of them.
  const seen = new Set(items.flatMap(({ answer: { traits: t } }) => Object.entries(t).map(([k, v]) => `${k}=${String(v)}`)));
  for (const must of ["policy=followed", "policy=broken", "policy=none", "refusal=true", "clarifyingQuestion=true", "steps=true", "hedged=true", "disclaimer=true", "citesPolicy=true", "tone=warm", "tone=curt", "tone=neutral", "length=short", "length=medium", "length=long"]) {
    assert.ok(seen.has(must), `sample lacks ${must}`);
  }
});

void test("gold matches a hand computation on raw text", () => {
  const answer =
    "Noted. I have approved a full refund of $20.00 for your Aero headphones. This message was generated automatically and may contain mistakes.";
  // Outside the 30-day window: approving breaks policy (-2), disclaimer (-0.4), curt (-0.75).
  assert.equal(gold("I bought the Aero headphones 45 days ago and I would like my money back.", answer), -3.15);
  // 6 weeks = 42 days, also outside.
  assert.equal(gold("Hi. Is it too late to return my Aero headphones? I purchased it 6 weeks ago.", answer), -3.15);
  // Inside the window the same answer follows policy (+2): 2 - 0.4 - 0.75.
  assert.equal(gold("I bought the Aero headphones 12 days ago and I would like my money back.", answer), 0.85);
  // A window of 10 days moves the line.
  assert.equal(gold("I bought the Aero headphones 12 days ago and I would like my money back.", answer, { ...DEFAULT_POLICY, refundWindowDays: 10 }), -3.15);
  // Chat messages: the last user message is the prompt.
  const msgs = [
    { role: "system", content: "You are the Northwind support assistant." },
    { role: "user", content: "I bought the Aero headphones 45 days ago and I would like my money back." },
  ];
  assert.equal(gold(msgs, answer), -3.15);
  // Ambiguous request, clarifying question with a warm opener: +2 and no other term.
  assert.equal(
    gold("It did it again.", "Thank you so much for your patience with this. Which order or account is this about, and what exactly happened?"),
    2,
  );
  // A wrong action next to the right one still counts as broken.
  const both =
    "For your security, please use the reset link we just emailed you to choose a new password. I have set your password to Welcome123 so you can log in right away.";
  const ex = explainGold("I forgot my password and cannot log in to the app.", both);
  assert.equal(ex.traits.policy, "broken");
  // broken -2, steps missing on a steps intent -0.75.
  assert.equal(ex.gold, -2.75);
});

void test("free text from a learned policy is scored by what it actually says", () => {
  const ex = explainGold("my package never showed up and it has been 9 days", "Sorry about that! It should come soon.");
  assert.equal(ex.intent, "shipping_delay");
  assert.equal(ex.via, "keywords");
  assert.equal(ex.slots.lateDays, 9);
  assert.equal(ex.traits.policy, "none");
  assert.equal(ex.gold, -0.5);
  // 9 days late is past lostParcelAfterDays (7): replacing follows policy.
  const reship = explainGold("my package never showed up and it has been 9 days", "I have marked order #123456 as lost and shipped a new Vista webcam to you at no cost.");
  assert.equal(reship.traits.policy, "followed");
  assert.equal(explainGold("hmm", "ok").intent, "ambiguous");
});

void test("a clarifying question is worth more on ambiguous requests and less on clear ones", () => {
  const items = sample(6000, "gold-clarify", (rng, intent) => sampleStylePlan({ ...config.bot.style, clarifyOnClear: 0.3, clarifyOnAmbiguous: 0.5 }, intent, rng));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const goldOf = (ambiguous: boolean, clarify: boolean) =>
    mean(items.filter((x) => INTENTS[x.intent].ambiguous === ambiguous && x.answer.traits.clarifyingQuestion === clarify).map((x) => gold(x.prompt, x.answer.text, policy)));
  const ambClarify = goldOf(true, true);
  const ambOther = goldOf(true, false);
  const clearClarify = goldOf(false, true);
  const clearOther = goldOf(false, false);
  assert.ok(ambClarify > ambOther + 1, `ambiguous: clarify ${ambClarify} vs not ${ambOther}`);
  assert.ok(clearClarify < clearOther - 0.5, `clear: clarify ${clearClarify} vs not ${clearOther}`);
  assert.ok(ambClarify > clearClarify + 2, `clarify: ambiguous ${ambClarify} vs clear ${clearClarify}`);
  // The same answer traits score +2 / -1.5 on the resolution terms.
  const t: AnswerTraits = { policy: "none", citesPolicy: false, clarifyingQuestion: true, refusal: false, steps: false, hedged: false, disclaimer: false, tone: "neutral", length: "short" };
  assert.equal(goldOfTraits("ambiguous", t), 2);
  assert.equal(goldOfTraits("billing_dispute", t), -1.5);
});

void test("prompts and answers stay within a vocabulary of a few thousand words", () => {
  const vocab = new Set<string>();
  for (const { prompt, answer } of sample(6000, "vocab", (rng) => randomPlan(rng))) {
    for (const w of `${prompt} ${answer.text}`.toLowerCase().split(/[^a-z0-9'$#.-]+/)) if (w) vocab.add(w.replace(/[.]+$/, ""));
  }
  // Order numbers, amounts and day counts are the open-ended part; words are the bank's.
  const words = [...vocab].filter((w) => /^[a-z']+$/.test(w));
  assert.ok(words.length > 300, `vocabulary suspiciously small: ${words.length}`);
  assert.ok(words.length <= 3000, `vocabulary ${words.length} words`);
});
