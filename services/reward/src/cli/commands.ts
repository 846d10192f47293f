// CLI handlers the `rlhf` command wires: `rlhf reward train` and `rlhf reward score`.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createGrpcClient } from "@rlhf-loop/kit";
import { Labeling } from "@rlhf-loop/proto";
import { trainPairOf } from "../domain/evidence.js";
import type { TrainPair } from "../domain/examples.js";
import { PAIR_FORMATS, parsePairFile, PairFileError, type PairFormat } from "../domain/pair-files.js";
import { createRunner } from "../serve/model-runner.js";
import { trainAndDiagnose, type TrainRunOutput } from "../train/train-run.js";
import type { TrainProgress } from "../train/trainer.js";

export interface RewardCommandIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown; isTTY?: boolean };
}

export interface RewardCommandResult<R> {
  /** 0 success, 1 failure, 2 bad usage or input. */
  exitCode: number;
  result?: R;
}

export const REWARD_TRAIN_USAGE = `usage: rlhf reward train (--pairs FILE --format hh|trl|openai-dpo | --dataset ID [--labeling HOST:PORT])
                         [--out DIR] [--seed N] [--epochs N] [--ablation] [--quiet]`;
export const REWARD_SCORE_USAGE = "usage: rlhf reward score --onnx FILE [--tokenizer FILE] --in FILE.jsonl [--batch N]";

const defaultIo: RewardCommandIo = { stdout: process.stdout, stderr: process.stderr };

function bar(p: TrainProgress): string {
  const done = (p.epoch - 1 + p.step / p.stepsPerEpoch) / p.maxEpochs;
  const w = 24;
  const fill = Math.round(done * w);
  return `[${"#".repeat(fill)}${".".repeat(w - fill)}] epoch ${p.epoch}/${p.maxEpochs} step ${p.step}/${p.stepsPerEpoch} loss ${p.loss.toFixed(4)} ${Math.round(p.pairsPerSecond)} pairs/s`;
}

async function readSnapshot(datasetId: string, address: string): Promise<TrainPair[]> {
  const client = createGrpcClient(Labeling, address);
  try {
    const out: TrainPair[] = [];
    for await (const d of client.streamDatasetPairs({ datasetId })) {
      const p = trainPairOf(d);
      if (p) out.push(p);
    }
    return out;
  } finally {
    client.close();
  }
}

export async function runRewardTrain(argv: readonly string[], io: RewardCommandIo = defaultIo): Promise<RewardCommandResult<TrainRunOutput>> {
  let v: Record<string, string | boolean | undefined>;
  try {
    v = parseArgs({
      args: [...argv],
      options: {
        pairs: { type: "string" },
        format: { type: "string" },
        dataset: { type: "string" },
        labeling: { type: "string" },
        out: { type: "string" },
        seed: { type: "string" },
        epochs: { type: "string" },
        ablation: { type: "boolean" },
        quiet: { type: "boolean" },
      },
      strict: true,
    }).values;
  } catch (err) {
    io.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${REWARD_TRAIN_USAGE}\n`);
    return { exitCode: 2 };
  }
  const usage = (why: string): RewardCommandResult<never> => {
    io.stderr.write(`${why}\n${REWARD_TRAIN_USAGE}\n`);
    return { exitCode: 2 };
  };
  const int = (k: string): number | undefined => {
    const s = v[k];
    if (typeof s !== "string") return undefined;
    const n = Number(s);
    return Number.isInteger(n) && n >= 0 ? n : Number.NaN;
  };
  if (!v["pairs"] === !v["dataset"]) return usage("give exactly one of --pairs FILE or --dataset ID");
  const seed = int("seed");
  const epochs = int("epochs");
  if (Number.isNaN(seed)) return usage("--seed must be an integer >= 0");
  if (Number.isNaN(epochs) || epochs === 0) return usage("--epochs must be an integer >= 1");

  let pairs: TrainPair[];
  let datasetId: string;
  if (typeof v["pairs"] === "string") {
    const format = v["format"];
    if (typeof format !== "string" || !PAIR_FORMATS.includes(format as PairFormat)) return usage(`--format must be one of ${PAIR_FORMATS.join(", ")}`);
    try {
      pairs = parsePairFile(format as PairFormat, await readFile(v["pairs"], "utf8"));
    } catch (err) {
      if (err instanceof PairFileError || (err as NodeJS.ErrnoException).code === "ENOENT") {
        io.stderr.write(`${v["pairs"]}: ${(err as Error).message}\n`);
        return { exitCode: 2 };
      }
      throw err;
    }
    datasetId = `file:${v["pairs"]}`;
  } else {
    datasetId = v["dataset"] as string;
    const address = (v["labeling"] as string | undefined) ?? process.env["REWARD_LABELING_ADDRESS"] ?? "127.0.0.1:9092";
    try {
      pairs = await readSnapshot(datasetId, address);
    } catch (err) {
      io.stderr.write(`reading ${datasetId} from labeling at ${address}: ${err instanceof Error ? err.message : String(err)}\n`);
      return { exitCode: 1 };
    }
  }
  if (pairs.length < 2) {
    io.stderr.write(`${datasetId}: ${pairs.length} usable pairs; need at least 2\n`);
    return { exitCode: 2 };
  }
  const quiet = v["quiet"] === true;
  const out = await trainAndDiagnose(
    { pairs },
    {
      trainer: { ...(seed !== undefined ? { seed } : {}), ...(epochs !== undefined ? { maxEpochs: epochs } : {}) },
      ablation: v["ablation"] === true,
      onProgress: (p) => {
        if (quiet) return;
        if (p.epochMetrics) {
          const e = p.epochMetrics;
          io.stderr.write(`\repoch ${e.epoch}: train loss ${e.trainLoss.toFixed(4)}, held-out loss ${e.heldOutLoss.toFixed(4)}, held-out accuracy ${e.heldOutPairAccuracy.toFixed(4)}, ${Math.round(e.pairsPerSecond)} pairs/s\n`);
        } else if (io.stderr.isTTY) io.stderr.write(`\r${bar(p)}`);
      },
    },
  );
  const dir = (v["out"] as string | undefined) ?? "reward-model";
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "model.onnx"), out.onnx);
  await writeFile(join(dir, "diagnostics.json"), `${JSON.stringify(out.report, null, 1)}\n`);
  await writeFile(
    join(dir, "train.json"),
    `${JSON.stringify({ datasetId, config: out.result.config, epochs: out.result.epochs, bestEpoch: out.result.bestEpoch, split: out.result.split, contributions: out.contributions, seconds: out.result.seconds }, null, 1)}\n`,
  );
  const r = out.report;
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  io.stdout.write(
    `held-out accuracy ${pct(r.accuracy.value)} [${pct(r.accuracy.lo)}, ${pct(r.accuracy.hi)}] on ${r.heldOutPairs} pairs; length-only rule ${pct(r.lengthRuleAccuracy.value)} on the same pairs\n`,
  );
  for (const c of out.contributions) io.stdout.write(`without ${c.source}: ${pct(c.accuracyWithout)} (adds ${(100 * c.delta).toFixed(1)} points)\n`);
  const flagged = r.checks.filter((c) => c.flagged);
  io.stdout.write(flagged.length ? `flagged: ${flagged.map((c) => `${c.name}=${c.value.toFixed(3)} (limit ${c.threshold})`).join(", ")}\n` : "diagnostics: all checks pass\n");
  io.stdout.write(`wrote ${join(dir, "model.onnx")}, diagnostics.json, train.json\n`);
  return { exitCode: 0, result: out };
}

export async function runRewardScore(argv: readonly string[], io: RewardCommandIo = defaultIo): Promise<RewardCommandResult<{ lines: number }>> {
  let v: Record<string, string | boolean | undefined>;
  try {
    v = parseArgs({ args: [...argv], options: { onnx: { type: "string" }, tokenizer: { type: "string" }, in: { type: "string" }, batch: { type: "string" } }, strict: true }).values;
  } catch (err) {
    io.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${REWARD_SCORE_USAGE}\n`);
    return { exitCode: 2 };
  }
  if (typeof v["onnx"] !== "string" || typeof v["in"] !== "string") {
    io.stderr.write(`--onnx and --in are required\n${REWARD_SCORE_USAGE}\n`);
    return { exitCode: 2 };
  }
  const batch = v["batch"] === undefined ? 16 : Number(v["batch"]);
  if (!Number.isInteger(batch) || batch < 1) {
    io.stderr.write(`--batch must be an integer >= 1\n`);
    return { exitCode: 2 };
  }
  let runner;
  let lines: string[];
  try {
    const onnx = new Uint8Array(await readFile(v["onnx"]));
    const tokenizer = typeof v["tokenizer"] === "string" ? await readFile(v["tokenizer"], "utf8") : undefined;
    runner = await createRunner(tokenizer ? "hf" : "compact", onnx, tokenizer, 2);
    lines = (await readFile(v["in"], "utf8")).split("\n");
  } catch (err) {
    io.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return { exitCode: 2 };
  }
  try {
    // Each line: {"prompt", "response"|"answer"} -> {"score"}, or {"prompt", "chosen", "rejected"} -> {"chosen", "rejected"}.
    type Item = { line: number; rows: { prompt: string; answer: string }[]; pair: boolean };
    const items: Item[] = [];
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!;
      if (!l.trim()) continue;
      let o: Record<string, unknown>;
      try {
        o = JSON.parse(l) as Record<string, unknown>;
      } catch {
        io.stderr.write(`line ${i + 1}: not JSON\n`);
        return { exitCode: 2 };
      }
      const prompt = typeof o["prompt"] === "string" ? o["prompt"] : "";
      const one = typeof o["response"] === "string" ? o["response"] : typeof o["answer"] === "string" ? o["answer"] : undefined;
      if (one !== undefined) items.push({ line: i + 1, rows: [{ prompt, answer: one }], pair: false });
      else if (typeof o["chosen"] === "string" && typeof o["rejected"] === "string")
        items.push({ line: i + 1, rows: [{ prompt, answer: o["chosen"] }, { prompt, answer: o["rejected"] }], pair: true });
      else {
        io.stderr.write(`line ${i + 1}: needs "response" (or "answer"), or "chosen" and "rejected"\n`);
        return { exitCode: 2 };
      }
    }
    for (let i = 0; i < items.length; i += batch) {
      const chunk = items.slice(i, i + batch);
      const scores = await runner.score(chunk.flatMap((c) => c.rows));
      let k = 0;
      for (const c of chunk) {
        if (c.pair) {
          io.stdout.write(`${JSON.stringify({ chosen: scores[k], rejected: scores[k + 1] })}\n`);
          k += 2;
        } else io.stdout.write(`${JSON.stringify({ score: scores[k++] })}\n`);
      }
    }
    return { exitCode: 0, result: { lines: items.length } };
  } finally {
    await runner.release();
  }
}
