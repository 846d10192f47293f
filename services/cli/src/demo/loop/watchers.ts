// What the scenario waits for: consumers catching up, and announcements on the bus.
import { fromBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import type { Bus, Subscription } from "@rlhf-loop/kit";
import type { LoopStack } from "./stack.js";

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Polls until `check` returns a value, or fails naming what it waited for. */
export async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Waits until every consumer the scenario depends on has read everything published so far. */
export async function caughtUp(stack: LoopStack, timeoutMs = 180_000): Promise<void> {
  await until("the services to consume every event", timeoutMs, async () => {
    for (const c of stack.consumers) {
      const lag = await stack.bus.lag(c.groupId, c.topics);
      if (lag.some((p) => p.lag > 0)) return undefined;
    }
    return true;
  }, 500);
}

/** Collects every message of a topic from the beginning, for `find` to search. */
export class TopicLog<Desc extends DescMessage> {
  readonly messages: MessageShape<Desc>[] = [];
  private sub?: Subscription;

  constructor(private readonly bus: Bus, private readonly topic: string, private readonly schema: Desc, private readonly groupId: string) {}

  async start(): Promise<this> {
    await this.bus.ensureTopics([this.topic]);
    this.sub = await this.bus.subscribe({
      groupId: this.groupId, topics: [this.topic], fromBeginning: true,
      handleBatch: async (records) => {
        for (const r of records) if (r.value) this.messages.push(fromBinary(this.schema, r.value));
      },
    });
    return this;
  }

  find(what: string, timeoutMs: number, pred: (m: MessageShape<Desc>) => boolean): Promise<MessageShape<Desc>> {
    return until(what, timeoutMs, async () => this.messages.find(pred));
  }

  async stop(): Promise<void> {
    await this.sub?.stop();
  }
}
