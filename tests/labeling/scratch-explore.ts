import { create } from "@bufbuild/protobuf";
import { FeedbackSchema, FeedbackSource, OutcomeSchema } from "@rlhf-loop/proto";
import { createWorld, defaultWorldConfig } from "@rlhf-loop/sim";
import { PairBuilder } from "../../services/labeling/src/domain/pair-builder.ts";
import { defaultSignalPolicy } from "../../services/labeling/src/domain/signals.ts";
import { answerFromInteraction, feedbackEventOf } from "../../services/labeling/src/domain/from-proto.ts";
import { weighPairs, noWeightingPolicy } from "../../services/labeling/src/domain/weighting.ts";
const t0 = performance.now();
const world = createWorld(defaultWorldConfig(), 42);
const b = new PairBuilder(defaultSignalPolicy);
const gold = new Map<string, number>();
const pairs: any[] = [];
let n = 0;
for await (const e of world.events({ days: 7, tail: true })) {
  n++;
  const ev = e.event.event;
  if (ev.case === "interaction") {
    gold.set(ev.value.interactionId, e.interaction!.gold);
    const r = answerFromInteraction(ev.value, e.at);
    if ("record" in r) pairs.push(...b.addAnswer(r.record));
  } else if (ev.case === "feedback") {
    const r = feedbackEventOf(ev.value, e.at);
    if ("event" in r) pairs.push(...b.addFeedback(r.event));
  } else if (ev.case === "outcome") {
    const o = ev.value;
    const f = create(FeedbackSchema, { interactionId: o.interactionId, tenantId: o.tenantId, idempotencyKey: o.idempotencyKey, occurredAt: o.occurredAt, source: FeedbackSource.SYSTEM, kind: { case: "outcome", value: o.outcome! } });
    const r = feedbackEventOf(f, e.at);
    if ("event" in r) pairs.push(...b.addFeedback(r.event));
  }
}
console.log("events", n, "ms", performance.now() - t0, b.stats);
const bySrc: Record<string, number> = {};
for (const p of pairs) bySrc[p.source] = (bySrc[p.source] ?? 0) + 1;
console.log(bySrc);
function agree(ws: number[], filter = (p: any) => true) {
  let a = 0, t = 0;
  pairs.forEach((p, i) => { if (!filter(p)) return; const gc = gold.get(p.chosenId)!, gr = gold.get(p.rejectedId)!; if (gc === gr) return; t += ws[i]!; if (gc > gr) a += ws[i]!; });
  return a / t;
}
const raw = weighPairs(pairs, noWeightingPolicy);
console.log("raw", agree(raw.pairWeights), raw.heavyShareBefore);
for (const src of Object.keys(bySrc)) console.log(src, agree(raw.pairWeights, (p) => p.source === src));
const segs = new Map<string, number>();
for (const p of pairs) for (const c of p.contributions) segs.set(c.segment, (segs.get(c.segment) ?? 0) + c.weight);
console.log(segs, world.segmentShares(0));
for (const cap of [1, 2, 3, 5]) for (const hs of [0.15, 0.25]) {
  const w = weighPairs(pairs, { ...noWeightingPolicy, raterCapPerWindow: cap, heavyShareMax: hs, segmentTargets: { enterprise: 0.34, smb: 0.33, consumer: 0.33 } });
  const w2 = weighPairs(pairs, { ...noWeightingPolicy, raterCapPerWindow: cap, heavyShareMax: hs });
  console.log(cap, hs, "caps+seg", agree(w.pairWeights).toFixed(4), "caps", agree(w2.pairWeights).toFixed(4), w.heavyShareBefore.toFixed(3), w.heavyShareAfter.toFixed(3));
}

const truth = world.truth();
const heavy = new Set(truth.users.filter((u) => u.heavy).map((u) => u.id));
for (const src of Object.keys(bySrc)) {
  console.log(src, "heavy-involved", agree(raw.pairWeights, (p) => p.source === src && p.contributions.some((c: any) => heavy.has(c.raterId))).toFixed(3),
    "light", agree(raw.pairWeights, (p) => p.source === src && !p.contributions.some((c: any) => heavy.has(c.raterId))).toFixed(3),
    "n heavy", pairs.filter((p) => p.source === src && p.contributions.some((c: any) => heavy.has(c.raterId))).length);
}
for (const seg of ["enterprise","smb","consumer"]) console.log(seg, agree(raw.pairWeights, (p) => p.contributions.some((c: any) => c.segment === seg)).toFixed(3));
console.log(pairs.length, pairs.filter((p) => p.source === "outcome").length, new Set(pairs.map((p) => p.pairId)).size);
const cnt = new Map<string, number>();
for (const p of pairs) for (const c of p.contributions) if (heavy.has(c.raterId)) cnt.set(c.raterId, (cnt.get(c.raterId) ?? 0) + 1);
console.log([...cnt].sort((a, b) => b[1] - a[1]).slice(0, 10), heavy.size, truth.users.length);
