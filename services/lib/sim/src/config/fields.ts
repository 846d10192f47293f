/**
 * A tiny typed schema for the world config: every field has a default, unknown keys
 * are rejected, and each problem is reported with its field path ("segments[1].share").
 */
export interface ConfigIssue {
  path: string;
  reason: string;
}

export interface Field<T> {
  parse(value: unknown, path: string, issues: ConfigIssue[]): T;
  defaultValue(): T;
  /** One line for docs and error messages. */
  readonly kind: string;
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function join(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return path === "" ? key : `${path}.${key}`;
}

export function num(opts: { default: number; min?: number; max?: number; integer?: boolean }): Field<number> {
  const range =
    opts.min !== undefined && opts.max !== undefined
      ? ` between ${opts.min} and ${opts.max}`
      : opts.min !== undefined
        ? ` >= ${opts.min}`
        : opts.max !== undefined
          ? ` <= ${opts.max}`
          : "";
  const kind = `${opts.integer ? "an integer" : "a number"}${range}`;
  return {
    kind,
    defaultValue: () => opts.default,
    parse(value, path, issues) {
      if (value === undefined) return opts.default;
      const ok =
        typeof value === "number" &&
        Number.isFinite(value) &&
        (!opts.integer || Number.isInteger(value)) &&
        (opts.min === undefined || value >= opts.min) &&
        (opts.max === undefined || value <= opts.max);
      if (!ok) {
        issues.push({ path, reason: `must be ${kind} (got ${show(value)})` });
        return opts.default;
      }
      return value as number;
    },
  };
}

export function bool(def: boolean): Field<boolean> {
  return {
    kind: "true or false",
    defaultValue: () => def,
    parse(value, path, issues) {
      if (value === undefined) return def;
      if (typeof value !== "boolean") {
        issues.push({ path, reason: `must be true or false (got ${show(value)})` });
        return def;
      }
      return value;
    },
  };
}

export function str(opts: { default: string; pattern?: RegExp; describe?: string }): Field<string> {
  const kind = opts.describe ?? "a string";
  return {
    kind,
    defaultValue: () => opts.default,
    parse(value, path, issues) {
      if (value === undefined) return opts.default;
      if (typeof value !== "string" || (opts.pattern !== undefined && !opts.pattern.test(value))) {
        issues.push({ path, reason: `must be ${kind} (got ${show(value)})` });
        return opts.default;
      }
      return value;
    },
  };
}

export function oneOf<T extends string>(values: readonly T[], def: T): Field<T> {
  const kind = `one of ${values.map((v) => `"${v}"`).join(", ")}`;
  return {
    kind,
    defaultValue: () => def,
    parse(value, path, issues) {
      if (value === undefined) return def;
      if (typeof value !== "string" || !(values as readonly string[]).includes(value)) {
        issues.push({ path, reason: `must be ${kind} (got ${show(value)})` });
        return def;
      }
      return value as T;
    },
  };
}

type Shape = Record<string, Field<unknown>>;
export type Infer<S extends Shape> = { [K in keyof S]: S[K] extends Field<infer T> ? T : never };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function obj<S extends Shape>(shape: S): Field<Infer<S>> {
  const build = (get: (key: string, field: Field<unknown>) => unknown): Infer<S> => {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(shape)) out[key] = get(key, field);
    return out as Infer<S>;
  };
  return {
    kind: "an object",
    defaultValue: () => build((_, f) => f.defaultValue()),
    parse(value, path, issues) {
      if (value === undefined || value === null) return build((_, f) => f.defaultValue());
      if (!isPlainObject(value)) {
        issues.push({ path: path || "(root)", reason: `must be an object (got ${show(value)})` });
        return build((_, f) => f.defaultValue());
      }
      for (const key of Object.keys(value)) {
        if (!(key in shape)) {
          issues.push({
            path: join(path, key),
            reason: `unknown field (expected one of: ${Object.keys(shape).join(", ")})`,
          });
        }
      }
      return build((key, f) => f.parse(value[key], join(path, key), issues));
    },
  };
}

export function list<T>(item: Field<T>, def: () => T[], opts: { minItems?: number } = {}): Field<T[]> {
  return {
    kind: `a list of ${item.kind}`,
    defaultValue: def,
    parse(value, path, issues) {
      if (value === undefined) return def();
      if (!Array.isArray(value)) {
        issues.push({ path, reason: `must be a list (got ${show(value)})` });
        return def();
      }
      if (opts.minItems !== undefined && value.length < opts.minItems) {
        issues.push({ path, reason: `must have at least ${opts.minItems} item(s)` });
      }
      return value.map((v, i) => item.parse(v, join(path, i), issues));
    },
  };
}

/**
 * A record over a fixed key set (for example intent ids) of non-negative numbers.
 * Missing keys take the default for that key.
 */
export function weights<K extends string>(
  keys: readonly K[],
  def: Readonly<Record<K, number>>,
  opts: { max?: number } = {},
): Field<Record<K, number>> {
  const kind = `a map from ${keys.join("|")} to a number >= 0`;
  return {
    kind,
    defaultValue: () => ({ ...def }),
    parse(value, path, issues) {
      const out = { ...def } as Record<K, number>;
      if (value === undefined) return out;
      if (!isPlainObject(value)) {
        issues.push({ path, reason: `must be ${kind} (got ${show(value)})` });
        return out;
      }
      for (const [key, v] of Object.entries(value)) {
        if (!(keys as readonly string[]).includes(key)) {
          issues.push({ path: join(path, key), reason: `unknown key (expected one of: ${keys.join(", ")})` });
          continue;
        }
        if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || (opts.max !== undefined && v > opts.max)) {
          const range = opts.max !== undefined ? ` between 0 and ${opts.max}` : " >= 0";
          issues.push({ path: join(path, key), reason: `must be a number${range} (got ${show(v)})` });
          continue;
        }
        out[key as K] = v;
      }
      return out;
    },
  };
}

/** A partial record over a fixed key set: only the keys given are present. */
export function partialWeights<K extends string>(
  keys: readonly K[],
  opts: { min?: number; max?: number; default?: Partial<Record<K, number>> } = {},
): Field<Partial<Record<K, number>>> {
  const full = weights(keys, {} as Record<K, number>);
  const def = (): Partial<Record<K, number>> => ({ ...opts.default });
  return {
    kind: full.kind,
    defaultValue: def,
    parse(value, path, issues) {
      // A given map replaces the default map as a whole.
      if (value === undefined) return def();
      if (!isPlainObject(value)) {
        issues.push({ path, reason: `must be ${full.kind} (got ${show(value)})` });
        return {};
      }
      const out: Partial<Record<K, number>> = {};
      for (const [key, v] of Object.entries(value)) {
        if (!(keys as readonly string[]).includes(key)) {
          issues.push({ path: join(path, key), reason: `unknown key (expected one of: ${keys.join(", ")})` });
          continue;
        }
        const lo = opts.min ?? -Infinity;
        const hi = opts.max ?? Infinity;
        if (typeof v !== "number" || !Number.isFinite(v) || v < lo || v > hi) {
          issues.push({ path: join(path, key), reason: `must be a number between ${lo} and ${hi} (got ${show(v)})` });
          continue;
        }
        out[key as K] = v;
      }
      return out;
    },
  };
}
