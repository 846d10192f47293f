import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { answerShape, shapeCounts } from "./answer-shape.js";

describe("answerShape", () => {
  it("counts whitespace-separated words and sentences ending in '?'", () => {
    const s = answerShape("Which order is it?  Is it the\nblue one?\" See https://x.test/?q=1 today. Fine?!");
    assert.equal(s.words, 13);
    // "it?", "one?\"" and "Fine?!" do not all end in '?': "Fine?!" ends in '!'; the URL's '?' ends nothing.
    assert.equal(s.questions, 2);
    assert.equal(s.clarifying, true);
    const none = answerShape("");
    assert.deepEqual(none, { words: 0, refusal: false, hedged: false, disclaimer: false, clarifying: false, questions: 0 });
    assert.equal(answerShape("Done. Really?").questions, 1);
    assert.equal(answerShape("Done?\nReally? Yes.").questions, 2);
  });

  it("reads refusals, hedges and disclaimers in generic and product wording, with curly apostrophes", () => {
    const yes: [string, "refusal" | "hedged" | "disclaimer"][] = [
      ["I can’t help with that.", "refusal"],
      ["Sorry, but I cannot do this.", "refusal"],
      ["I'm unable to share account details.", "refusal"],
      ["I am not able to help with this request in chat.", "refusal"],
      ["This is not something I can handle, so I have to decline.", "refusal"],
      ["I'm not completely sure, but here is what I can see.", "hedged"],
      ["If I understand the system correctly, this should work.", "hedged"],
      ["This may not be fully accurate.", "hedged"],
      ["As far as I know it ships Monday.", "hedged"],
      ["Terms and conditions apply to all account changes.", "disclaimer"],
      ["This is general information only and not legal or financial advice.", "disclaimer"],
      ["This message was generated automatically and may contain mistakes.", "disclaimer"],
      ["I'm just an AI assistant.", "disclaimer"],
    ];
    for (const [text, trait] of yes) {
      const s = answerShape(text);
      assert.equal(s[trait], true, `${trait}: ${text}`);
      for (const other of ["refusal", "hedged", "disclaimer"] as const) if (other !== trait) assert.equal(s[other], false, `${other} in: ${text}`);
    }
    for (const text of [
      "I cannot issue a refund for order 123 because the return period has ended, though store credit is available.",
      "Nothing more can be done.",
      "Could you tell me which order it is?",
      "It is helpful to note the date.",
      "Your address might be on file.",
    ]) {
      const s = answerShape(text);
      assert.deepEqual([s.refusal, s.hedged, s.disclaimer], [false, false, false], text);
    }
  });

  it("counts each phrase once even where alternatives overlap", () => {
    assert.deepEqual(shapeCounts("Unfortunately I can't help. I'm not able to assist. Not sure. I think so."), { refusals: 2, hedges: 2, disclaimers: 0 });
    assert.deepEqual(shapeCounts("Please note: not legal, financial or tax advice."), { refusals: 0, hedges: 0, disclaimers: 2 });
  });
});
