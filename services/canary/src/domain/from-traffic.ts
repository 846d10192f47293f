// Canary tasks from held-out logged traffic: a stratified sample, each with its intent's checks and
// any held-out expert comparisons on it.
import { checksFor, type ChecksTemplate } from "./checks-template.js";
import { stratifiedSample } from "./sampling.js";
import type { CanaryTask, ExpertComparison } from "./types.js";

export interface LoggedChat {
  readonly interactionId: string;
  readonly intent: string;
  readonly segment: string;
  readonly prompt: string;
  readonly answer: string;
}

export function tasksFromTraffic(
  chats: readonly LoggedChat[],
  opts: { size: number; seed: number; template: ChecksTemplate; comparisons?: ReadonlyMap<string, readonly ExpertComparison[]> },
): CanaryTask[] {
  // One task per distinct prompt: the same question asked twice would weigh double.
  const seen = new Set<string>();
  const unique = chats.filter((c) => {
    const key = c.prompt.trim().toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const picked = stratifiedSample(unique, opts.size, opts.seed);
  return picked.map((i) => {
    const c = unique[i]!;
    return {
      taskId: c.interactionId,
      intent: c.intent || "unknown",
      segment: c.segment,
      prompt: c.prompt,
      loggedAnswer: c.answer,
      checks: checksFor(opts.template, c.intent),
      expertComparisons: opts.comparisons?.get(c.interactionId) ?? [],
      sourceInteractionId: c.interactionId,
    };
  });
}
