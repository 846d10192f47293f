/** One bad field of a request: where (JSON path, lowerCamelCase) and why. */
export interface FieldViolation {
  path: string;
  reason: string;
}

/** Stop collecting after this many, so a hostile body cannot make a huge error response. */
export const MAX_VIOLATIONS = 100;

/** Collects violations up to a cap; `overflow` counts the ones left out. */
export class Violations {
  readonly list: FieldViolation[] = [];
  overflow = 0;
  /** Paths whose "required" errors are moot because a value was sent but rejected (oneofs). */
  readonly suppressed = new Set<string>();

  add(path: string, reason: string): void {
    if (this.list.length >= MAX_VIOLATIONS) {
      this.overflow++;
      return;
    }
    this.list.push({ path, reason });
  }

  get size(): number {
    return this.list.length + this.overflow;
  }

  /** True when a violation is already recorded at `path` or at one of its ancestors/descendants. */
  covers(path: string): boolean {
    if (this.suppressed.has(path)) return true;
    return this.list.some(
      (v) => v.path === path || path.startsWith(v.path + ".") || path.startsWith(v.path + "[") ||
        v.path.startsWith(path + ".") || v.path.startsWith(path + "["),
    );
  }

  toArray(): FieldViolation[] {
    if (this.overflow === 0) return [...this.list];
    return [...this.list, { path: "", reason: `${this.overflow} more violations not listed` }];
  }
}

/** `a.b`, `a[3]`, or `a["odd key"]` for map keys. */
export function joinPath(base: string, name: string): string {
  return base === "" ? name : `${base}.${name}`;
}

export function indexPath(base: string, index: number): string {
  return `${base}[${index}]`;
}

export function keyPath(base: string, key: string): string {
  return `${base}[${JSON.stringify(shorten(key, 64))}]`;
}

/** Keys echoed in error paths are shortened, so a huge key cannot bloat the response. */
export function shorten(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}

/** A short description of a JSON value for error messages. */
export function describeJson(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  switch (typeof v) {
    case "string":
      return `string ${JSON.stringify(shorten(v, 40))}`;
    case "number":
      return `number ${String(v)}`;
    case "boolean":
      return `boolean ${String(v)}`;
    case "object":
      return "an object";
    default:
      return typeof v;
  }
}
