/** Polls `check` until it returns a truthy value, bounded in time and in tries. Test helper. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  { timeoutMs = 20_000, intervalMs = 50, what = "condition" }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  const maxTries = Math.ceil(timeoutMs / intervalMs) + 1;
  let last: unknown;
  for (let i = 0; i < maxTries && Date.now() <= deadline; i++) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}${last instanceof Error ? ` (last error: ${last.message})` : ""}`);
}

export const randomSuffix = (): string => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

/** Reads KAFKA_BROKERS / DATABASE_URL; tests that need them skip with this message when absent. */
export const stackEnv = {
  brokers: process.env.KAFKA_BROKERS?.split(",").filter(Boolean),
  databaseUrl: process.env.DATABASE_URL,
};
export const NO_KAFKA = "KAFKA_BROKERS is not set: start the stack (bash infra/stack.sh up) and source .run/stack.env";
export const NO_DB = "DATABASE_URL is not set: start the stack (bash infra/stack.sh up) and source .run/stack.env";
