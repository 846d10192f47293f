import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { ChatMessageSchema, Role } from "@rlhf-loop/proto";
import { normalizePromptText, promptHash } from "./prompt.js";

const msg = (role: Role, content: string) => create(ChatMessageSchema, { role, content });

describe("prompt normalization", () => {
  it("folds whitespace, line endings and composition", () => {
    assert.equal(normalizePromptText("  Hello\t\tworld \r\n\r\n\r\n\r\nbye  "), "Hello world\n\nbye");
    assert.equal(normalizePromptText("cafe\u0301"), "caf\u00e9");
  });
  it("keeps case and punctuation", () => {
    assert.notEqual(normalizePromptText("Refund?"), normalizePromptText("refund"));
  });
  it("hashes role and text of every message", () => {
    const a = promptHash([msg(Role.SYSTEM, "Be brief."), msg(Role.USER, "Hi  there")]);
    assert.equal(a, promptHash([msg(Role.SYSTEM, " Be brief. "), msg(Role.USER, "Hi there")]));
    assert.notEqual(a, promptHash([msg(Role.USER, "Be brief."), msg(Role.USER, "Hi there")]));
    assert.notEqual(a, promptHash([msg(Role.USER, "Hi there")]));
    const expected = createHash("sha256").update("SYSTEM:Be brief.\u001eUSER:Hi there").digest("hex");
    assert.equal(a, expected);
  });
});

describe("prompt normalization fast path", () => {
  /** The general path, spelled out: what normalizePromptText must equal for every input. */
  const slow = (text: string) =>
    text
      .normalize("NFC")
      .replace(/\r\n?/g, "\n")
      .replace(/[ \t\f\v\u00a0]+/g, " ")
      .split("\n")
      .map((line) => line.trim())
      .join("\n")
      .replace(/\n{3,}/g, "\n\n")
      .trim();

  it("equals the general path on random texts over a whitespace-heavy alphabet", () => {
    const alphabet = ["a", "B", "?", " ", " ", "\n", "\n", "\r", "\t", "\u00a0", "e\u0301", "\u2028", "\u00e9", "\u3000"];
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    for (let i = 0; i < 20_000; i++) {
      let t = "";
      const len = rand(12);
      for (let k = 0; k < len; k++) t += alphabet[rand(alphabet.length)];
      assert.equal(normalizePromptText(t), slow(t), JSON.stringify(t));
    }
    for (const t of ["", "Hello world", "a\n\nb", "a\n\n\nb", " a", "a ", "a  b", "a \nb", "a\n b", "\na", "a\n"]) assert.equal(normalizePromptText(t), slow(t), JSON.stringify(t));
  });
});
