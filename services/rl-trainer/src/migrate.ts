import { fileURLToPath } from "node:url";
import { runMigrations, serviceKeys } from "@rlhf-loop/kit";
import type { Logger, MigrationResult, Pool } from "@rlhf-loop/kit";

export const RL_TRAINER_SCHEMA = "rl_trainer";

/** The folder of this service's NNN_name.sql files. */
export const RL_TRAINER_MIGRATIONS_DIR = fileURLToPath(new URL("../migrations/", import.meta.url));

/** Creates or upgrades the RL trainer's tables in `schema` (default "rl_trainer"). Idempotent. */
export function migrateRlTrainer(pool: Pool, options: { schema?: string; logger?: Logger } = {}): Promise<MigrationResult> {
  return runMigrations(pool, { schema: options.schema ?? RL_TRAINER_SCHEMA, dir: RL_TRAINER_MIGRATIONS_DIR, ...(options.logger ? { logger: options.logger } : {}) });
}

/** Callers' API keys of the Policy service (`pk_...`): create, list, revoke in `<schema>.api_keys` (migrateRlTrainer first). */
export const policyKeys = serviceKeys({ prefix: "pk", defaultSchema: RL_TRAINER_SCHEMA });
