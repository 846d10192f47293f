// Ceiling for the HTTP path: a fastify route that parses the same JSON body and answers 202,
// with no validation, auth, Kafka or Postgres. Prints its port on stdout, exits on SIGTERM.
import Fastify from "fastify";

const app = Fastify({ logger: false, bodyLimit: 5 * 1024 * 1024 });
app.post("/v1/feedback", async (_req, reply) => reply.code(202).send({ ok: true }));
app.post("/v1/events:batch", async (_req, reply) => reply.code(202).send({ ok: true }));
const address = await app.listen({ host: "127.0.0.1", port: 0 });
process.stdout.write(`${JSON.stringify({ url: address })}\n`);
process.on("SIGTERM", () => {
  void app.close().then(() => process.exit(0));
});
