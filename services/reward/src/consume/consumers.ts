// Consumers: dataset announcements queue a training run; interactions and feedback fill the
// service's own tables of unpaired evidence for the pointwise loss. Handlers are idempotent.
import { decodeRecord, type Bus, type BusRecord, type Subscription } from "@rlhf-loop/kit";
import { DatasetAnnouncementSchema, FeedbackSchema, InteractionSchema } from "@rlhf-loop/proto";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { answerLabelOf, promptText } from "../domain/evidence.js";
import type { EvidenceStore, InteractionRow, LabelRow } from "../store/evidence-store.js";
import type { RunsStore } from "../store/runs-store.js";

export async function subscribeDatasets(
  bus: Bus,
  opts: { groupId: string; topic: string; fromBeginning: boolean },
  runs: RunsStore,
  onQueued: () => void,
): Promise<Subscription> {
  return bus.subscribe({
    groupId: opts.groupId,
    topics: [opts.topic],
    fromBeginning: opts.fromBeginning,
    async handleBatch(records: readonly BusRecord[]) {
      let queued = false;
      for (const r of records) {
        const a = decodeRecord(r, DatasetAnnouncementSchema);
        const m = a.manifest;
        if (!m || !m.datasetId) continue;
        if (await runs.enqueue(m.datasetId, m.tenantId, m.evidenceTo ? timestampDate(m.evidenceTo) : null)) queued = true;
      }
      if (queued) onQueued();
    },
  });
}

export async function subscribeEvidence(
  bus: Bus,
  opts: { groupId: string; interactionsTopic: string; feedbackTopic: string; fromBeginning: boolean },
  store: EvidenceStore,
): Promise<Subscription> {
  return bus.subscribe({
    groupId: opts.groupId,
    topics: [opts.interactionsTopic, opts.feedbackTopic],
    fromBeginning: opts.fromBeginning,
    async handleBatch(records: readonly BusRecord[]) {
      const inter: InteractionRow[] = [];
      const labels: LabelRow[] = [];
      for (const r of records) {
        if (r.topic === opts.interactionsTopic) {
          const i = decodeRecord(r, InteractionSchema);
          if (!i.interactionId || !i.answer) continue;
          inter.push({ interactionId: i.interactionId, tenantId: i.tenantId, prompt: promptText(i.prompt), answer: i.answer, segment: i.segment, occurredAt: i.occurredAt ? timestampDate(i.occurredAt) : new Date(r.timestamp) });
        } else {
          const f = decodeRecord(r, FeedbackSchema);
          const l = answerLabelOf(f);
          if (!l || !f.interactionId) continue;
          labels.push({
            evidenceId: f.feedbackId || f.idempotencyKey || `${r.topic}:${r.partition}:${r.offset}`,
            interactionId: f.interactionId,
            tenantId: f.tenantId,
            ...l,
            occurredAt: f.occurredAt ? timestampDate(f.occurredAt) : new Date(r.timestamp),
          });
        }
      }
      await store.insertInteractions(inter);
      await store.insertLabels(labels);
    },
  });
}
