// Schema names are interpolated into SQL (identifiers cannot be bound), so every service checks them here.

/** Returns `schema` when it is a plain lowercase Postgres identifier (at most 63 characters); throws otherwise. */
export function checkSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`schema name ${JSON.stringify(schema)} is not a plain lowercase identifier`);
  return schema;
}
