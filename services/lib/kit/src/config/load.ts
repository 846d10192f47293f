import type { ConfigOf, ConfigSpec } from "./schema.js";

export interface ConfigIssue {
  /** The environment variable (or, for cross-field checks, the variables) at fault. */
  variable: string;
  reason: string;
}

/** Thrown by {@link loadConfig}; its message names each bad variable and why. */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    super(`invalid configuration:\n${issues.map((i) => `  ${i.variable}: ${i.reason}`).join("\n")}`);
    this.name = "ConfigError";
    this.issues = issues;
  }
}

export interface LoadConfigOptions<S extends ConfigSpec> {
  /**
   * Cross-field check run after every field parsed. Return the issues found (empty or nothing
   * when the config is consistent).
   */
  refine?: (config: ConfigOf<S>) => readonly ConfigIssue[] | void;
}

export const REDACTED = "[redacted]";

function envName(spec: ConfigSpec, key: string): string {
  return spec[key]?.options.env ?? key;
}

/**
 * Parses and validates the config once, at start. Empty strings count as unset. The result is
 * frozen; its `toJSON` redacts secrets, so logging it is safe.
 */
export function loadConfig<S extends ConfigSpec>(
  spec: S,
  env: Record<string, string | undefined> = process.env,
  options: LoadConfigOptions<S> = {},
): ConfigOf<S> {
  const issues: ConfigIssue[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(spec)) {
    const name = envName(spec, key);
    const raw = env[name];
    if (raw === undefined || raw.trim() === "") {
      if (f.options.default !== undefined) out[key] = f.options.default;
      else if (f.options.optional) out[key] = undefined;
      else issues.push({ variable: name, reason: `is required${f.options.description ? ` (${f.options.description})` : ""}` });
      continue;
    }
    try {
      out[key] = f.parse(raw);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      // A secret's parse error must not carry its value.
      issues.push({ variable: name, reason: f.options.secret ? reason.replace(raw, REDACTED) : reason });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const config = out as ConfigOf<S>;
  const more = options.refine?.(config) ?? [];
  if (more.length > 0) throw new ConfigError(more);
  Object.defineProperty(out, "toJSON", { value: () => redactConfig(spec, config), enumerable: false });
  return Object.freeze(config);
}

/** A copy of the config safe to log: secret values replaced by "[redacted]". */
export function redactConfig<S extends ConfigSpec>(spec: S, config: ConfigOf<S>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(spec)) {
    const value = (config as Record<string, unknown>)[key];
    out[key] = spec[key]?.options.secret && value !== undefined ? REDACTED : value;
  }
  return out;
}
