import { fileURLToPath } from "node:url";
import { runMigrations, serviceKeys } from "@rlhf-loop/kit";
import type { Logger, MigrationResult, Pool } from "@rlhf-loop/kit";

export const DEFAULT_SCHEMA = "reward";

/** The folder of this service's NNN_name.sql files. */
export const REWARD_MIGRATIONS_DIR = fileURLToPath(new URL("../migrations/", import.meta.url));

/** Creates or upgrades the service's tables in `schema` (default "reward"). Idempotent. */
export function migrateReward(pool: Pool, options: { schema?: string; logger?: Logger } = {}): Promise<MigrationResult> {
  return runMigrations(pool, { schema: options.schema ?? DEFAULT_SCHEMA, dir: REWARD_MIGRATIONS_DIR, ...(options.logger ? { logger: options.logger } : {}) });
}

/** Callers' API keys (`rk_...`): create, list, revoke in `<schema>.api_keys` (migrateReward first). */
export const rewardKeys = serviceKeys({ prefix: "rk", defaultSchema: DEFAULT_SCHEMA });
