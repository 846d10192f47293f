// Pair encoding for brought Hugging Face reward models with @huggingface/tokenizers (tokenizers.js):
// it runs the tokenizer.json's normalizer, pre-tokenizer, model and post-processor. It does not
// apply the file's `truncation` section, so that step is done here, with huggingface/tokenizers'
// LongestFirst algorithm (ml's truncateLongestFirst), before the post-processor adds [CLS]/[SEP].
import { Tokenizer } from "@huggingface/tokenizers";
import { truncateLongestFirst } from "@rlhf-loop/ml";

export interface PairEncoding {
  readonly ids: number[];
  readonly typeIds: number[];
}

interface TokenizerFile {
  truncation?: { max_length?: number; strategy?: string; direction?: string; stride?: number } | null;
  padding?: { pad_id?: number } | null;
}

export class HfPairTokenizer {
  private readonly tok: Tokenizer;
  readonly maxLength: number | undefined;
  readonly padId: number;
  /** Special tokens the post-processor adds around a pair ([CLS] a [SEP] b [SEP]: 3). */
  private readonly pairSpecials: number;

  constructor(json: unknown) {
    if (typeof json !== "object" || json === null) throw new TypeError("tokenizer.json: not a JSON object");
    const file = json as TokenizerFile;
    this.tok = new Tokenizer(json, {});
    const t = file.truncation;
    if (t) {
      if ((t.strategy ?? "LongestFirst") !== "LongestFirst") throw new RangeError(`tokenizer.json truncation.strategy ${t.strategy}: only LongestFirst is supported`);
      if ((t.direction ?? "Right") !== "Right") throw new RangeError(`tokenizer.json truncation.direction ${t.direction}: only Right is supported`);
      if ((t.stride ?? 0) !== 0) throw new RangeError("tokenizer.json truncation.stride: only 0 is supported");
    }
    this.maxLength = t?.max_length;
    this.padId = file.padding?.pad_id ?? 0;
    const post = this.tok.post_processor;
    this.pairSpecials = post ? post.post_process([], [], { add_special_tokens: true }).tokens.length : 0;
  }

  encode(prompt: string, response: string): PairEncoding {
    const a: string[] = this.tok.encode(prompt, { add_special_tokens: false }).tokens;
    const b: string[] = this.tok.encode(response, { add_special_tokens: false }).tokens;
    let [ta, tb] = [a, b];
    if (this.maxLength !== undefined) {
      const [ia, ib] = truncateLongestFirst(a.map((_: string, i: number) => i), b.map((_: string, i: number) => i), Math.max(0, this.maxLength - this.pairSpecials));
      ta = ia.map((i) => a[i]!);
      tb = (ib ?? []).map((i) => b[i]!);
    }
    const post = this.tok.post_processor;
    const out = post ? post.post_process(ta, tb, { add_special_tokens: true }) : { tokens: [...ta, ...tb], token_type_ids: undefined };
    const ids = out.tokens.map((t: string) => {
      const id = this.tok.token_to_id(t);
      if (id === undefined) throw new RangeError(`tokenizer: token ${JSON.stringify(t)} has no id`);
      return id;
    });
    return { ids, typeIds: out.token_type_ids ?? ids.map(() => 0) };
  }
}
