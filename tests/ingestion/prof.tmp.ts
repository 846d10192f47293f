import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startHarness } from "./harness.js";
const run = promisify(execFile);
const modes = (process.argv[2] ?? "single,batch").split(",");
const persist = process.argv[3] !== "nopersist";
const conns = process.argv[4];
const h = await startHarness({ defaultRateLimit: { ratePerSec: 1e7, burst: 1e7 }, persist });
try {
  for (const mode of modes) {
    const x0 = (await h.pool.query("select xact_commit::int as n from pg_stat_database where datname = current_database()")).rows[0].n;
    const cpu0 = process.cpuUsage();
    const out = (await run("node", ["tests/ingestion/ac.tmp.mjs", `${h.baseUrl}${mode === "single" ? "/v1/feedback" : "/v1/events:batch"}`, h.apiKey, mode, conns ?? (mode === "single" ? "20" : "4"), "5"])).stdout;
    const r = JSON.parse(out.trim().split("\n").pop()!);
    const want = r.total2xx * (mode === "single" ? 1 : 500);
    const t0 = Date.now();
    if (persist) await h.eventually(async () => {
      const q = await h.pool.query(`select (select count(*) from "${h.schema}".parked_feedback)::int + (select count(*) from "${h.schema}".interactions)::int as n`);
      if (q.rows[0].n < want) throw new Error(`only ${q.rows[0].n}`);
    }, 60000);
    const drain = Date.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const x1 = (await h.pool.query("select xact_commit::int as n from pg_stat_database where datname = current_database()")).rows[0].n;
    console.log(out.trim(), `events/s ${(want / 5).toFixed(0)}`, `drain ${drain}ms`, `CPU µs/event ${((cpu.user + cpu.system) / want).toFixed(1)}`, `pg tx/request ${((x1 - x0) / r.total2xx).toFixed(2)}`);
    if (persist) await h.pool.query(`truncate "${h.schema}".parked_feedback, "${h.schema}".interactions cascade`);
  }
} finally { await h.close(); }
