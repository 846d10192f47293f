import { checkSchemaName } from "@rlhf-loop/kit";

/** What the stores need from pg: a Pool or a checked-out client. */
export interface Queryable {
  query<R extends Record<string, unknown> = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** The default Postgres schema of this service; tests use their own. */
export const DEFAULT_SCHEMA = "labeling";

/** `"schema".table`, refusing anything but a plain identifier (it is interpolated into SQL). */
export function table(schema: string, name: string): string {
  return `"${checkSchemaName(schema)}".${name}`;
}

export const toIso = (ms: number): string => new Date(ms).toISOString();
export const toMs = (v: unknown): number => (v instanceof Date ? v.getTime() : Date.parse(String(v)));
