// Execution providers for sampling and scoring: CUDA where onnxruntime-node has it (GPU trainer
// pods), the CPU otherwise. Training steps run in ml's TrainingSession on the CPU provider.
import * as ort from "onnxruntime-node";

export type Provider = "cuda" | "cpu";

/** Providers this onnxruntime-node build lists (its CUDA provider needs the CUDA install and a GPU). */
export function availableProviders(): Provider[] {
  const listed = (ort as unknown as { listSupportedBackends?: () => { name: string }[] }).listSupportedBackends?.() ?? [];
  const names = new Set(listed.map((b) => b.name));
  return names.has("cuda") ? ["cuda", "cpu"] : ["cpu"];
}

// After CUDA failed to load once (listed by onnxruntime-node but its libraries not installed),
// later sessions go straight to the CPU instead of failing again.
let cudaFailed = false;

/** A session on the first provider that loads: CUDA first when asked and listed. */
export async function createProviderSession(model: Uint8Array, opts: { threads?: number; preferCuda?: boolean } = {}): Promise<{ session: ort.InferenceSession; provider: Provider }> {
  const base: ort.InferenceSession.SessionOptions = { intraOpNumThreads: opts.threads ?? 2, interOpNumThreads: 1, executionMode: "sequential", graphOptimizationLevel: "all" };
  if (opts.preferCuda && !cudaFailed && availableProviders().includes("cuda")) {
    try {
      return { session: await ort.InferenceSession.create(model, { ...base, executionProviders: ["cuda", "cpu"] }), provider: "cuda" };
    } catch {
      // Listed but not loadable (no driver or libraries): fall back to the CPU.
      cudaFailed = true;
    }
  }
  return { session: await ort.InferenceSession.create(model, { ...base, executionProviders: ["cpu"] }), provider: "cpu" };
}
