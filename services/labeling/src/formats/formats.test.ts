import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { PromptMessage } from "../domain/model.js";
import type { ExchangePair } from "./formats.js";
import { FORMAT_NAMES } from "./formats.js";
import { parseJsonl, sniffFormat, toJsonlLine } from "./jsonl.js";

const sample: ExchangePair[] = [
  {
    prompt: [
      { role: "system", content: "You are the support assistant of Acme." },
      { role: "user", content: "I bought the kettle 10 days ago and I would like my money back." },
    ],
    chosen: "You are within the 30-day window, so I have started your refund.",
    rejected: "Refunds are not possible.",
  },
  { prompt: [{ role: "user", content: "How do I reset my password?" }], chosen: "Use the reset link on the login page.", rejected: "I cannot help with that." },
  {
    prompt: [
      { role: "user", content: "It is not working." },
      { role: "assistant", content: "What is not working?" },
      { role: "user", content: "The app\nwon't open.\n\nAt all." },
    ],
    chosen: "Sorry about that! Could you tell me which device you use?",
    rejected: "Reinstall it.",
  },
];

test("every format writes the shape its trainer documents", () => {
  const [p] = sample;
  const line = (f: (typeof FORMAT_NAMES)[number]) => JSON.parse(toJsonlLine(p as ExchangePair, f)) as Record<string, unknown>;
  assert.deepEqual(Object.keys(line("trl")).sort(), ["chosen", "prompt", "rejected"]);
  assert.equal(line("trl")["prompt"], "\n\nSystem: You are the support assistant of Acme.\n\nHuman: I bought the kettle 10 days ago and I would like my money back.\n\nAssistant:");
  assert.deepEqual(line("trl-conversational")["chosen"], [{ role: "assistant", content: (p as ExchangePair).chosen }]);
  assert.deepEqual(line("openai-dpo"), {
    input: { messages: (p as ExchangePair).prompt, tools: [], parallel_tool_calls: true },
    preferred_output: [{ role: "assistant", content: (p as ExchangePair).chosen }],
    non_preferred_output: [{ role: "assistant", content: (p as ExchangePair).rejected }],
  });
  assert.equal(
    line("hh")["rejected"],
    "\n\nSystem: You are the support assistant of Acme.\n\nHuman: I bought the kettle 10 days ago and I would like my money back.\n\nAssistant: Refunds are not possible.",
  );
  // A single user message stays a plain TRL prompt string.
  assert.equal(JSON.parse(toJsonlLine(sample[1] as ExchangePair, "trl"))["prompt"], "How do I reset my password?");
});

for (const format of FORMAT_NAMES) {
  test(`${format}: export then import gives back the same pairs, and exporting again the same bytes`, () => {
    const text = sample.map((p) => toJsonlLine(p, format)).join("");
    const back = parseJsonl(text, format);
    assert.ok(back.ok, JSON.stringify(back));
    assert.deepEqual(back.pairs, sample.map((p) => ({ ...p, weight: undefined })));
    assert.equal(back.pairs.map((p) => toJsonlLine(p, format)).join(""), text);
    assert.equal(sniffFormat(text), format);
  });

  test(`${format}: round trip holds for arbitrary texts (property)`, () => {
    // Text free of HH turn markers, which that transcript format cannot carry.
    const text = fc.string({ maxLength: 40 }).filter((s) => !/\n\n(Human|Assistant|System|Tool):/.test(s) && !s.startsWith("\n\n"));
    // fast-check builds null-prototype records; spread them into plain objects to compare.
    const msg = fc.record({ role: fc.constantFrom<PromptMessage["role"]>("system", "user", "assistant"), content: text }).map((m): PromptMessage => ({ ...m }));
    const pair = fc.record({
      prompt: fc.array(msg, { minLength: 0, maxLength: 3 }).chain((ms) => text.map((u) => [...ms, { role: "user" as const, content: u }])),
      chosen: text,
      rejected: text,
      weight: fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: undefined }),
    }).map((p): ExchangePair => ({ ...p }));
    fc.assert(
      fc.property(pair, (p) => {
        // Texts ending in a newline would merge with the next HH marker's blank line only if they
        // contained a marker; they cannot here, so the round trip must be exact.
        const line = toJsonlLine(p, format, true);
        const back = parseJsonl(line, format);
        if (!back.ok) return false;
        assert.deepEqual(back.pairs[0], { ...p, weight: p.weight });
        return true;
      }),
      { seed: 7, numRuns: 200 },
    );
  });
}

test("malformed imports name the line and the reason and return no pairs", () => {
  const good = toJsonlLine(sample[0] as ExchangePair, "trl-conversational");
  const text = [good.trim(), "{not json", '{"prompt": [{"role": "user", "content": "hi"}], "chosen": "x", "rejected": []}', "", good.trim(), '{"prompt": []}'].join("\n");
  const r = parseJsonl(text, "trl-conversational");
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.errorCount, 3);
  assert.equal(r.errors[0]?.line, 2);
  assert.match(r.errors[0]?.reason ?? "", /not valid JSON/);
  assert.equal(r.errors[1]?.line, 3);
  assert.match(r.errors[1]?.reason ?? "", /"chosen" must be a list of messages, got a string/);
  assert.equal(r.errors[2]?.line, 6);
  assert.match(r.errors[2]?.reason ?? "", /missing "chosen"/);
});

test("format-specific errors", () => {
  const bad = (line: string, format: (typeof FORMAT_NAMES)[number]) => {
    const r = parseJsonl(line, format);
    assert.equal(r.ok, false);
    return r.ok ? "" : (r.errors[0]?.reason ?? "");
  };
  assert.match(bad('{"chosen": "\\n\\nHuman: a\\n\\nAssistant: b", "rejected": "\\n\\nHuman: other\\n\\nAssistant: c"}', "hh"), /must share every turn/);
  assert.match(bad('{"chosen": "Human: a", "rejected": "x"}', "hh"), /must start with/);
  assert.match(bad('{"input": {"messages": [{"role": "wizard", "content": "x"}]}, "preferred_output": [], "non_preferred_output": []}', "openai-dpo"), /role" must be system, user, assistant or tool/);
  assert.match(bad('{"prompt": "p", "chosen": "a", "rejected": "b", "weight": -1}', "trl"), /"weight" must be a finite number >= 0/);
  assert.match(bad('{"prompt": "\\n\\nHuman: hi", "chosen": "a", "rejected": "b"}', "trl"), /must end with/);
  assert.match(bad("", "trl"), /holds no pairs/);
  assert.match(bad("[1,2]", "trl"), /must be a JSON object/);
});

test("the HH writer refuses texts it cannot represent instead of corrupting them", () => {
  assert.throws(() => toJsonlLine({ prompt: [{ role: "user", content: "a\n\nAssistant: sneaky" }], chosen: "x", rejected: "y" }, "hh"), /transcript marker/);
});
