import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { getTextEncoding } from "@bufbuild/protobuf/wire";
import { InteractionSchema, Role } from "@rlhf-loop/proto";
import { useFastTextEncoding } from "./text-encoding.js";

const samples = ["", "plain ascii", "caf\u00e9 \u65e5\u672c \u{1F600}", "a\ud800b", "\udc00", "x".repeat(5000), "\u00e9".repeat(3000), "nul\u0000inside"];

describe("fast text encoding for protobuf-es", () => {
  it("encodes the same bytes and judges well-formedness the same as the defaults", () => {
    const before = getTextEncoding();
    const bytes = samples.map((s) => Array.from(before.encodeUtf8(s)));
    const checks = samples.map((s) => before.checkUtf8(s));
    const message = create(InteractionSchema, { interactionId: "i-1", answer: samples[2]!, prompt: [{ role: Role.USER, content: samples[6]! }] });
    const encoded = toBinary(InteractionSchema, message);
    useFastTextEncoding();
    const after = getTextEncoding();
    assert.notEqual(after.encodeUtf8, before.encodeUtf8, "installed");
    assert.deepEqual(samples.map((s) => Array.from(after.encodeUtf8(s))), bytes);
    assert.deepEqual(samples.map((s) => after.checkUtf8(s)), checks);
    assert.deepEqual(checks, [true, true, true, false, false, true, true, true]);
    assert.deepEqual(toBinary(InteractionSchema, message), encoded);
  });
});
