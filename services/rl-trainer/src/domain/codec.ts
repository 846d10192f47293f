// Text <-> policy tokens. The ml tokenizer collapses whitespace, but the simulated product's
// numbered steps need line breaks, so a line break travels as its own token (NEWLINE).
import { detokenize, EOS, SPECIALS, tokenize, WordVocab } from "@rlhf-loop/ml";

/** The token that stands for a line break (a single punctuation character, so tokenize keeps it whole). */
export const NEWLINE = "¶";

const SHAPE_TOKEN = /^<n(\d+)(?:\.(\d+))?>$/;
const LONG_NUMBER = /^(\d+)(?:\.(\d+))?$/;

/** Long numbers (order ids, amounts) become shape tokens such as "<n6>" or "<n2.2>": a word model
 * cannot learn each order id, and the decoder copies the prompt's number of that shape back in. */
export function numberShape(word: string): string | undefined {
  const m = LONG_NUMBER.exec(word);
  if (!m) return undefined;
  const digits = m[1]!.length + (m[2]?.length ?? 0);
  if (digits < 3) return undefined;
  return m[2] === undefined ? `<n${m[1]!.length}>` : `<n${m[1]!.length}.${m[2].length}>`;
}

/** Word tokens of a text, line breaks as NEWLINE (case kept: the policy writes cased text). */
export function answerWords(text: string): string[] {
  const out: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (i > 0) out.push(NEWLINE);
    for (const w of tokenize(line.replaceAll(NEWLINE, " "), { lowercase: false })) out.push(numberShape(w) ?? w);
  });
  return out;
}

/** Joins words back into text, NEWLINE as a line break; shape tokens take the prompt's numbers of
 * the same shape in order. With none in the prompt, a shape is written as zeros of that shape: a
 * word model with every order id in its vocabulary would write some such number too. */
export function wordsToText(words: readonly string[], prompt = ""): string {
  const numbers = new Map<string, string[]>();
  for (const w of tokenize(prompt, { lowercase: false })) {
    const shape = numberShape(w);
    if (shape) numbers.set(shape, [...(numbers.get(shape) ?? []), w]);
  }
  const used = new Map<string, number>();
  const lines: string[][] = [[]];
  for (const w of words) {
    if (w === NEWLINE) {
      lines.push([]);
      continue;
    }
    let out = w;
    const found = numbers.get(w);
    const shape = SHAPE_TOKEN.exec(w);
    if (!found && shape) out = shape[2] === undefined ? "0".repeat(Number(shape[1])) : `${"0".repeat(Number(shape[1]))}.${"0".repeat(Number(shape[2]))}`;
    if (found) {
      const k = used.get(w) ?? 0;
      out = found[Math.min(k, found.length - 1)]!;
      used.set(w, k + 1);
    }
    lines[lines.length - 1]!.push(out);
  }
  return lines.map((l) => detokenize(l)).join("\n");
}

export class AnswerCodec {
  constructor(readonly vocab: WordVocab) {}

  static build(answers: Iterable<string>, opts: { maxSize: number; minCount?: number }): AnswerCodec {
    // Counted here rather than by WordVocab.build, which would re-tokenize the shape tokens.
    const counts = new Map<string, number>();
    for (const a of answers) for (const w of answerWords(a)) counts.set(w, (counts.get(w) ?? 0) + 1);
    const words = [...counts]
      .filter(([w, c]) => c >= (opts.minCount ?? 1) && !(SPECIALS as readonly string[]).includes(w))
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, Math.max(0, opts.maxSize - SPECIALS.length))
      .map(([w]) => w);
    return new AnswerCodec(new WordVocab([...SPECIALS, ...words]));
  }

  /** Token ids of an answer, ending in <eos>. */
  encode(text: string): number[] {
    const ids = answerWords(text).map((w) => this.vocab.id(w));
    ids.push(EOS);
    return ids;
  }

  /** Text of token ids; `prompt` supplies the numbers that shape tokens stand for. */
  decode(ids: readonly number[], prompt = ""): string {
    return wordsToText(this.vocab.decodeTokens(ids), prompt);
  }
}
