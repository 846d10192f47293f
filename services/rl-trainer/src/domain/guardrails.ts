// Guardrails: stop at a KL budget; stop and flag when the probe set's answer shape drifts from the
// reference's while gold (or expert held-out reward) does not rise.
import type { ShapeStats } from "./shape.js";

export interface GuardrailConfig {
  /** Stop once the mean sequence KL to the reference exceeds this (nats); 0 or absent: no budget. */
  readonly klBudget?: number;
  /** Relative change of mean answer length that counts as drift (0.25 = ±25%). */
  readonly maxLengthChange: number;
  /** Absolute changes of the refusal and disclaimer rates that count as drift. */
  readonly maxRefusalChange: number;
  readonly maxDisclaimerChange: number;
  /** Gold must rise by more than this over the reference for drift to be tolerated. */
  readonly goldMargin: number;
}

export const DEFAULT_GUARDRAILS: GuardrailConfig = { klBudget: 0, maxLengthChange: 0.25, maxRefusalChange: 0.1, maxDisclaimerChange: 0.15, goldMargin: 0.05 };

export type StopReason = "kl_budget" | "shape_drift";

export interface GuardrailVerdict {
  readonly stop: boolean;
  readonly reason?: StopReason;
  /** Which shape measures drifted, with their reference and current values. */
  readonly drift: readonly { measure: string; reference: number; current: number }[];
  readonly detail: string;
}

export function checkKlBudget(kl: number, cfg: GuardrailConfig): GuardrailVerdict {
  if (cfg.klBudget && cfg.klBudget > 0 && kl > cfg.klBudget) {
    return { stop: true, reason: "kl_budget", drift: [], detail: `KL ${kl.toFixed(3)} > budget ${cfg.klBudget}` };
  }
  return { stop: false, drift: [], detail: "" };
}

export function shapeDrift(reference: ShapeStats, current: ShapeStats, cfg: GuardrailConfig): GuardrailVerdict["drift"] {
  const out: { measure: string; reference: number; current: number }[] = [];
  if (reference.length > 0 && Math.abs(current.length / reference.length - 1) > cfg.maxLengthChange) out.push({ measure: "length", reference: reference.length, current: current.length });
  if (Math.abs(current.refusalRate - reference.refusalRate) > cfg.maxRefusalChange) out.push({ measure: "refusal_rate", reference: reference.refusalRate, current: current.refusalRate });
  if (Math.abs(current.disclaimerRate - reference.disclaimerRate) > cfg.maxDisclaimerChange) out.push({ measure: "disclaimer_rate", reference: reference.disclaimerRate, current: current.disclaimerRate });
  return out;
}

/** Shape drift on the probe set stops the run unless gold (or held-out expert reward) rose with it. */
export function checkShape(reference: ShapeStats, current: ShapeStats, goldGain: number | undefined, cfg: GuardrailConfig): GuardrailVerdict {
  const drift = shapeDrift(reference, current, cfg);
  if (drift.length === 0) return { stop: false, drift, detail: "" };
  const rose = goldGain !== undefined && goldGain > cfg.goldMargin;
  const what = drift.map((d) => `${d.measure} ${d.reference.toFixed(3)} -> ${d.current.toFixed(3)}`).join(", ");
  if (rose) return { stop: false, drift, detail: `shape drift (${what}) with gold +${goldGain.toFixed(3)}` };
  return { stop: true, reason: "shape_drift", drift, detail: `shape drift (${what}) while gold ${goldGain === undefined ? "is unknown" : `changed ${goldGain.toFixed(3)}`}` };
}
