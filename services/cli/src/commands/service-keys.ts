// `rlhf <canary|reward|policy> keys create|list|revoke`: the callers' API keys of the canary, the
// reward service and the RL trainer's Policy service, straight in the service's database schema.
import { KEY_ROLES, type KeyRole, type Pool, type ServiceKeys } from "@rlhf-loop/kit";
import { canaryKeys, migrateCanary } from "@rlhf-loop/canary";
import { migrateReward, rewardKeys } from "@rlhf-loop/reward";
import { migrateRlTrainer, policyKeys } from "@rlhf-loop/rl-trainer";
import { requireString, UsageError, type Command } from "../command.js";
import { databaseOption, databaseUrlFrom, withPool } from "./database.js";

interface KeyedService {
  /** The CLI word: canary, reward, policy. */
  readonly word: string;
  readonly keys: ServiceKeys;
  readonly migrate: (pool: Pool, o: { schema?: string }) => Promise<unknown>;
  readonly schemaEnv: string;
}

const SERVICES: readonly KeyedService[] = [
  { word: "canary", keys: canaryKeys, migrate: migrateCanary, schemaEnv: "CANARY_DB_SCHEMA" },
  { word: "reward", keys: rewardKeys, migrate: migrateReward, schemaEnv: "REWARD_DB_SCHEMA" },
  { word: "policy", keys: policyKeys, migrate: migrateRlTrainer, schemaEnv: "RL_DB_SCHEMA" },
];

const schemaOption = { schema: { type: "string" } } as const;

function schemaOf(s: KeyedService, values: Record<string, unknown>): string {
  return typeof values["schema"] === "string" ? values["schema"] : (process.env[s.schemaEnv] ?? s.keys.defaultSchema);
}

function commandsFor(s: KeyedService): Command[] {
  const create: Command = {
    path: [s.word, "keys", "create"],
    summary: `issue a ${s.word} API key (${s.keys.prefix}_...) for a tenant and role; printed once`,
    usage: `rlhf ${s.word} keys create --tenant TENANT|'*' --role ${KEY_ROLES.join("|")} [--label LABEL] [--schema ${s.keys.defaultSchema}] [--database-url URL]`,
    options: { tenant: { type: "string" }, role: { type: "string" }, label: { type: "string" }, ...schemaOption, ...databaseOption },
    async run(values) {
      const tenantId = requireString(values, "tenant");
      const role = requireString(values, "role");
      if (!(KEY_ROLES as readonly string[]).includes(role)) throw new UsageError(`--role must be one of ${KEY_ROLES.join(", ")}, got "${role}"`);
      if (tenantId === "*" && role !== "service") throw new UsageError("--tenant '*' (every tenant) is for --role service only");
      const schema = schemaOf(s, values);
      const made = await withPool(databaseUrlFrom(values), async (pool) => {
        await s.migrate(pool, { schema });
        return s.keys.create(pool, { schema, tenantId, role: role as KeyRole, label: typeof values["label"] === "string" ? values["label"] : "cli" });
      });
      process.stderr.write(`${s.word} key ${made.id} (${made.role} of ${made.tenantId === "*" ? "every tenant" : `tenant ${made.tenantId}`}); the key below is shown once (only its hash is stored)\n`);
      process.stdout.write(`${made.key}\n`);
      return 0;
    },
  };
  const list: Command = {
    path: [s.word, "keys", "list"],
    summary: `list ${s.word} API keys (ids, tenants, roles; never the keys)`,
    usage: `rlhf ${s.word} keys list [--tenant TENANT] [--schema ${s.keys.defaultSchema}] [--database-url URL]`,
    options: { tenant: { type: "string" }, ...schemaOption, ...databaseOption },
    async run(values) {
      const schema = schemaOf(s, values);
      const rows = await withPool(databaseUrlFrom(values), async (pool) => {
        await s.migrate(pool, { schema });
        return s.keys.list(pool, { schema, ...(typeof values["tenant"] === "string" ? { tenantId: values["tenant"] } : {}) });
      });
      for (const k of rows) {
        process.stdout.write(`${k.id}\t${k.tenantId}\t${k.role}\t${k.label}\t${k.createdAt.toISOString()}\t${k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : "live"}\n`);
      }
      return 0;
    },
  };
  const revoke: Command = {
    path: [s.word, "keys", "revoke"],
    summary: `revoke a ${s.word} API key by its id (keys list) or the key itself`,
    usage: `rlhf ${s.word} keys revoke --id ID | --key KEY [--schema ${s.keys.defaultSchema}] [--database-url URL]`,
    options: { id: { type: "string" }, key: { type: "string" }, ...schemaOption, ...databaseOption },
    async run(values) {
      const id = values["id"];
      const key = values["key"];
      if ((typeof id === "string") === (typeof key === "string")) throw new UsageError("give exactly one of --id and --key");
      const schema = schemaOf(s, values);
      const n = await withPool(databaseUrlFrom(values), (pool) => s.keys.revoke(pool, typeof key === "string" ? { key } : { id: id as string }, { schema }));
      process.stderr.write(n > 0 ? "revoked (services stop accepting it within seconds)\n" : "no live key matched\n");
      return n > 0 ? 0 : 1;
    },
  };
  return [create, list, revoke];
}

/** The nine key commands: canary, reward and policy, each with create, list, revoke. */
export const serviceKeyCommands: readonly Command[] = SERVICES.flatMap(commandsFor);
