// A BERT WordPiece tokenizer read from a Hugging Face tokenizer.json: BertNormalizer,
// BertPreTokenizer, WordPiece, the pair template [CLS] a [SEP] b [SEP], longest-first truncation and
// padding, following huggingface/tokenizers (normalizers/bert.rs, pre_tokenizers/bert.rs,
// models/wordpiece, utils/truncation.rs) so the ids equal the Python tokenizer's.

interface AddedToken {
  readonly id: number;
  readonly content: string;
  readonly normalized?: boolean;
}

interface TemplatePiece {
  readonly SpecialToken?: { readonly id: string; readonly type_id: number };
  readonly Sequence?: { readonly id: "A" | "B"; readonly type_id: number };
}

export interface TokenizerJson {
  readonly added_tokens?: readonly AddedToken[];
  readonly normalizer?: {
    readonly type: string;
    readonly clean_text?: boolean;
    readonly handle_chinese_chars?: boolean;
    readonly strip_accents?: boolean | null;
    readonly lowercase?: boolean;
  } | null;
  readonly pre_tokenizer?: { readonly type: string } | null;
  readonly post_processor?: {
    readonly type: string;
    readonly single?: readonly TemplatePiece[];
    readonly pair?: readonly TemplatePiece[];
    readonly special_tokens?: Readonly<Record<string, { readonly ids: readonly number[] }>>;
  } | null;
  readonly truncation?: { readonly max_length: number; readonly strategy: string; readonly direction?: string; readonly stride?: number } | null;
  readonly padding?: { readonly pad_id?: number; readonly pad_type_id?: number; readonly direction?: string } | null;
  readonly model: {
    readonly type: string;
    readonly unk_token: string;
    readonly continuing_subword_prefix?: string;
    readonly max_input_chars_per_word?: number;
    readonly vocab: Readonly<Record<string, number>>;
  };
}

export interface Encoding {
  readonly ids: number[];
  readonly typeIds: number[];
  readonly attentionMask: number[];
}

const CONTROL = /^\p{C}$/u;
const WHITESPACE = /^\p{White_Space}$/u;
const PUNCT = /^\p{P}$/u;
const MARK_NONSPACING = /^\p{Mn}$/u;
const ASCII_PUNCT = new Set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~");

function isWhitespace(c: string): boolean {
  return c === "\t" || c === "\n" || c === "\r" || WHITESPACE.test(c);
}
function isControl(c: string): boolean {
  return c !== "\t" && c !== "\n" && c !== "\r" && CONTROL.test(c);
}
function isChinese(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}
function isBertPunct(c: string): boolean {
  return ASCII_PUNCT.has(c) || PUNCT.test(c);
}

export class WordPieceTokenizer {
  private readonly vocab: Map<string, number>;
  private readonly unkId: number;
  private readonly prefix: string;
  private readonly maxChars: number;
  private readonly norm: { clean: boolean; chinese: boolean; strip: boolean; lower: boolean } | undefined;
  private readonly added: readonly AddedToken[];
  private readonly addedPattern: RegExp | undefined;
  private readonly single: readonly TemplatePiece[];
  private readonly pair: readonly TemplatePiece[];
  private readonly specialIds: ReadonlyMap<string, readonly number[]>;
  readonly maxLength: number | undefined;
  readonly padId: number;

  constructor(json: TokenizerJson) {
    if (json.model.type !== "WordPiece") throw new Error(`tokenizer.json: model.type ${json.model.type} is not WordPiece`);
    if (json.pre_tokenizer && json.pre_tokenizer.type !== "BertPreTokenizer") {
      throw new Error(`tokenizer.json: pre_tokenizer.type ${json.pre_tokenizer.type} is not supported (BertPreTokenizer only)`);
    }
    if (json.normalizer && json.normalizer.type !== "BertNormalizer") {
      throw new Error(`tokenizer.json: normalizer.type ${json.normalizer.type} is not supported (BertNormalizer only)`);
    }
    if (json.post_processor && json.post_processor.type !== "TemplateProcessing") {
      throw new Error(`tokenizer.json: post_processor.type ${json.post_processor.type} is not supported (TemplateProcessing only)`);
    }
    const t = json.truncation;
    if (t && (t.strategy !== "LongestFirst" || (t.direction ?? "Right") !== "Right" || (t.stride ?? 0) !== 0)) {
      throw new Error("tokenizer.json: only right-side LongestFirst truncation without stride is supported");
    }
    this.vocab = new Map(Object.entries(json.model.vocab));
    const unk = this.vocab.get(json.model.unk_token);
    if (unk === undefined) throw new Error(`tokenizer.json: unk_token ${json.model.unk_token} not in the vocabulary`);
    this.unkId = unk;
    this.prefix = json.model.continuing_subword_prefix ?? "##";
    this.maxChars = json.model.max_input_chars_per_word ?? 100;
    const n = json.normalizer;
    this.norm = n
      ? { clean: n.clean_text ?? true, chinese: n.handle_chinese_chars ?? true, lower: n.lowercase ?? true, strip: n.strip_accents ?? n.lowercase ?? true }
      : undefined;
    this.added = [...(json.added_tokens ?? [])].sort((a, b) => b.content.length - a.content.length);
    this.addedPattern = this.added.length
      ? new RegExp(this.added.map((a) => a.content.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "gu")
      : undefined;
    const pp = json.post_processor;
    this.single = pp?.single ?? [];
    this.pair = pp?.pair ?? [];
    this.specialIds = new Map(Object.entries(pp?.special_tokens ?? {}).map(([k, v]) => [k, v.ids]));
    this.maxLength = t?.max_length;
    this.padId = json.padding?.pad_id ?? 0;
  }

  normalize(text: string): string {
    const n = this.norm;
    if (!n) return text;
    let chars = Array.from(text);
    if (n.clean) chars = chars.filter((c) => c !== "\u0000" && c !== "\ufffd" && !isControl(c)).map((c) => (isWhitespace(c) ? " " : c));
    if (n.chinese) chars = chars.flatMap((c) => (isChinese(c.codePointAt(0)!) ? [" ", c, " "] : [c]));
    let s = chars.join("");
    if (n.strip) s = Array.from(s.normalize("NFD")).filter((c) => !MARK_NONSPACING.test(c)).join("");
    // Per character, as the Rust normalizer does (no context-dependent final sigma).
    if (n.lower) s = Array.from(s, (c) => c.toLowerCase()).join("");
    return s;
  }

  /** BertPreTokenizer: split on whitespace, each punctuation character its own word. */
  preTokenize(text: string): string[] {
    const words: string[] = [];
    let cur = "";
    for (const c of text) {
      if (isWhitespace(c)) {
        if (cur) words.push(cur);
        cur = "";
      } else if (isBertPunct(c)) {
        if (cur) words.push(cur);
        words.push(c);
        cur = "";
      } else {
        cur += c;
      }
    }
    if (cur) words.push(cur);
    return words;
  }

  /** Greedy longest-match-first WordPiece; a word that cannot be covered is one [UNK]. */
  wordPiece(word: string): number[] {
    const chars = Array.from(word);
    if (chars.length > this.maxChars) return [this.unkId];
    const out: number[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let found: number | undefined;
      while (start < end) {
        const sub = (start > 0 ? this.prefix : "") + chars.slice(start, end).join("");
        const id = this.vocab.get(sub);
        if (id !== undefined) {
          found = id;
          break;
        }
        end--;
      }
      if (found === undefined) return [this.unkId];
      out.push(found);
      start = end;
    }
    return out;
  }

  /** Token ids of one text, without special tokens (added tokens in the raw text are kept whole). */
  tokenize(text: string): number[] {
    const ids: number[] = [];
    const segment = (s: string): void => {
      for (const w of this.preTokenize(this.normalize(s))) ids.push(...this.wordPiece(w));
    };
    if (!this.addedPattern) {
      segment(text);
      return ids;
    }
    let last = 0;
    for (const m of text.matchAll(this.addedPattern)) {
      segment(text.slice(last, m.index));
      ids.push(this.added.find((a) => a.content === m[0])!.id);
      last = m.index + m[0].length;
    }
    segment(text.slice(last));
    return ids;
  }

  private template(pieces: readonly TemplatePiece[], a: number[], b: number[] | undefined): Encoding {
    const ids: number[] = [];
    const typeIds: number[] = [];
    for (const p of pieces) {
      if (p.SpecialToken) {
        const sp = this.specialIds.get(p.SpecialToken.id) ?? [this.vocab.get(p.SpecialToken.id) ?? this.unkId];
        for (const id of sp) {
          ids.push(id);
          typeIds.push(p.SpecialToken.type_id);
        }
      } else if (p.Sequence) {
        const seq = p.Sequence.id === "A" ? a : (b ?? []);
        for (const id of seq) {
          ids.push(id);
          typeIds.push(p.Sequence.type_id);
        }
      }
    }
    return { ids, typeIds, attentionMask: ids.map(() => 1) };
  }

  private specialCount(pieces: readonly TemplatePiece[]): number {
    return pieces.reduce((s, p) => s + (p.SpecialToken ? (this.specialIds.get(p.SpecialToken.id)?.length ?? 1) : 0), 0);
  }

  /** Encodes a text, or a pair (text, pair), with special tokens and truncation. */
  encode(text: string, pair?: string): Encoding {
    let a = this.tokenize(text);
    let b = pair === undefined ? undefined : this.tokenize(pair);
    const pieces = b === undefined ? this.single : this.pair;
    if (this.maxLength !== undefined) {
      const max = Math.max(0, this.maxLength - this.specialCount(pieces));
      [a, b] = truncateLongestFirst(a, b, max);
    }
    if (pieces.length === 0) {
      const ids = [...a, ...(b ?? [])];
      return { ids, typeIds: [...a.map(() => 0), ...(b ?? []).map(() => 1)], attentionMask: ids.map(() => 1) };
    }
    return this.template(pieces, a, b);
  }
}

/** huggingface/tokenizers utils/truncation.rs, LongestFirst, right side, no stride. */
export function truncateLongestFirst(a: number[], b: number[] | undefined, max: number): [number[], number[] | undefined] {
  if (b === undefined) return [a.slice(0, max), undefined];
  if (a.length + b.length <= max) return [a, b];
  // n1: the shorter input's length; n2: what the longer may keep.
  const swap = a.length > b.length;
  let n1 = Math.min(a.length, b.length);
  let n2 = n1 > max ? n1 : Math.max(n1, max - n1);
  if (n1 + n2 > max) {
    n1 = Math.floor(max / 2);
    n2 = n1 + (max % 2);
  }
  if (swap) [n1, n2] = [n2, n1];
  return [a.slice(0, n1), b.slice(0, n2)];
}
