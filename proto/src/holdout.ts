// The canary holdout: which conversations are kept out of every training set so the canary set,
// sampled from them, measures a policy on traffic it never learned from. Every service applies the
// same rule to the event itself, so no service needs another's tables to honour it.

/** One conversation in this many is held out (5%). */
export const CANARY_HOLDOUT_MODULUS = 20;

/** 32-bit FNV-1a; pure so the browser SDK can import the contracts package too. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * True when the conversation (all its turns and regenerations) belongs to the canary holdout.
 * Keyed by tenant and conversation id, falling back to the interaction id when a client sends none.
 */
export function isCanaryHoldout(tenantId: string, conversationId: string, interactionId = ""): boolean {
  const key = conversationId || interactionId;
  if (!key) return false;
  return fnv1a(`${tenantId}\u0000${key}`) % CANARY_HOLDOUT_MODULUS === 0;
}
