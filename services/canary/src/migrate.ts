import { fileURLToPath } from "node:url";
import { runMigrations, serviceKeys } from "@rlhf-loop/kit";
import type { Logger, MigrationResult, Pool } from "@rlhf-loop/kit";

export const CANARY_SCHEMA = "canary";

/** The folder of this service's NNN_name.sql files. */
export const CANARY_MIGRATIONS_DIR = fileURLToPath(new URL("../migrations/", import.meta.url));

/** Creates or upgrades the canary's tables in `schema` (default "canary"). Idempotent. */
export function migrateCanary(pool: Pool, options: { schema?: string; logger?: Logger } = {}): Promise<MigrationResult> {
  return runMigrations(pool, { schema: options.schema ?? CANARY_SCHEMA, dir: CANARY_MIGRATIONS_DIR, ...(options.logger ? { logger: options.logger } : {}) });
}

/** Callers' API keys (`ck_...`): create, list, revoke in `<schema>.api_keys` (migrateCanary first). */
export const canaryKeys = serviceKeys({ prefix: "ck", defaultSchema: CANARY_SCHEMA });
