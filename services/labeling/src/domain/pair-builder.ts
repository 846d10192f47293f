import type { Answer, FeedbackEvent, PairDraft, Vote } from "./model.js";
import { comparisonPair, pairsForVote } from "./pairing.js";
import { groupKeyFor, turnKey } from "./prompt.js";
import type { IgnoreReason, SignalPolicy, VoteContext } from "./signals.js";
import { voteOf } from "./signals.js";

/** An answer as the builder receives it: the group key is decided by the builder. */
export type NewAnswer = Omit<Answer, "groupKey">;

export interface BuilderStats {
  answers: number;
  feedback: number;
  duplicates: number;
  votes: number;
  pairs: number;
  /** Feedback waiting for its interaction(s). */
  pending: number;
  ignored: Partial<Record<IgnoreReason, number>>;
}

interface GroupState {
  /** Newest last; bounded to `keep` per direction. */
  up: Vote[];
  down: Vote[];
}

/**
 * The pair rules over an in-memory stream of interactions and feedback, in arrival order.
 * The service applies the same pure rules against Postgres (consume/); this builder is the
 * reference the tests and the benchmark run, and what the evidence tests measure.
 */
export class PairBuilder {
  private readonly answers = new Map<string, Answer>();
  private readonly turns = new Map<string, string>();
  private readonly conversations = new Map<string, Map<number, number>>();
  private readonly groups = new Map<string, GroupState>();
  private readonly pending = new Map<string, FeedbackEvent[]>();
  private readonly seen = new Set<string>();
  private readonly keep: number;
  private activeRubric: string | undefined;
  readonly stats: BuilderStats = { answers: 0, feedback: 0, duplicates: 0, votes: 0, pairs: 0, pending: 0, ignored: {} };
  private readonly ctx: VoteContext = {
    laterTurnBefore: (a, atMs) => {
      const turns = this.conversations.get(`${a.tenantId}\u001f${a.conversationId}`);
      if (!turns || a.conversationId === "") return false;
      for (const [turn, at] of turns) if (turn > a.turnIndex && at <= atMs) return true;
      return false;
    },
  };

  constructor(private readonly policy: SignalPolicy) {
    // Extra room so partners on the vote's own answer can be skipped without starving it.
    this.keep = Math.max(4, policy.partnersPerVote * 3);
  }

  /** Expert comparisons under another version than this are marked superseded. */
  setActiveRubric(version: string | undefined): void {
    this.activeRubric = version;
  }

  answer(tenantId: string, interactionId: string): Answer | undefined {
    return this.answers.get(`${tenantId}\u001f${interactionId}`);
  }

  /** Adds an interaction; returns the pairs of feedback that was waiting for it. */
  addAnswer(a: NewAnswer): PairDraft[] {
    const key = `${a.tenantId}\u001f${a.interactionId}`;
    if (this.answers.has(key)) return [];
    const tk = turnKey(a);
    const origin = a.regeneratedFrom ? this.answer(a.tenantId, a.regeneratedFrom) : undefined;
    const groupKey = groupKeyFor(a, { turnGroup: tk ? this.turns.get(tk) : undefined, originGroup: origin?.groupKey });
    // Only what pairing needs: the texts a caller may pass along (AnswerRecord) are not kept.
    const answer: Answer = {
      tenantId: a.tenantId,
      interactionId: a.interactionId,
      conversationId: a.conversationId,
      turnIndex: a.turnIndex,
      promptHash: a.promptHash,
      groupKey,
      answerHash: a.answerHash,
      segment: a.segment,
      modelVersion: a.modelVersion,
      regeneratedFrom: a.regeneratedFrom,
      atMs: a.atMs,
    };
    this.answers.set(key, answer);
    this.stats.answers++;
    if (tk && !this.turns.has(tk)) this.turns.set(tk, groupKey);
    if (a.conversationId !== "") {
      const ck = `${a.tenantId}\u001f${a.conversationId}`;
      let turns = this.conversations.get(ck);
      if (!turns) this.conversations.set(ck, (turns = new Map()));
      const prev = turns.get(a.turnIndex);
      if (prev === undefined || a.atMs < prev) turns.set(a.turnIndex, a.atMs);
    }
    const waiting = this.pending.get(key);
    if (!waiting) return [];
    this.pending.delete(key);
    this.stats.pending -= waiting.length;
    const out: PairDraft[] = [];
    for (const ev of waiting) out.push(...this.apply(ev));
    return out;
  }

  /** Adds a feedback event; returns the pairs it completes (none while its interaction is unknown). */
  addFeedback(ev: FeedbackEvent): PairDraft[] {
    const id = `${ev.tenantId}\u001f${ev.feedbackId}`;
    if (this.seen.has(id)) {
      this.stats.duplicates++;
      return [];
    }
    this.seen.add(id);
    this.stats.feedback++;
    return this.apply(ev);
  }

  private park(ev: FeedbackEvent, interactionId: string): PairDraft[] {
    const key = `${ev.tenantId}\u001f${interactionId}`;
    const list = this.pending.get(key);
    if (list) list.push(ev);
    else this.pending.set(key, [ev]);
    this.stats.pending++;
    return [];
  }

  private ignore(reason: IgnoreReason): PairDraft[] {
    this.stats.ignored[reason] = (this.stats.ignored[reason] ?? 0) + 1;
    return [];
  }

  private apply(ev: FeedbackEvent): PairDraft[] {
    const self = this.answer(ev.tenantId, ev.interactionId);
    if (!self) return this.park(ev, ev.interactionId);
    if (ev.fact.kind === "comparison") {
      const other = this.answer(ev.tenantId, ev.fact.otherId);
      if (!other) return this.park(ev, ev.fact.otherId);
      const d = comparisonPair(ev, self, other, this.policy, this.activeRubric);
      if ("ignored" in d) return this.ignore(d.ignored);
      this.stats.pairs++;
      return [d.pair];
    }
    const d = voteOf(ev, self, this.policy, this.ctx);
    if ("ignored" in d) return this.ignore(d.ignored);
    const vote = d.vote;
    this.stats.votes++;
    let g = this.groups.get(vote.groupKey);
    if (!g) this.groups.set(vote.groupKey, (g = { up: [], down: [] }));
    const opposite = vote.direction === 1 ? g.down : g.up;
    // Newest first.
    const partners: Vote[] = [];
    for (let i = opposite.length - 1; i >= 0; i--) partners.push(opposite[i] as Vote);
    const pairs = pairsForVote(vote, partners, this.policy);
    for (const p of pairs) p.promptHash = self.promptHash;
    const same = vote.direction === 1 ? g.up : g.down;
    same.push(vote);
    if (same.length > this.keep) same.shift();
    this.stats.pairs += pairs.length;
    return pairs;
  }
}
