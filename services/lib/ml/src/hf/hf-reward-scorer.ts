// Scores (prompt, response) pairs with a Hugging Face ONNX reward model (input_ids, attention_mask
// and optionally token_type_ids; one logit per row), tokenized by its own tokenizer.json.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createSession, floatData, int64Tensor, type Feeds, type Session } from "../runtime/session.js";
import { WordPieceTokenizer, type Encoding, type TokenizerJson } from "./wordpiece.js";

export class HfRewardScorer {
  private constructor(
    private readonly session: Session,
    readonly tokenizer: WordPieceTokenizer,
  ) {
    for (const name of ["input_ids", "attention_mask"]) {
      if (!session.inputNames.includes(name)) throw new Error(`reward model has no input "${name}" (has ${session.inputNames.join(", ")})`);
    }
  }

  /** From a folder holding model.onnx and tokenizer.json. */
  static async load(dir: string, opts: { threads?: number } = {}): Promise<HfRewardScorer> {
    const json = JSON.parse(await readFile(join(dir, "tokenizer.json"), "utf8")) as TokenizerJson;
    return new HfRewardScorer(await createSession(join(dir, "model.onnx"), opts), new WordPieceTokenizer(json));
  }

  static async create(model: Uint8Array | string, tokenizer: TokenizerJson, opts: { threads?: number } = {}): Promise<HfRewardScorer> {
    return new HfRewardScorer(await createSession(model, opts), new WordPieceTokenizer(tokenizer));
  }

  encode(prompt: string, response: string): Encoding {
    return this.tokenizer.encode(prompt, response);
  }

  /** One score per (prompt, response), `batchSize` rows padded to their longest per run. */
  async score(rows: readonly { prompt: string; response: string }[], opts: { batchSize?: number } = {}): Promise<number[]> {
    const size = Math.max(1, opts.batchSize ?? 16);
    const out: number[] = [];
    for (let i = 0; i < rows.length; i += size) {
      const enc = rows.slice(i, i + size).map((r) => this.encode(r.prompt, r.response));
      const width = Math.max(1, ...enc.map((e) => e.ids.length));
      const pad = (f: (e: Encoding) => number[], v: number): number[] => enc.flatMap((e) => [...f(e), ...Array<number>(width - e.ids.length).fill(v)]);
      const dims = [enc.length, width];
      const feeds: Feeds = {
        input_ids: int64Tensor(pad((e) => e.ids, this.tokenizer.padId), dims),
        attention_mask: int64Tensor(pad((e) => e.attentionMask, 0), dims),
      };
      if (this.session.inputNames.includes("token_type_ids")) feeds["token_type_ids"] = int64Tensor(pad((e) => e.typeIds, 0), dims);
      const res = await this.session.run(feeds);
      const logits = floatData(res[this.session.outputNames[0]!], "logits");
      const per = logits.length / enc.length;
      for (let r = 0; r < enc.length; r++) out.push(logits[r * per]!);
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
