/**
 * A tiny schema builder for configuration read from environment variables. Each field knows
 * how to parse its raw string, its default, and whether it is a secret (redacted when the
 * config is logged).
 */

export interface FieldOptions<T> {
  /** Environment variable to read; defaults to the config key. */
  env?: string;
  default?: T;
  /** When true and unset (no default), the value is `undefined` instead of an error. */
  optional?: boolean;
  /** Redacted when the config is logged or serialized. */
  secret?: boolean;
  /** Free text for docs and error messages. */
  description?: string;
}

/** A field of a config spec. `T` is the parsed type. */
export interface Field<T> {
  readonly kind: string;
  readonly options: FieldOptions<unknown>;
  /** Parses a raw (non-empty) string; throws an Error whose message says why it is bad. */
  parse(raw: string): T;
  /** Phantom for type inference. */
  readonly __type?: T;
}

export type ConfigSpec = Record<string, Field<unknown>>;

/** The parsed config of a spec. */
export type ConfigOf<S extends ConfigSpec> = { readonly [K in keyof S]: S[K] extends Field<infer T> ? T : never };

type Opt<O> = O extends { optional: true } ? undefined : never;

function make<T>(kind: string, options: FieldOptions<unknown>, parse: (raw: string) => T): Field<T> {
  return { kind, options, parse };
}

export interface StringOptions extends FieldOptions<string> {
  minLength?: number;
  pattern?: RegExp;
}
export interface IntOptions extends FieldOptions<number> {
  min?: number;
  max?: number;
}
export interface UrlOptions extends FieldOptions<string> {
  /** Allowed protocols without the colon, e.g. ["postgres", "postgresql"]. */
  protocols?: readonly string[];
}
export interface ListOptions extends FieldOptions<readonly string[]> {
  separator?: string;
  minItems?: number;
}
export interface DurationOptions extends FieldOptions<number> {
  minMs?: number;
  maxMs?: number;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses "250ms", "10s", "2m", "1h", "1.5s" or a plain number of milliseconds. */
export function parseDuration(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(raw.trim());
  if (!m) throw new Error(`must be a duration such as 500ms, 10s, 2m or a number of ms, got ${JSON.stringify(raw)}`);
  const unit = DURATION_UNITS[m[2] ?? "ms"] ?? 1;
  return Math.round(Number(m[1]) * unit);
}

export const field = {
  string<O extends StringOptions>(o: O = {} as O): Field<string | Opt<O>> {
    return make("string", o, (raw) => {
      if (o.minLength !== undefined && raw.length < o.minLength) throw new Error(`must be at least ${o.minLength} characters long`);
      if (o.pattern && !o.pattern.test(raw)) throw new Error(`must match ${String(o.pattern)}`);
      return raw;
    });
  },

  int<O extends IntOptions>(o: O = {} as O): Field<number | Opt<O>> {
    return make("int", o, (raw) => {
      if (!/^-?\d+$/.test(raw.trim())) throw new Error(`must be an integer, got ${JSON.stringify(raw)}`);
      const n = Number(raw.trim());
      if (!Number.isSafeInteger(n)) throw new Error(`is out of the safe integer range`);
      if (o.min !== undefined && n < o.min) throw new Error(`must be >= ${o.min}, got ${n}`);
      if (o.max !== undefined && n > o.max) throw new Error(`must be <= ${o.max}, got ${n}`);
      return n;
    });
  },

  bool<O extends FieldOptions<boolean>>(o: O = {} as O): Field<boolean | Opt<O>> {
    return make("bool", o, (raw) => {
      const v = raw.trim().toLowerCase();
      if (["1", "true", "yes", "on"].includes(v)) return true;
      if (["0", "false", "no", "off"].includes(v)) return false;
      throw new Error(`must be a boolean (true/false/1/0/yes/no), got ${JSON.stringify(raw)}`);
    });
  },

  url<O extends UrlOptions>(o: O = {} as O): Field<string | Opt<O>> {
    return make("url", o, (raw) => {
      let u: URL;
      try {
        u = new URL(raw);
      } catch {
        // Never echo the raw value: URLs often embed passwords.
        throw new Error("must be an absolute URL");
      }
      const proto = u.protocol.replace(/:$/, "");
      if (o.protocols && !o.protocols.includes(proto)) {
        throw new Error(`must use one of the protocols ${o.protocols.join(", ")}, got ${proto}`);
      }
      return raw;
    });
  },

  enum<const V extends readonly string[], O extends FieldOptions<V[number]>>(
    values: V,
    o: O = {} as O,
  ): Field<V[number] | Opt<O>> {
    return make("enum", o, (raw) => {
      if (!values.includes(raw)) throw new Error(`must be one of ${values.join(", ")}, got ${JSON.stringify(raw)}`);
      return raw as V[number];
    });
  },

  list<O extends ListOptions>(o: O = {} as O): Field<readonly string[] | Opt<O>> {
    return make("list", o, (raw) => {
      const items = raw
        .split(o.separator ?? ",")
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
      if (o.minItems !== undefined && items.length < o.minItems) throw new Error(`must list at least ${o.minItems} item(s)`);
      return items;
    });
  },

  /** A duration in milliseconds. */
  duration<O extends DurationOptions>(o: O = {} as O): Field<number | Opt<O>> {
    return make("duration", o, (raw) => {
      const ms = parseDuration(raw);
      if (o.minMs !== undefined && ms < o.minMs) throw new Error(`must be at least ${o.minMs}ms, got ${ms}ms`);
      if (o.maxMs !== undefined && ms > o.maxMs) throw new Error(`must be at most ${o.maxMs}ms, got ${ms}ms`);
      return ms;
    });
  },
};
