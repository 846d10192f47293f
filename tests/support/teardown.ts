// What a test made on the shared stack, removed after it; best effort, so a test that failed half
// way still leaves the broker and the database clean for the next one.
import type { Admin } from "kafkajs";

interface Queryable {
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
}

/** Drops the test's schemas and ends its pool; deletes its topics (by name prefix) and disconnects the admin. */
export async function dropTestData(o: { pool?: Queryable | undefined; schemas?: readonly string[]; admin?: Admin; topicPrefix?: string }): Promise<void> {
  for (const schema of o.schemas ?? []) await o.pool?.query(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
  await o.pool?.end().catch(() => undefined);
  const prefix = o.topicPrefix;
  if (o.admin && prefix) {
    const mine = (await o.admin.listTopics().catch(() => [] as string[])).filter((t) => t.startsWith(prefix));
    if (mine.length > 0) await o.admin.deleteTopics({ topics: mine }).catch(() => undefined);
  }
  await o.admin?.disconnect().catch(() => undefined);
}
