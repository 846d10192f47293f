import { createRater, LABELING_SCHEMA, migrateLabeling, revokeRater } from "@rlhf-loop/labeling";
import { requireString, UsageError, type Command } from "../command.js";
import { databaseOption, databaseUrlFrom, withPool } from "./database.js";

const ROLES = ["expert", "lead", "service"] as const;
type Role = (typeof ROLES)[number];

export const raterCreate: Command = {
  path: ["rater", "create"],
  summary: "create an expert (or lead) for the review page and print their key",
  usage: "rlhf rater create --tenant ID --id RATER_ID [--role expert|lead|service] [--name NAME] [--database-url URL]",
  options: { tenant: { type: "string" }, id: { type: "string" }, role: { type: "string" }, name: { type: "string" }, ...databaseOption },
  async run(values) {
    const tenantId = requireString(values, "tenant");
    const raterId = requireString(values, "id");
    const role = (values["role"] ?? "expert") as Role;
    if (!ROLES.includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(", ")}, got "${String(role)}"`);
    const name = typeof values["name"] === "string" ? values["name"] : raterId;
    const created = await withPool(databaseUrlFrom(values), async (pool) => {
      await migrateLabeling(pool);
      return createRater(pool, LABELING_SCHEMA, { tenantId, raterId, role, name });
    });
    process.stderr.write(`rater ${raterId} (${role}) created; the key below is shown once\n`);
    process.stdout.write(`${created.key}\n`);
    return 0;
  },
};

export const raterRevoke: Command = {
  path: ["rater", "revoke"],
  summary: "revoke a rater's key",
  usage: "rlhf rater revoke --tenant ID --id RATER_ID [--database-url URL]",
  options: { tenant: { type: "string" }, id: { type: "string" }, ...databaseOption },
  async run(values) {
    const tenantId = requireString(values, "tenant");
    const raterId = requireString(values, "id");
    const revoked = await withPool(databaseUrlFrom(values), (pool) => revokeRater(pool, LABELING_SCHEMA, tenantId, raterId));
    process.stderr.write(revoked ? "revoked\n" : "no live rater matched\n");
    return revoked ? 0 : 1;
  },
};
