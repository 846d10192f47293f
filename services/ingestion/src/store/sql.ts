/** What the stores need from pg: a Pool or a checked-out client. */
export interface Queryable {
  query<R extends Record<string, unknown> = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** The default Postgres schema of this service; tests use their own. */
export const DEFAULT_SCHEMA = "ingestion";

/** `"schema".table`, refusing anything but a plain identifier (it is interpolated into SQL). */
export function table(schema: string, name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`schema name ${JSON.stringify(schema)} is not a plain lowercase identifier`);
  return `"${schema}".${name}`;
}
