import { readFileSync } from "node:fs";
import type { KafkaConfig } from "kafkajs";
import type { ConfigIssue } from "../config/load.js";
import { field, type ConfigOf } from "../config/schema.js";

export const SASL_MECHANISMS = ["plain", "scram-sha-256", "scram-sha-512"] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/** How a client authenticates to the brokers and protects the connection. Absent: plaintext. */
export interface KafkaSecurity {
  /** TLS to the brokers. */
  readonly tls?: { readonly caFile?: string };
  /** SASL credentials (over TLS in production: PLAIN sends the password as is). */
  readonly sasl?: { readonly mechanism: SaslMechanism; readonly username: string; readonly password: string };
}

/**
 * The variables every service reads for its Kafka connection (part of the service process fields),
 * checked by {@link kafkaSecurityIssues}, turned into a {@link KafkaSecurity} by {@link kafkaSecurityOf}.
 */
export const kafkaSecurityFields = {
  kafkaTls: field.bool({ env: "KAFKA_TLS", default: false, description: "TLS to the brokers" }),
  kafkaTlsCaFile: field.string({ env: "KAFKA_TLS_CA_FILE", default: "", description: "PEM file of the CA the brokers' certificates chain to (empty: the system's)" }),
  kafkaSaslMechanism: field.enum(["", ...SASL_MECHANISMS] as const, { env: "KAFKA_SASL_MECHANISM", default: "", description: "SASL mechanism (empty: none)" }),
  kafkaSaslUsername: field.string({ env: "KAFKA_SASL_USERNAME", default: "" }),
  kafkaSaslPassword: field.string({ env: "KAFKA_SASL_PASSWORD", default: "", secret: true }),
};

/** The loaded values of {@link kafkaSecurityFields}. */
export type KafkaSecurityConfig = ConfigOf<typeof kafkaSecurityFields>;

/** What is wrong with a loaded Kafka security config, by variable (for a loader's `refine`). */
export function kafkaSecurityIssues(c: KafkaSecurityConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (c.kafkaSaslMechanism) {
    if (!c.kafkaSaslUsername) issues.push({ variable: "KAFKA_SASL_USERNAME", reason: `required with KAFKA_SASL_MECHANISM=${c.kafkaSaslMechanism}` });
    if (!c.kafkaSaslPassword) issues.push({ variable: "KAFKA_SASL_PASSWORD", reason: `required with KAFKA_SASL_MECHANISM=${c.kafkaSaslMechanism}` });
  } else if (c.kafkaSaslUsername || c.kafkaSaslPassword) {
    issues.push({ variable: "KAFKA_SASL_MECHANISM", reason: "required when KAFKA_SASL_USERNAME or KAFKA_SASL_PASSWORD is set" });
  }
  if (c.kafkaTlsCaFile && !c.kafkaTls) issues.push({ variable: "KAFKA_TLS", reason: "must be true when KAFKA_TLS_CA_FILE is set" });
  if (c.kafkaTlsCaFile) {
    try {
      readFileSync(c.kafkaTlsCaFile);
    } catch (err) {
      issues.push({ variable: "KAFKA_TLS_CA_FILE", reason: `cannot read ${c.kafkaTlsCaFile}: ${(err as Error).message}` });
    }
  }
  return issues;
}

/** Unset fields (a config that does not read them) mean plaintext. */
export function kafkaSecurityOf(c: Partial<KafkaSecurityConfig>): KafkaSecurity {
  return {
    ...(c.kafkaTls ? { tls: c.kafkaTlsCaFile ? { caFile: c.kafkaTlsCaFile } : {} } : {}),
    ...(c.kafkaSaslMechanism ? { sasl: { mechanism: c.kafkaSaslMechanism, username: c.kafkaSaslUsername ?? "", password: c.kafkaSaslPassword ?? "" } } : {}),
  };
}

/** kafkajs's `ssl` and `sasl` client settings. */
export function kafkajsSecurity(s: KafkaSecurity | undefined): Pick<KafkaConfig, "ssl" | "sasl"> {
  const out: Pick<KafkaConfig, "ssl" | "sasl"> = {};
  if (s?.tls) out.ssl = s.tls.caFile ? { ca: [readFileSync(s.tls.caFile, "utf8")] } : true;
  if (s?.sasl) {
    const { username, password } = s.sasl;
    // kafkajs types each mechanism as its own variant.
    switch (s.sasl.mechanism) {
      case "plain":
        out.sasl = { mechanism: "plain", username, password };
        break;
      case "scram-sha-256":
        out.sasl = { mechanism: "scram-sha-256", username, password };
        break;
      case "scram-sha-512":
        out.sasl = { mechanism: "scram-sha-512", username, password };
        break;
    }
  }
  return out;
}
