// "Users ask the same question twice": a question repeats when the same user asked the same text, or a
// near-duplicate (token Jaccard >= 0.8), less than 24 h earlier. A rising rate means answers stopped
// resolving what people ask.

/** Lowercased, NFKC, letters and digits only, single spaces. */
export function normalizeQuestion(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** |A ∩ B| / |A ∪ B| of two token sets (1 when both are empty). */
export function tokenJaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let both = 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const t of small) if (large.has(t)) both++;
  return both / (a.size + b.size - both);
}

interface Asked {
  at: number;
  text: string;
  tokens: ReadonlySet<string>;
  repeat: boolean;
  /** Whatever the caller attributes the question to (its week). */
  tag: string;
}

export interface RepeatOptions {
  /** How close in time two questions must be (ms, default 24 h). */
  windowMs: number;
  /** Near-duplicate when the token Jaccard is at least this (default 0.8). */
  jaccard: number;
}

export const DEFAULT_REPEAT_OPTIONS: RepeatOptions = { windowMs: 24 * 3_600_000, jaccard: 0.8 };

/**
 * Remembers each user's questions of the last window. `ask` returns the tags of questions that became
 * repeats: the new one (when an earlier similar question exists) and, for events arriving out of
 * order, a later similar question that was counted as first before this earlier one arrived. So a
 * question is a repeat exactly when a similar question of the same user came before it within the
 * window, whatever order the events arrive in.
 */
export class RepeatTracker {
  private readonly byUser = new Map<string, Asked[]>();
  private readonly opts: RepeatOptions;

  constructor(opts: Partial<RepeatOptions> = {}) {
    this.opts = { ...DEFAULT_REPEAT_OPTIONS, ...opts };
    if (!(this.opts.windowMs > 0)) throw new RangeError(`RepeatTracker: windowMs must be > 0, got ${this.opts.windowMs}`);
    if (!(this.opts.jaccard > 0 && this.opts.jaccard <= 1)) throw new RangeError(`RepeatTracker: jaccard must be in (0, 1], got ${this.opts.jaccard}`);
  }

  /** Records a question; returns the tags of the questions that are now counted as repeats. Empty text is ignored. */
  ask(user: string, at: number, question: string, tag: string): string[] {
    const text = normalizeQuestion(question);
    if (text === "") return [];
    const tokens = new Set(text.split(" "));
    const list = this.byUser.get(user) ?? [];
    const similar = (q: Asked) => q.text === text || tokenJaccard(q.tokens, tokens) >= this.opts.jaccard;
    const out: string[] = [];
    let repeat = false;
    for (const q of list) {
      if (Math.abs(q.at - at) > this.opts.windowMs || !similar(q)) continue;
      if (q.at <= at) repeat = true;
      else if (!q.repeat) {
        q.repeat = true;
        out.push(q.tag);
      }
    }
    list.push({ at, text, tokens, repeat, tag });
    this.byUser.set(user, list);
    if (repeat) out.push(tag);
    return out;
  }

  /** Forgets questions older than `beforeMs` (call with the newest event time minus window and slack). */
  prune(beforeMs: number): void {
    for (const [user, list] of this.byUser) {
      const kept = list.filter((q) => q.at >= beforeMs);
      if (kept.length === 0) this.byUser.delete(user);
      else if (kept.length !== list.length) this.byUser.set(user, kept);
    }
  }

  get users(): number {
    return this.byUser.size;
  }
}
