// The canary's consumers: held-out traffic and expert comparisons for canary sets, checkpoints to
// test, and every interaction and feedback event for the weekly production watch.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { decodeRecord, type Bus, type Logger, type Subscription } from "@rlhf-loop/kit";
import { ComparisonChoice, FeedbackSchema, FeedbackSource, InteractionSchema, PolicyAnnouncementSchema, isCanaryHoldout, type Feedback, type Interaction } from "@rlhf-loop/proto";
import { customerText } from "@rlhf-loop/sim";
import type { CanaryMetrics } from "../metrics.js";
import type { CanaryRunner } from "../run/canary-runner.js";
import type { CanaryStore, ExpertComparisonRow, TrafficRow } from "../store/canary-store.js";

export interface WatchSink {
  interactions(list: readonly Interaction[]): Promise<void>;
  feedback(list: readonly Feedback[]): Promise<void>;
}

export interface ConsumerDeps {
  readonly bus: Bus;
  readonly store: CanaryStore;
  readonly runner: CanaryRunner;
  readonly metrics: CanaryMetrics;
  readonly logger: Logger;
  readonly watch: WatchSink;
  readonly topics: { readonly interactions: string; readonly feedback: string; readonly policies: string };
  readonly groupPrefix: string;
  /** Run the canary on every final checkpoint announced. */
  readonly autoRun: boolean;
}

function trafficRow(i: Interaction): TrafficRow {
  return {
    tenantId: i.tenantId,
    interactionId: i.interactionId,
    conversationId: i.conversationId,
    intent: i.metadata["intent"] || "unknown",
    segment: i.segment,
    purpose: i.regeneratedFrom ? "regenerate" : i.metadata["purpose"] || "chat",
    prompt: customerText(i.prompt.map((m) => ({ role: m.role, content: m.content }))),
    answer: i.answer,
    occurredAt: i.occurredAt ? timestampDate(i.occurredAt) : null,
  };
}

/**
 * A stopping consumer waits for its fetch in flight: 1 s instead of kafkajs's 5 s keeps the
 * shutdown's "stop consumers" step short (records still arrive as soon as there are any).
 */
const FETCH_MAX_WAIT_MS = 1_000;

export async function startConsumers(d: ConsumerDeps): Promise<Subscription[]> {
  const t = d.topics;
  await d.bus.ensureTopics([t.interactions, `${t.interactions}.dlq`, t.feedback, `${t.feedback}.dlq`, t.policies, `${t.policies}.dlq`]);
  const subs: Subscription[] = [];
  subs.push(
    await d.bus.subscribe({
      groupId: `${d.groupPrefix}.interactions`, topics: [t.interactions], fromBeginning: true, maxAttempts: 5, fetchMaxWaitMs: FETCH_MAX_WAIT_MS,
      handleBatch: async (records) => {
        const all = records.map((r) => decodeRecord(r, InteractionSchema));
        const held = all.filter((i) => i.answer && i.prompt.length > 0 && isCanaryHoldout(i.tenantId, i.conversationId, i.interactionId));
        await d.store.insertTraffic(held.map(trafficRow));
        for (const i of held) d.metrics.trafficHeldOut.inc({ tenant: i.tenantId });
        await d.watch.interactions(all);
      },
    }),
    await d.bus.subscribe({
      groupId: `${d.groupPrefix}.feedback`, topics: [t.feedback], fromBeginning: true, maxAttempts: 5, fetchMaxWaitMs: FETCH_MAX_WAIT_MS,
      handleBatch: async (records) => {
        const all = records.map((r) => decodeRecord(r, FeedbackSchema));
        const rows: ExpertComparisonRow[] = [];
        for (const f of all) {
          if (f.source !== FeedbackSource.EXPERT || f.kind.case !== "comparison") continue;
          const c = f.kind.value;
          const choice = c.choice === ComparisonChoice.THIS ? "this" : c.choice === ComparisonChoice.OTHER ? "other" : c.choice === ComparisonChoice.TIE ? "tie" : undefined;
          if (!choice || !c.otherInteractionId) continue;
          rows.push({ tenantId: f.tenantId, feedbackId: f.feedbackId || f.idempotencyKey, interactionId: f.interactionId, otherInteractionId: c.otherInteractionId, choice, raterId: f.raterId, rubricVersion: f.rubricVersion });
        }
        // Only comparisons whose answers are held out can ever join a canary task; the join happens at set creation.
        await d.store.insertExpertComparisons(rows);
        await d.watch.feedback(all);
      },
    }),
    await d.bus.subscribe({
      groupId: `${d.groupPrefix}.policies`, topics: [t.policies], fromBeginning: true, maxAttempts: 5, fetchMaxWaitMs: FETCH_MAX_WAIT_MS,
      handleBatch: async (records) => {
        for (const r of records) {
          const p = decodeRecord(r, PolicyAnnouncementSchema);
          await d.store.upsertPolicy({ policyVersion: p.policyVersion, tenantId: p.tenantId, runId: p.runId, rewardModelId: p.rewardModelId, final: p.final, createdAt: p.createdAt ? timestampDate(p.createdAt) : null, stopReason: p.stopReason, stopDetail: p.stopDetail });
          if (!p.final || !d.autoRun) continue;
          try {
            await d.runner.request({ tenantId: p.tenantId, candidateVersion: p.policyVersion, canarySetId: "", rewardModelId: "" });
          } catch (err) {
            // No canary set yet is the team's to fix, not a reason to block the topic: logged and counted.
            d.logger.warn({ err, policyVersion: p.policyVersion, tenant: p.tenantId }, "final checkpoint not canaried");
            d.metrics.runs.inc({ tenant: p.tenantId, decision: "failed" });
          }
        }
      },
    }),
  );
  return subs;
}
