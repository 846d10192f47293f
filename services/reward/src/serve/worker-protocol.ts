// Messages between the scoring pool and its worker threads.

export type ModelKind = "compact" | "hf";

export interface LoadMsg {
  readonly type: "load";
  readonly seq: number;
  readonly modelId: string;
  readonly kind: ModelKind;
  readonly onnx: Uint8Array;
  /** tokenizer.json text (hf models). */
  readonly tokenizer?: string;
}

export interface UnloadMsg {
  readonly type: "unload";
  readonly seq: number;
  readonly modelId: string;
}

export interface ScoreMsg {
  readonly type: "score";
  readonly seq: number;
  readonly modelId: string;
  readonly rows: readonly { readonly prompt: string; readonly answer: string }[];
  /** Ask the worker for its timestamps (ScoreTrace); off unless the pool traces. */
  readonly trace?: boolean;
}

export type ToWorker = LoadMsg | UnloadMsg | ScoreMsg;

export type FromWorker =
  | { readonly type: "ok"; readonly seq: number; readonly scores?: Float64Array; readonly t?: WorkerTimes }
  | { readonly type: "error"; readonly seq: number; readonly message: string; readonly code: "not_found" | "invalid_argument" | "internal" };

/** The clock both sides stamp traced calls with: ms since the epoch, comparable across threads. */
export const epochClock = (): number => performance.timeOrigin + performance.now();

/** A worker's clock readings for one traced call, in ms since the epoch ({@link epochClock}). */
export interface WorkerTimes {
  /** The message reached the worker's handler. */
  readonly got: number;
  /** The model's score() began and returned (features and the onnxruntime run). */
  readonly runStart: number;
  readonly runEnd: number;
}
