import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Admin } from "kafkajs";
import { ResponseError, UserError } from "@platformatic/kafka";
import { createTopicsAndWait } from "./kafka-topics.js";
import { isStaleTopicMetadata } from "./platformatic-bus.js";

type Md = Awaited<ReturnType<Admin["fetchTopicMetadata"]>>;
const partition = (partitionId: number, leader: number) => ({ partitionId, leader, partitionErrorCode: 0, replicas: [leader], isr: [leader] });
const notYet = (type: string) => Object.assign(new Error(type), { type });

/** A fake admin whose metadata (and then offsets) answers come from scripts, one per call. */
function scriptedAdmin(answers: Array<Md | Error>, offsetErrors: Error[] = []) {
  const calls = { create: 0, metadata: 0, offsets: 0 };
  const admin = {
    createTopics: async () => {
      calls.create++;
      return true;
    },
    fetchTopicMetadata: async () => {
      const a = answers[Math.min(calls.metadata++, answers.length - 1)]!;
      if (a instanceof Error) throw a;
      return a;
    },
    fetchTopicOffsets: async () => {
      const err = offsetErrors[calls.offsets++];
      if (err) throw err;
      return [];
    },
  };
  return { admin, calls };
}

const ready: Md = { topics: [{ name: "t", partitions: [partition(0, 1), partition(1, 1)] }] };

describe("createTopicsAndWait", () => {
  it("waits through UNKNOWN_TOPIC_OR_PARTITION and leaderless partitions until every partition has a leader", async () => {
    const leaderless: Md = { topics: [{ name: "t", partitions: [partition(0, 1), partition(1, -1)] }] };
    const short: Md = { topics: [{ name: "t", partitions: [partition(0, 1)] }] };
    const { admin, calls } = scriptedAdmin([notYet("UNKNOWN_TOPIC_OR_PARTITION"), notYet("LEADER_NOT_AVAILABLE"), short, leaderless, ready]);
    await createTopicsAndWait(admin, [{ topic: "t", numPartitions: 2 }], { pollMs: 1 });
    assert.equal(calls.create, 1);
    assert.equal(calls.metadata, 5);
    assert.equal(calls.offsets, 1);
  });

  it("then waits until the named leader serves the partition's offsets", async () => {
    const { admin, calls } = scriptedAdmin([ready], [notYet("NOT_LEADER_FOR_PARTITION"), notYet("NOT_LEADER_FOR_PARTITION")]);
    await createTopicsAndWait(admin, [{ topic: "t", numPartitions: 2 }], { pollMs: 1 });
    assert.equal(calls.metadata, 3);
    assert.equal(calls.offsets, 3);
  });

  it("passes other errors through at once", async () => {
    const { admin, calls } = scriptedAdmin([notYet("TOPIC_AUTHORIZATION_FAILED"), ready]);
    await assert.rejects(createTopicsAndWait(admin, [{ topic: "t", numPartitions: 2 }], { pollMs: 1 }), /TOPIC_AUTHORIZATION_FAILED/);
    assert.equal(calls.metadata, 1);
  });

  it("gives up after its bound, naming the topic that has no leader", async () => {
    const { admin } = scriptedAdmin([notYet("UNKNOWN_TOPIC_OR_PARTITION")]);
    await assert.rejects(createTopicsAndWait(admin, [{ topic: "t", numPartitions: 2 }], { pollMs: 5, timeoutMs: 30 }), /topics t created but not ready after 30 ms: UNKNOWN_TOPIC_OR_PARTITION/);
  });

  it("does nothing for no topics", async () => {
    const { admin, calls } = scriptedAdmin([ready]);
    await createTopicsAndWait(admin, []);
    assert.deepEqual(calls, { create: 0, metadata: 0, offsets: 0 });
  });
});

describe("isStaleTopicMetadata (platformatic client errors)", () => {
  it("takes the client's unknown-topic error and stale-metadata answers as 'not yet', nothing else", () => {
    assert.equal(isStaleTopicMetadata(new UserError("Unknown topic t.")), true);
    assert.equal(isStaleTopicMetadata(new ResponseError(3, 12, { "/topics/0": [5, null] }, undefined)), true, "LEADER_NOT_AVAILABLE");
    assert.equal(isStaleTopicMetadata(new ResponseError(3, 12, { "/topics/0": [29, null] }, undefined)), false, "TOPIC_AUTHORIZATION_FAILED");
    assert.equal(isStaleTopicMetadata(new UserError("Invalid options")), false);
    assert.equal(isStaleTopicMetadata(new Error("Unknown topic t.")), false);
  });
});
