// The keyword judge (ml's answerShape) against the simulated product's own traits: on answers the
// sim's bot rendered, the detector must read every refusal, hedge, disclaimer and clarifying
// question the bot meant to write, and no others.
import assert from "node:assert/strict";
import { test } from "node:test";
import { answerShape } from "@rlhf-loop/ml";
import { createWorld, defaultWorldConfig, wordCount } from "@rlhf-loop/sim";
import { keywordJudge, shapeStats, wordLength } from "./shape.js";

async function renderedAnswers(n: number): Promise<{ prompt: string; answer: string; traits: { refusal: boolean; hedged: boolean; disclaimer: boolean; clarifyingQuestion: boolean } }[]> {
  const world = createWorld(defaultWorldConfig(), 11);
  const out: Awaited<ReturnType<typeof renderedAnswers>> = [];
  for (let d = 0; out.length < n; d++) {
    for (const e of await world.day(d)) {
      if (e.event.event.case !== "interaction" || !e.interaction) continue;
      const i = e.event.event.value;
      out.push({ prompt: i.prompt.map((m) => m.content).join("\n"), answer: i.answer, traits: e.interaction.traits });
    }
  }
  return out.slice(0, n);
}

test("answerShape agrees with the simulated bot's traits on every rendered answer", { timeout: 60_000 }, async () => {
  const rows = await renderedAnswers(3000);
  const seen = { refusal: 0, hedged: 0, disclaimer: 0, clarifying: 0 };
  const disagree: string[] = [];
  for (const r of rows) {
    const s = answerShape(r.answer);
    const want = { refusal: r.traits.refusal, hedged: r.traits.hedged, disclaimer: r.traits.disclaimer, clarifying: r.traits.clarifyingQuestion };
    const got = { refusal: s.refusal, hedged: s.hedged, disclaimer: s.disclaimer, clarifying: s.clarifying };
    for (const k of Object.keys(seen) as (keyof typeof seen)[]) if (want[k]) seen[k]++;
    if (JSON.stringify(got) !== JSON.stringify(want)) disagree.push(`${JSON.stringify(want)} vs ${JSON.stringify(got)}: ${r.answer}`);
    assert.equal(s.words, wordCount(r.answer));
    // The bot asks exactly one question when it asks.
    assert.equal(s.questions, r.traits.clarifyingQuestion ? 1 : 0, r.answer);
  }
  assert.deepEqual(disagree.slice(0, 5), []);
  // Not vacuous: the sample holds every trait many times.
  for (const [k, v] of Object.entries(seen)) assert.ok(v >= 30, `${k}: only ${v} answers`);

  // The judge the RL guardrail uses reads the same rates as the bot's truth.
  const truth = { refusal: 0, hedged: 0, disclaimer: 0 };
  for (const r of rows) for (const k of Object.keys(truth) as (keyof typeof truth)[]) if (r.traits[k]) truth[k]++;
  const stats = shapeStats(rows, keywordJudge);
  assert.equal(stats.refusalRate, truth.refusal / rows.length);
  assert.equal(stats.hedgeRate, truth.hedged / rows.length);
  assert.equal(stats.disclaimerRate, truth.disclaimer / rows.length);
  assert.equal(stats.length, rows.reduce((a, r) => a + wordLength(r.answer), 0) / rows.length);
});
