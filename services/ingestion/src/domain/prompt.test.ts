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
