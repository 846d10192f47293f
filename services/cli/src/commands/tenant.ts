import { createApiKey, createTenant, listApiKeys, migrateIngestion, revokeApiKey } from "@rlhf-loop/ingestion";
import { optionalInt, requireString, type Command } from "../command.js";
import { databaseOption, databaseUrlFrom, withPool } from "./database.js";

export const tenantCreate: Command = {
  path: ["tenant", "create"],
  summary: "create (or update) a tenant and print a new API key for it",
  usage: "rlhf tenant create --id ID [--name NAME] [--rate EVENTS_PER_S --burst N] [--label LABEL] [--database-url URL]",
  options: { id: { type: "string" }, name: { type: "string" }, rate: { type: "string" }, burst: { type: "string" }, label: { type: "string" }, ...databaseOption },
  async run(values) {
    const tenantId = requireString(values, "id");
    const rate = values["rate"] === undefined ? undefined : optionalInt(values, "rate", 0, 1);
    const burst = values["burst"] === undefined ? undefined : optionalInt(values, "burst", 0, 1);
    const name = typeof values["name"] === "string" ? values["name"] : tenantId;
    const label = typeof values["label"] === "string" ? values["label"] : "cli";
    const created = await withPool(databaseUrlFrom(values), async (pool) => {
      await migrateIngestion(pool);
      const tenant = await createTenant(pool, { tenantId, name, ...(rate ? { ratePerSec: rate } : {}), ...(burst ? { burst } : {}) });
      const key = await createApiKey(pool, { tenantId: tenant.tenantId, label });
      return { tenant, key };
    });
    process.stderr.write(`tenant ${created.tenant.tenantId} ready; the key below is shown once (only its hash is stored)\n`);
    process.stdout.write(`${created.key.apiKey}\n`);
    return 0;
  },
};

export const keyCreate: Command = {
  path: ["key", "create"],
  summary: "issue another API key for an existing tenant",
  usage: "rlhf key create --tenant ID [--label LABEL] [--database-url URL]",
  options: { tenant: { type: "string" }, label: { type: "string" }, ...databaseOption },
  async run(values) {
    const tenantId = requireString(values, "tenant");
    const label = typeof values["label"] === "string" ? values["label"] : "cli";
    const key = await withPool(databaseUrlFrom(values), async (pool) => {
      await migrateIngestion(pool);
      return createApiKey(pool, { tenantId, label });
    });
    process.stdout.write(`${key.apiKey}\n`);
    return 0;
  },
};

export const keyRevoke: Command = {
  path: ["key", "revoke"],
  summary: "revoke an API key (reads the key from --key)",
  usage: "rlhf key revoke --key KEY [--database-url URL]",
  options: { key: { type: "string" }, ...databaseOption },
  async run(values) {
    const apiKey = requireString(values, "key");
    const revoked = await withPool(databaseUrlFrom(values), (pool) => revokeApiKey(pool, { apiKey }));
    process.stderr.write(revoked ? "revoked\n" : "no live key matched\n");
    return revoked ? 0 : 1;
  },
};

export const keyList: Command = {
  path: ["key", "list"],
  summary: "list a tenant's API keys (prefixes only)",
  usage: "rlhf key list --tenant ID [--database-url URL]",
  options: { tenant: { type: "string" }, ...databaseOption },
  async run(values) {
    const tenantId = requireString(values, "tenant");
    const keys = await withPool(databaseUrlFrom(values), (pool) => listApiKeys(pool, { tenantId }));
    for (const k of keys) {
      process.stdout.write(`${k.keyPrefix}\t${k.label}\t${k.createdAt.toISOString()}\t${k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : "live"}\n`);
    }
    return 0;
  },
};
