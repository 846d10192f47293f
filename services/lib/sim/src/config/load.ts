import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { INTENT_IDS } from "../domain/intents.js";
import type { ConfigIssue } from "./fields.js";
import { worldSchema, type WorldConfig } from "./schema.js";

/** A config that failed validation; `issues` names every bad field. */
export class SimConfigError extends Error {
  constructor(
    readonly issues: readonly ConfigIssue[],
    readonly source = "world config",
  ) {
    super(`invalid ${source}:\n${issues.map((i) => `  ${i.path}: ${i.reason}`).join("\n")}`);
    this.name = "SimConfigError";
  }
}

/** The default world: every field at its default. */
export function defaultWorldConfig(): WorldConfig {
  return worldSchema.defaultValue();
}

/** Checks a parsed JSON/YAML value, fills defaults, and throws SimConfigError naming each bad field. */
export function parseWorldConfig(raw: unknown, source?: string): WorldConfig {
  const issues: ConfigIssue[] = [];
  const config = worldSchema.parse(raw, "", issues);
  issues.push(...crossCheck(config));
  if (issues.length > 0) throw new SimConfigError(issues, source);
  return config;
}

function crossCheck(c: WorldConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen = new Map<string, number>();
  c.segments.forEach((s, i) => {
    const first = seen.get(s.name);
    if (first !== undefined) issues.push({ path: `segments[${i}].name`, reason: `duplicate segment name "${s.name}" (also segments[${first}])` });
    else seen.set(s.name, i);
    const mix = INTENT_IDS.filter((id) => id !== c.drift.newIntent || !c.drift.enabled).reduce(
      (sum, id) => sum + c.intents[id] * (s.intentFactors[id] ?? 1),
      0,
    );
    if (!(mix > 0)) issues.push({ path: `segments[${i}].intentFactors`, reason: "leaves this segment with no intents to ask about" });
  });
  if (c.segments.length > 0 && !(c.segments.reduce((s, x) => s + x.share, 0) > 0)) {
    issues.push({ path: "segments", reason: "the shares of all segments sum to 0" });
  }
  if (c.segments.length > 0 && !(c.segments.reduce((s, x) => s + x.shareAfterDrift, 0) > 0)) {
    issues.push({ path: "segments", reason: "the shareAfterDrift of all segments sum to 0" });
  }
  if (!(Object.values(c.bot.style.tone).reduce((a, b) => a + b, 0) > 0)) issues.push({ path: "bot.style.tone", reason: "weights sum to 0" });
  if (!(Object.values(c.bot.style.length).reduce((a, b) => a + b, 0) > 0)) issues.push({ path: "bot.style.length", reason: "weights sum to 0" });
  if (c.experts.laggingExperts > c.experts.count) {
    issues.push({ path: "experts.laggingExperts", reason: `must be at most experts.count (${c.experts.count})` });
  }
  if (c.experts.pairsPerDay > 0 && c.experts.count === 0) {
    issues.push({ path: "experts.count", reason: "must be at least 1 when experts.pairsPerDay > 0" });
  }
  return issues;
}

/** Parses JSON or YAML text (JSON is YAML, so one parser reads both). */
export function parseWorldConfigText(text: string, source = "world config"): WorldConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    const reason = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new SimConfigError([{ path: "(file)", reason: `not valid YAML or JSON: ${reason}` }], source);
  }
  return parseWorldConfig(raw ?? {}, source);
}

/** Reads a world config file (.yaml, .yml or .json). */
export function loadWorldConfig(path: string): WorldConfig {
  return parseWorldConfigText(readFileSync(path, "utf8"), path);
}
