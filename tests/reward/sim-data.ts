/**
 * Training data from the simulated product, the way the reward service sees it: comparisons
 * (regenerate-and-pick, expert pairs) become pairs; thumbs and bad outcomes on single answers
 * become pointwise labels (with answerLabelOf, the service's own mapping).
 */
import { create } from "@bufbuild/protobuf";
import { ComparisonChoice, FeedbackSchema, FeedbackSource } from "@rlhf-loop/proto";
import { answerLabelOf, promptText, type TrainPair, type TrainSingle } from "@rlhf-loop/reward";
import { createWorld, defaultWorldConfig, type World } from "@rlhf-loop/sim";

export interface SimData {
  world: World;
  pairs: TrainPair[];
  singles: TrainSingle[];
}

export async function simData(seed: number, days: number): Promise<SimData> {
  const world = createWorld(defaultWorldConfig(), seed);
  const inter = new Map<string, { prompt: string; answer: string; segment: string; intent: string }>();
  const pairs: TrainPair[] = [];
  const singles: TrainSingle[] = [];
  for (let d = 0; d < days; d++) {
    for (const e of await world.day(d)) {
      const ev = e.event.event;
      if (ev.case === "interaction") {
        const i = ev.value;
        inter.set(i.interactionId, { prompt: promptText(i.prompt), answer: i.answer, segment: i.segment, intent: e.interaction?.intent ?? "" });
      } else if (ev.case === "feedback" || ev.case === "outcome") {
        const f =
          ev.case === "feedback"
            ? ev.value
            : create(FeedbackSchema, { feedbackId: ev.value.idempotencyKey, interactionId: ev.value.interactionId, tenantId: ev.value.tenantId, source: FeedbackSource.SYSTEM, kind: { case: "outcome", value: ev.value.outcome! } });
        const me = inter.get(f.interactionId);
        if (!me) continue;
        if (f.kind.case === "comparison") {
          const other = inter.get(f.kind.value.otherInteractionId);
          const choice = f.kind.value.choice;
          if (!other || (choice !== ComparisonChoice.THIS && choice !== ComparisonChoice.OTHER)) continue;
          const [chosen, rejected] = choice === ComparisonChoice.THIS ? [me.answer, other.answer] : [other.answer, me.answer];
          pairs.push({ prompt: me.prompt, chosen, rejected, weight: 1, source: f.source === FeedbackSource.EXPERT ? "expert" : "comparison", segment: me.segment, intent: me.intent, id: f.feedbackId });
        } else {
          const l = answerLabelOf(f);
          if (l) singles.push({ prompt: me.prompt, answer: me.answer, ...l, segment: me.segment, intent: me.intent });
        }
      }
    }
  }
  return { world, pairs, singles };
}
