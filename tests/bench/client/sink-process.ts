// The minimal local sink (contract-speaking, no Kafka/Postgres) in its own process, so the
// benchmark's CPU figures count only the client. Prints its URL on stdout.
import { startSink } from "@rlhf-loop/client/testing";

const sink = await startSink({ apiKey: process.argv[2] ?? "rlhf_bench_secret" });
console.log(sink.url);
process.on("SIGTERM", () => void sink.close().then(() => process.exit(0)));
