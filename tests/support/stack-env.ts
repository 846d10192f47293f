import { readFileSync } from "node:fs";

export interface StackEnv {
  brokers: string[];
  databaseUrl: string;
}

/** KAFKA_BROKERS / DATABASE_URL from the environment, else from .run/stack.env (`bash infra/stack.sh up`). */
export function readStackEnv(): StackEnv | undefined {
  let brokers = process.env["KAFKA_BROKERS"];
  let databaseUrl = process.env["DATABASE_URL"];
  if (!brokers || !databaseUrl) {
    try {
      for (const line of readFileSync(new URL("../../.run/stack.env", import.meta.url), "utf8").split("\n")) {
        const [k, ...v] = line.split("=");
        if (k === "KAFKA_BROKERS") brokers ??= v.join("=");
        if (k === "DATABASE_URL") databaseUrl ??= v.join("=");
      }
    } catch {
      return undefined;
    }
  }
  return brokers && databaseUrl ? { brokers: brokers.split(","), databaseUrl } : undefined;
}

/** The same, failing with the command to run when the stack is not up. */
export function stackEnv(): StackEnv {
  const env = readStackEnv();
  if (!env) throw new Error("KAFKA_BROKERS and DATABASE_URL must be set (run `bash infra/stack.sh up`)");
  return env;
}
