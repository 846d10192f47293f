// A Kafka broker of the test's own that only speaks SASL_SSL, from the same Maven jars as the
// stack's broker: a self-signed certificate made with keytool, PLAIN users in the listener's JAAS
// line, SCRAM-SHA-512 users written into the metadata when the storage is formatted, KRaft on two
// free ports of 127.0.0.1. Started and stopped by process id.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@rlhf-loop/kit";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const LIBS = path.join(ROOT, "infra/kafka/target/libs");
const STORE_PASSWORD = "test-store-pass";

export const USERS = { admin: "admin-secret", svc: "svc-secret" } as const;
/** SCRAM-SHA-512 users (credentials the broker keeps in its metadata). */
export const SCRAM_USERS = { scrammer: "scram-secret" } as const;

export interface SecuredBroker {
  readonly address: string;
  /** PEM of the broker's (self-signed) certificate: the CA a client must trust. */
  readonly caFile: string;
  readonly logFile: string;
  stop(): Promise<void>;
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 2).join(" ")} failed (${r.status}): ${r.stderr || r.stdout}`);
}

export async function startSecuredBroker(): Promise<SecuredBroker> {
  if (!existsSync(path.join(LIBS, "kafka_2.13-3.9.1.jar"))) throw new Error(`no Kafka jars in ${LIBS}: run bash infra/kafka/start.sh (or make test) once`);
  const dir = mkdtempSync(path.join(tmpdir(), "rlhf-sasl-ssl-"));
  const [port, controllerPort] = [await freePort(), await freePort()];
  const keystore = path.join(dir, "broker.p12");
  const truststore = path.join(dir, "trust.p12");
  const caFile = path.join(dir, "ca.pem");
  const keytool = (args: string[]) => run("keytool", [...args, "-storetype", "PKCS12", "-storepass", STORE_PASSWORD]);
  keytool(["-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2", "-dname", "CN=127.0.0.1", "-ext", "SAN=IP:127.0.0.1,DNS:localhost", "-keystore", keystore, "-keypass", STORE_PASSWORD]);
  keytool(["-exportcert", "-alias", "broker", "-rfc", "-file", caFile, "-keystore", keystore]);
  keytool(["-importcert", "-noprompt", "-alias", "ca", "-file", caFile, "-keystore", truststore]);
  const jaasUsers = Object.entries(USERS).map(([u, p]) => `user_${u}="${p}"`).join(" ");
  const props = path.join(dir, "server.properties");
  writeFileSync(
    props,
    [
      "process.roles=broker,controller",
      "node.id=1",
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=SASL_SSL://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=SASL_SSL://127.0.0.1:${port}`,
      "controller.listener.names=CONTROLLER",
      "inter.broker.listener.name=SASL_SSL",
      "listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL",
      "sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512",
      "sasl.mechanism.inter.broker.protocol=PLAIN",
      `listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="${USERS.admin}" ${jaasUsers};`,
      "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;",
      `ssl.keystore.location=${keystore}`,
      "ssl.keystore.type=PKCS12",
      `ssl.keystore.password=${STORE_PASSWORD}`,
      `ssl.key.password=${STORE_PASSWORD}`,
      `ssl.truststore.location=${truststore}`,
      "ssl.truststore.type=PKCS12",
      `ssl.truststore.password=${STORE_PASSWORD}`,
      `log.dirs=${path.join(dir, "data")}`,
      "num.partitions=1",
      "offsets.topic.replication.factor=1",
      "offsets.topic.num.partitions=3",
      "transaction.state.log.replication.factor=1",
      "transaction.state.log.min.isr=1",
      "auto.create.topics.enable=false",
      "group.initial.rebalance.delay.ms=0",
      "group.min.session.timeout.ms=3000",
      "num.network.threads=1",
      "num.io.threads=2",
    ].join("\n") + "\n",
  );
  const java = ["-Dlog4j.configuration=file:" + path.join(ROOT, "infra/kafka/log4j.properties"), "-Djava.awt.headless=true", "-cp", `${LIBS}/*`];
  const scram = Object.entries(SCRAM_USERS).flatMap(([name, password]) => ["--add-scram", `SCRAM-SHA-512=[name=${name},password=${password}]`]);
  run("java", [...java, "kafka.tools.StorageTool", "format", "-t", randomUUID(), "-c", props, ...scram]);
  const logFile = path.join(dir, "kafka.log");
  const out = openSync(logFile, "a");
  const child: ChildProcess = spawn("java", ["-Xmx256m", "-Xms128m", "-XX:+UseSerialGC", ...java, "kafka.Kafka", props], { stdio: ["ignore", out, out] });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.pid !== undefined) {
      const exited = new Promise((r) => child.once("exit", r));
      process.kill(child.pid, "SIGTERM");
      const timer = setTimeout(() => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, "SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { address: `127.0.0.1:${port}`, caFile, logFile, stop };
}

/** The last lines of the broker's log, for a failure message. */
export function logTail(b: SecuredBroker, lines = 20): string {
  try {
    return readFileSync(b.logFile, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
