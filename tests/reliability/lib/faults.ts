/** The faults of issue 10, each applied to a running deployment; restarts go through pids and infra scripts. */
import { randomBytes } from "node:crypto";
import { create, toBinary } from "@bufbuild/protobuf";
import { DlqHeaders } from "@rlhf-loop/kit";
import { FeedbackSchema, InteractionSchema, TYPE_HEADER } from "@rlhf-loop/proto";
import { Kafka, logLevel } from "kafkajs";
import type { Deployment } from "./procs.js";
import { sleep, waitForPersisterInsert, type ScenarioSpec } from "./scenario.js";
import type { IsolatedStack } from "./stack.js";
import { readTopic } from "./topics.js";

/** SIGKILL the persister while one of its inserts runs, restart it a second later. */
export const persisterSigkill: ScenarioSpec = {
  name: "persister SIGKILL mid-batch",
  async fault(dep) {
    const p = dep.persisters[0]!;
    const mid = await waitForPersisterInsert(dep);
    const faultAt = Date.now();
    const pid = p.pid;
    await p.kill();
    await sleep(1_000);
    await p.start();
    return { faultAt, notes: [`killed pid ${pid} ${mid ? "during an insert" : "(no insert seen in 15 s)"}, restarted as ${p.pid}`], failures: mid ? [] : ["no persister insert seen to kill mid-batch"] };
  },
};

/** SIGTERM the intake under load: it must drain and exit 0, then come back on the same port. */
export const intakeSigterm: ScenarioSpec = {
  name: "ingestion SIGTERM under load",
  async fault(dep) {
    const p = dep.intake;
    const faultAt = Date.now();
    const pid = p.pid;
    p.signal("SIGTERM");
    const code = await p.waitExit(30_000);
    const stopMs = Date.now() - faultAt;
    if (code === undefined) await p.kill();
    await p.start();
    return {
      faultAt,
      notes: [`pid ${pid} exited ${code === undefined ? "(hung, SIGKILLed)" : code} after ${(stopMs / 1000).toFixed(1)} s`],
      failures: code === 0 ? [] : [`intake exit code ${String(code)} on SIGTERM (want 0)`],
    };
  },
};

export function kafkaRestart(stack: IsolatedStack): ScenarioSpec {
  return {
    name: "Kafka broker restart",
    streamSeconds: 40,
    async fault() {
      const faultAt = Date.now();
      await stack.stopKafka();
      const down = Date.now();
      await stack.startKafka();
      return { faultAt, notes: [`broker down ${((Date.now() - down) / 1000).toFixed(1)} s (stop ${((down - faultAt) / 1000).toFixed(1)} s)`] };
    },
  };
}

export function postgresRestart(stack: IsolatedStack): ScenarioSpec {
  return {
    name: "Postgres restart",
    streamSeconds: 35,
    async fault() {
      const faultAt = Date.now();
      await stack.stopPostgres();
      await sleep(2_000); // stay down long enough for every pool to notice
      await stack.startPostgres();
      return { faultAt, notes: [`postgres down ${((Date.now() - faultAt) / 1000).toFixed(1)} s`] };
    },
  };
}

const POISON = 300;

/** Undecodable and wrongly typed records straight onto the interactions topic, amid good traffic. */
export function dlqPoison(brokers: string): ScenarioSpec {
  return {
    name: "DLQ poison (300 records)",
    async fault(dep: Deployment) {
      const kafka = new Kafka({ clientId: "reliability-poison", brokers: brokers.split(","), logLevel: logLevel.NOTHING });
      const producer = kafka.producer();
      await producer.connect();
      const faultAt = Date.now();
      try {
        const feedbackBytes = Buffer.from(toBinary(FeedbackSchema, create(FeedbackSchema, { feedbackId: "x", interactionId: "poison", tenantId: dep.tenantId })));
        const noTenant = Buffer.from(toBinary(InteractionSchema, create(InteractionSchema, { interactionId: "poison-no-tenant", eventId: "00000000-0000-8000-8000-000000000000" })));
        for (let i = 0; i < POISON; i += 30) {
          const messages = Array.from({ length: 30 }, (_, j) => {
            const n = i + j;
            // Three flavours: garbage bytes, another message's bytes under the interaction type, an interaction with no tenant.
            if (n % 3 === 0) return { key: `poison-${n}`, value: Buffer.concat([Buffer.from([0xff, 0xff, 0xff]), randomBytes(40)]), headers: { [TYPE_HEADER]: "rlhf.v1.Interaction" } };
            if (n % 3 === 1) return { key: `poison-${n}`, value: feedbackBytes, headers: { [TYPE_HEADER]: "rlhf.v1.Feedback" } };
            return { key: `poison-${n}`, value: noTenant, headers: { [TYPE_HEADER]: "rlhf.v1.Interaction" } };
          });
          await producer.send({ topic: dep.topics.interactions, messages });
          await sleep(100);
        }
      } finally {
        await producer.disconnect();
      }
      return {
        faultAt,
        after: async () => {
          const dlq = await readTopic(brokers, `${dep.topics.interactions}.dlq`);
          const withError = dlq.filter((r) => (r.headers[DlqHeaders.errorMessage] ?? "") !== "" && r.headers[DlqHeaders.originalTopic] === dep.topics.interactions);
          const poisonKeys = dlq.length;
          const failures: string[] = [];
          if (dlq.length !== POISON) failures.push(`DLQ holds ${dlq.length} records, want ${POISON}`);
          if (withError.length !== dlq.length) failures.push(`${dlq.length - withError.length} DLQ records lack the error headers`);
          const sample = withError[0]?.headers[DlqHeaders.errorMessage]?.slice(0, 60) ?? "";
          return { notes: [`DLQ ${poisonKeys}/${POISON} with error (e.g. "${sample}")`], failures };
        },
      };
    },
  };
}

/** Two persisters; one is SIGSTOPped past the session timeout (10 s) so the group rebalances, then SIGCONT. */
export const consumerPause: ScenarioSpec = {
  name: "persister paused past session timeout",
  persisters: 2,
  streamSeconds: 35,
  async fault(dep) {
    const p = dep.persisters[0]!;
    const pid = p.pid;
    const faultAt = Date.now();
    p.signal("SIGSTOP");
    await sleep(16_000);
    p.signal("SIGCONT");
    await sleep(3_000);
    const alive = p.pid !== undefined;
    return { faultAt, notes: [`pid ${pid} stopped 16 s, ${alive ? "alive after SIGCONT" : "exited after SIGCONT"}`], failures: [] };
  },
};
