// Open-loop Score load from a separate process (as a real client would be), so the service's
// process does only service work. Args: ADDRESS RATE SECONDS. Prints one JSON line.
import { createGrpcClient } from "@rlhf-loop/kit";
import { Reward } from "@rlhf-loop/proto";

const [address, rateArg, secondsArg] = process.argv.slice(2);
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const client = createGrpcClient(Reward, address!);
const words = "refund order policy the a to your we can cannot please note sorry help account password ship delay".split(" ");
const rows = Array.from({ length: 64 }, (_, i) => ({
  prompt: `question ${i} about my order`,
  answer: Array.from({ length: 40 }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(" "),
}));
for (let i = 0; i < 200; i++) await client.score(rows[i % 64]!);
const lat: number[] = [];
let failed = 0;
const total = rate * seconds;
const start = performance.now();
const inflight: Promise<void>[] = [];
for (let i = 0; i < total; i++) {
  const due = start + (i * 1000) / rate;
  const wait = due - performance.now();
  if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  // Latency from the scheduled time (open loop), so a late sender cannot hide queueing.
  inflight.push(
    client.score(rows[i % 64]!).then(
      () => void lat.push(performance.now() - due),
      () => void failed++,
    ),
  );
}
await Promise.all(inflight);
const elapsed = (performance.now() - start) / 1000;
client.close();
process.stdout.write(`${JSON.stringify({ lat, failed, achievedRate: total / elapsed })}\n`);
