import type { WorldConfig } from "../config/schema.js";
import { INTENT_IDS, type IntentId } from "../domain/intents.js";

/** True from the drift day on. */
export function afterDrift(config: WorldConfig, day: number): boolean {
  return config.drift.enabled && day >= config.drift.day;
}

/** Traffic share of each segment on a day (normalised, in config order). */
export function segmentShares(config: WorldConfig, day: number): number[] {
  const raw = config.segments.map((s) => (afterDrift(config, day) ? s.shareAfterDrift : s.share));
  const total = raw.reduce((a, b) => a + b, 0);
  return raw.map((x) => x / total);
}

/**
 * A segment's intent mix on a day: base mix times the segment's factors, without the drift's
 * new intent before the drift day; from the drift day on, the new intent takes newIntentShare.
 */
export function segmentIntentMix(config: WorldConfig, segmentIndex: number, day: number): Record<IntentId, number> {
  const seg = config.segments[segmentIndex];
  if (!seg) throw new RangeError(`no segment ${segmentIndex}`);
  const fresh = config.drift.enabled ? config.drift.newIntent : undefined;
  const mix = {} as Record<IntentId, number>;
  let total = 0;
  for (const id of INTENT_IDS) {
    const w = id === fresh ? 0 : config.intents[id] * (seg.intentFactors[id] ?? 1);
    mix[id] = w;
    total += w;
  }
  const after = afterDrift(config, day);
  const newShare = after && fresh !== undefined ? config.drift.newIntentShare : 0;
  for (const id of INTENT_IDS) mix[id] = (mix[id] / total) * (1 - newShare);
  if (fresh !== undefined && after) mix[fresh] = newShare;
  return mix;
}

/** Expected intent mix of all traffic on a day. */
export function intentMix(config: WorldConfig, day: number): Record<IntentId, number> {
  const shares = segmentShares(config, day);
  const out = Object.fromEntries(INTENT_IDS.map((id) => [id, 0])) as Record<IntentId, number>;
  shares.forEach((share, si) => {
    const mix = segmentIntentMix(config, si, day);
    for (const id of INTENT_IDS) out[id] += share * mix[id];
  });
  return out;
}
