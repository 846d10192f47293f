import { fileURLToPath } from "node:url";
import { runMigrations } from "@rlhf-loop/kit";
import type { Logger, MigrationResult, Pool } from "@rlhf-loop/kit";
import { DEFAULT_SCHEMA } from "./store/sql.js";

/** The folder of this service's NNN_name.sql files. */
export const LABELING_MIGRATIONS_DIR = fileURLToPath(new URL("../migrations/", import.meta.url));

/** Creates or upgrades the service's tables in `schema` (default "labeling"). Idempotent. */
export function migrateLabeling(pool: Pool, options: { schema?: string; logger?: Logger } = {}): Promise<MigrationResult> {
  return runMigrations(pool, {
    schema: options.schema ?? DEFAULT_SCHEMA,
    dir: LABELING_MIGRATIONS_DIR,
    ...(options.logger ? { logger: options.logger } : {}),
  });
}
