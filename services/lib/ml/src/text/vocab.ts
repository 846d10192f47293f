// The policy's word vocabulary: specials first, then words by count (ties alphabetical), so the
// same corpus always yields the same ids.
import { tokenize } from "./tokenize.js";

export const SPECIALS = ["<pad>", "<bos>", "<eos>", "<unk>"] as const;
export const PAD = 0;
export const BOS = 1;
export const EOS = 2;
export const UNK = 3;

export interface VocabJson {
  readonly words: readonly string[];
}

export class WordVocab {
  private readonly index: Map<string, number>;

  constructor(readonly words: readonly string[]) {
    SPECIALS.forEach((s, i) => {
      if (words[i] !== s) throw new Error(`vocabulary must start with ${SPECIALS.join(" ")}`);
    });
    this.index = new Map(words.map((w, i) => [w, i]));
    if (this.index.size !== words.length) throw new Error("vocabulary has duplicate words");
  }

  static build(texts: Iterable<string>, opts: { maxSize: number; minCount?: number; lowercase?: boolean }): WordVocab {
    const counts = new Map<string, number>();
    for (const t of texts) for (const w of tokenize(t, { lowercase: opts.lowercase ?? false })) counts.set(w, (counts.get(w) ?? 0) + 1);
    const words = [...counts]
      .filter(([w, c]) => c >= (opts.minCount ?? 1) && !(SPECIALS as readonly string[]).includes(w))
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, Math.max(0, opts.maxSize - SPECIALS.length))
      .map(([w]) => w);
    return new WordVocab([...SPECIALS, ...words]);
  }

  static fromJSON(j: VocabJson): WordVocab {
    return new WordVocab(j.words);
  }

  toJSON(): VocabJson {
    return { words: this.words };
  }

  get size(): number {
    return this.words.length;
  }

  id(word: string): number {
    return this.index.get(word) ?? UNK;
  }

  word(id: number): string {
    const w = this.words[id];
    if (w === undefined) throw new Error(`token id ${id} outside the vocabulary of ${this.words.length}`);
    return w;
  }

  /** Token ids of a text, followed by <eos> when asked. */
  encode(text: string, opts: { eos?: boolean; lowercase?: boolean } = {}): number[] {
    const ids = tokenize(text, { lowercase: opts.lowercase ?? false }).map((w) => this.id(w));
    if (opts.eos) ids.push(EOS);
    return ids;
  }

  /** Words of the ids up to the first <eos>, specials dropped. */
  decodeTokens(ids: readonly number[]): string[] {
    const out: string[] = [];
    for (const i of ids) {
      if (i === EOS) break;
      if (i === PAD || i === BOS) continue;
      out.push(this.word(i));
    }
    return out;
  }
}
