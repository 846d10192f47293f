import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { addService, bindGrpc, createGrpcServer, stopGrpc } from "@rlhf-loop/kit";
import { Policy } from "@rlhf-loop/proto";
import type { AnswerRequest } from "@rlhf-loop/sim";
import { servedPolicy } from "./served-policy.js";

const request = (i: number): AnswerRequest => ({
  interactionId: `ix-${i}`,
  prompt: [{ role: "user", content: `question ${i}` }],
  segment: "consumer",
  seed: `s${i}`,
  backOffice: { intent: "knowledge", slots: {} },
} as unknown as AnswerRequest);

/** A Policy double whose first answer to every even-numbered prompt is empty; later calls answer. */
async function policyDouble(emptyTimes: number) {
  const seen = new Map<string, number>();
  const minTokensAsked: number[] = [];
  const server = createGrpcServer();
  const stub = async () => { throw new Error("not used"); };
  addService(server, Policy, {
    generate: stub, startRun: stub, getRun: stub,
    async generateBatch(req) {
      minTokensAsked.push(req.minTokens);
      return {
        policyVersion: "v1",
        answers: req.prompts.map((p, i) => {
          const n = (seen.get(p) ?? 0) + 1;
          seen.set(p, n);
          const even = Number(/\d+/.exec(p)?.[0] ?? 0) % 2 === 0;
          return { promptIndex: i, sampleIndex: 0, answer: even && n <= emptyTimes ? "" : `answer to ${p}`, tokens: 1, logProb: 0 };
        }),
      };
    },
  });
  const port = await bindGrpc(server, "127.0.0.1:0");
  return { address: `127.0.0.1:${port}`, minTokensAsked, close: () => stopGrpc(server, 1_000) };
}

describe("served policy (the demo product's bot after a promotion)", () => {
  it("samples a chat again when its answer came back empty, so the product never sends an empty answer", async () => {
    const double = await policyDouble(2);
    const served = servedPolicy(double.address, "t1", "v1", "pk_test");
    try {
      const answers = await served.policy.answer(Array.from({ length: 6 }, (_, i) => request(i)));
      assert.deepEqual(answers.map((a) => a.text), Array.from({ length: 6 }, (_, i) => `answer to question ${i}`));
      assert.equal(served.regenerated(), 6, "3 empty answers, each sampled again twice");
      assert.deepEqual(double.minTokensAsked, [1, 1, 1], "every call asks for at least one token");
    } finally {
      served.close();
      await double.close();
    }
  });

  it("fails loudly when the policy keeps answering empty", async () => {
    const double = await policyDouble(100);
    const served = servedPolicy(double.address, "t1", "v1", "pk_test");
    try {
      await assert.rejects(Promise.resolve(served.policy.answer([request(0), request(1)])), /1 chat\(s\) with an empty answer 4 times/);
    } finally {
      served.close();
      await double.close();
    }
  });
});
