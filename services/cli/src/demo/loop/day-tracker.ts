// Measures what users of the simulated product saw, day by day, from the events as they are sent:
// the hidden gold utility of every first answer, end users' thumbs, and which policy answered.
import { FeedbackSource, ThumbDirection } from "@rlhf-loop/proto";
import type { SimEvent } from "@rlhf-loop/sim";
import type { DayPoint } from "../report/types.js";

interface DayAcc {
  gold: number;
  chats: number;
  up: number;
  down: number;
  policies: Map<string, number>;
}

/** A logged chat the demo keeps for building arms (prompt as the customer wrote it, the answer shown). */
export interface LoggedChat {
  readonly day: number;
  readonly prompt: string;
  readonly answer: string;
  readonly request: { interactionId: string; prompt: { role: "system" | "user" | "assistant"; content: string }[]; segment: string; seed: string; backOffice: { intent: NonNullable<SimEvent["interaction"]>["intent"]; slots: NonNullable<SimEvent["interaction"]>["slots"] } };
}

export class DayTracker {
  private readonly days = new Map<number, DayAcc>();
  readonly chats: LoggedChat[] = [];

  constructor(private readonly arm: string) {}

  onEvent = (e: SimEvent): void => {
    const ev = e.event.event;
    if (ev.case === "interaction" && e.interaction?.purpose === "chat") {
      const d = this.day(e.day);
      d.gold += e.interaction.gold;
      d.chats++;
      d.policies.set(e.interaction.policy, (d.policies.get(e.interaction.policy) ?? 0) + 1);
      const i = ev.value;
      const user = i.prompt.filter((m) => m.role === 2).at(-1)?.content ?? "";
      this.chats.push({
        day: e.day,
        prompt: user,
        answer: i.answer,
        request: {
          interactionId: i.interactionId,
          prompt: i.prompt.map((m) => ({ role: m.role === 1 ? "system" : m.role === 3 ? "assistant" : "user", content: m.content })),
          segment: e.interaction.segment,
          seed: i.interactionId,
          backOffice: { intent: e.interaction.intent, slots: e.interaction.slots },
        },
      });
    } else if (ev.case === "feedback" && ev.value.kind.case === "thumb" && ev.value.source === FeedbackSource.END_USER) {
      const d = this.day(e.day);
      if (ev.value.kind.value.direction === ThumbDirection.UP) d.up++;
      else if (ev.value.kind.value.direction === ThumbDirection.DOWN) d.down++;
    }
  };

  private day(d: number): DayAcc {
    let acc = this.days.get(d);
    if (!acc) {
      acc = { gold: 0, chats: 0, up: 0, down: 0, policies: new Map() };
      this.days.set(d, acc);
    }
    return acc;
  }

  points(): DayPoint[] {
    return [...this.days.entries()]
      .filter(([, a]) => a.chats > 0)
      .sort(([a], [b]) => a - b)
      .map(([day, a]) => {
        const top = [...a.policies.entries()].sort((x, y) => y[1] - x[1])[0]?.[0] ?? "";
        return { day, arm: this.arm, gold: a.gold / a.chats, thumbsUpRate: a.up + a.down ? a.up / (a.up + a.down) : 0, interactions: a.chats, answeredBy: top === "production" ? "production bot" : top };
      });
  }
}
