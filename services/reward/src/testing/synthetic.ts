// Small synthetic preference sets for tests and benchmarks: the chosen answer carries "good" words,
// or (lengthBiased) is simply the longer one.
import { Prng } from "@rlhf-loop/ml";
import type { ExampleSource, TrainPair, TrainSingle } from "../domain/examples.js";

const TOPICS = ["refund", "password", "shipping", "billing", "cancel", "invoice", "account", "delivery", "order", "charge"];
const GOOD = ["resolved", "approved", "here are the steps", "per our policy", "I have processed", "you will receive"];
const BAD = ["no idea", "not my problem", "try again later", "whatever", "cannot say", "ask someone else"];
const FILLER = ["the", "your", "request", "about", "this", "we", "today", "team", "note", "update", "details", "case"];

function words(rng: Prng, n: number): string {
  return Array.from({ length: n }, () => FILLER[rng.int(FILLER.length)]!).join(" ");
}

export function syntheticPairs(n: number, opts: { seed?: number; lengthBiased?: boolean; prompts?: number; sources?: readonly ExampleSource[] } = {}): TrainPair[] {
  const rng = new Prng(opts.seed ?? 1);
  const prompts = opts.prompts ?? Math.max(10, Math.floor(n / 4));
  const sources = opts.sources ?? ["expert", "thumbs", "outcomes"];
  return Array.from({ length: n }, (_, i) => {
    const k = rng.int(prompts);
    const topic = TOPICS[k % TOPICS.length]!;
    const prompt = `question ${k} about my ${topic}`;
    let chosen: string;
    let rejected: string;
    if (opts.lengthBiased) {
      chosen = `${topic} ${words(rng, 14 + rng.int(10))}`;
      rejected = `${topic} ${words(rng, 2 + rng.int(5))}`;
    } else {
      const len = 4 + rng.int(8);
      chosen = `${GOOD[rng.int(GOOD.length)]} ${topic} ${words(rng, len)}`;
      rejected = `${BAD[rng.int(BAD.length)]} ${topic} ${words(rng, 4 + rng.int(8))}`;
    }
    return { prompt, chosen, rejected, weight: 1, source: sources[i % sources.length]!, segment: i % 2 ? "smb" : "enterprise", intent: topic, id: `p${i}` };
  });
}

export function syntheticSingles(n: number, opts: { seed?: number; prompts?: number } = {}): TrainSingle[] {
  const rng = new Prng(opts.seed ?? 2);
  const prompts = opts.prompts ?? Math.max(10, Math.floor(n / 4));
  return Array.from({ length: n }, () => {
    const k = rng.int(prompts);
    const topic = TOPICS[k % TOPICS.length]!;
    const good = rng.next() < 0.5;
    const answer = `${good ? GOOD[rng.int(GOOD.length)] : BAD[rng.int(BAD.length)]} ${topic} ${words(rng, 4 + rng.int(8))}`;
    return { prompt: `question ${k} about my ${topic}`, answer, label: good ? 1 : 0, weight: 1, source: "thumbs" as const };
  });
}
