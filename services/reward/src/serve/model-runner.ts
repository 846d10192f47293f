// Runs one loaded model on rows of (prompt, answer): the compact scorer (features from ml, the same
// code as training) or a brought HF model (tokenizer.json via tokenizers.js, input_ids/attention_mask).
import { createSession, floatData, int64Tensor, RewardScorer, type Feeds, type Session } from "@rlhf-loop/ml";
import { HfPairTokenizer } from "../hf/hf-tokenizer.js";
import type { ModelKind } from "./worker-protocol.js";

export interface ModelRunner {
  score(rows: readonly { prompt: string; answer: string }[]): Promise<number[]>;
  release(): Promise<void>;
}

export class HfRunner implements ModelRunner {
  private constructor(
    private readonly session: Session,
    readonly tokenizer: HfPairTokenizer,
  ) {}

  static async create(onnx: Uint8Array, tokenizerJson: string, threads: number): Promise<HfRunner> {
    const session = await createSession(onnx, { threads });
    for (const name of ["input_ids", "attention_mask"]) {
      if (!session.inputNames.includes(name)) {
        await session.release();
        throw new RangeError(`reward model has no input "${name}" (it has ${session.inputNames.join(", ")})`);
      }
    }
    return new HfRunner(session, new HfPairTokenizer(JSON.parse(tokenizerJson)));
  }

  /** One padded batch (padded to its longest row with the tokenizer's pad id). */
  async score(rows: readonly { prompt: string; answer: string }[]): Promise<number[]> {
    if (rows.length === 0) return [];
    const enc = rows.map((r) => this.tokenizer.encode(r.prompt, r.answer));
    const width = Math.max(1, ...enc.map((e) => e.ids.length));
    const n = enc.length;
    const ids = new BigInt64Array(n * width).fill(BigInt(this.tokenizer.padId));
    const mask = new BigInt64Array(n * width);
    const types = new BigInt64Array(n * width);
    enc.forEach((e, r) => {
      e.ids.forEach((id, j) => {
        ids[r * width + j] = BigInt(id);
        mask[r * width + j] = 1n;
        types[r * width + j] = BigInt(e.typeIds[j] ?? 0);
      });
    });
    const dims = [n, width];
    const feeds: Feeds = { input_ids: int64Tensor(ids, dims), attention_mask: int64Tensor(mask, dims) };
    if (this.session.inputNames.includes("token_type_ids")) feeds["token_type_ids"] = int64Tensor(types, dims);
    const out = await this.session.run(feeds);
    const logits = floatData(out[this.session.outputNames[0]!], "logits");
    const per = logits.length / n;
    return Array.from({ length: n }, (_, r) => logits[r * per]!);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

export async function createRunner(kind: ModelKind, onnx: Uint8Array, tokenizer: string | undefined, threads: number): Promise<ModelRunner> {
  if (kind === "hf") {
    if (!tokenizer) throw new RangeError("an hf model needs its tokenizer.json");
    return HfRunner.create(onnx, tokenizer, threads);
  }
  const scorer = await RewardScorer.load(onnx, { threads });
  return { score: (rows) => scorer.score(rows, { batchSize: 1024 }), release: () => scorer.release() };
}
