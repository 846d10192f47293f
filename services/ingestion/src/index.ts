/**
 * @rlhf-loop/ingestion: the front door. The embedded mode (cli) composes
 * createIngestionService with a memory bus; the `rlhf` CLI calls the admin functions.
 */
export { createIngestionService } from "./service.js";
export type { IngestionDeps, IngestionService } from "./service.js";
export { defaultIngestionOptions, optionsFromConfig } from "./service-options.js";
export type { IngestionOptions } from "./service-options.js";
export { ingestionConfigSpec, loadIngestionConfig } from "./config.js";
export type { IngestionConfig } from "./config.js";
export { INGESTION_MIGRATIONS_DIR, migrateIngestion } from "./migrate.js";

// Admin (tenants and API keys); run migrateIngestion first.
export { createApiKey, createTenant, listApiKeys, revokeApiKey } from "./store/tenants-store.js";
export type { ApiKeyInfo, CreatedApiKey, Tenant, TenantInput } from "./store/tenants-store.js";
export { DEFAULT_SCHEMA as INGESTION_SCHEMA } from "./store/sql.js";

// Pure helpers other tools may want to match ingestion exactly.
export { eventIdFor } from "./domain/idempotency.js";
export { promptHash, normalizePromptText } from "./domain/prompt.js";
export { openApiDocument } from "./domain/openapi.js";
