import autocannon from "autocannon";
const [url, key, mode, conns, dur] = process.argv.slice(2);
let n = 0;
const run = Math.random().toString(36).slice(2, 8);
const thumb = (id) => ({ interactionId: id, source: "FEEDBACK_SOURCE_END_USER", thumb: { direction: "THUMB_DIRECTION_UP" }, raterId: "u1", idempotencyKey: `t-${id}` });
const ix = (id) => ({ interactionId: id, prompt: [{ role: "ROLE_USER", content: "Where is my refund?" }], answer: "Within 5 days.", occurredAt: "2024-05-01T10:00:00Z", idempotencyKey: `k-${id}` });
const body = () => {
  if (mode === "single") return JSON.stringify(thumb(`L-${run}-${n++}`));
  const events = [];
  for (let i = 0; i < 500; i++) { const id = `B-${run}-${n++}`; events.push({ interaction: ix(id) }); }
  return JSON.stringify({ events });
};
const r = await autocannon({
  url, method: "POST", connections: Number(conns), duration: Number(dur),
  headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
  requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }],
});
console.log(JSON.stringify({ mode, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors, total2xx: r["2xx"] }));
