// Creates a database if it does not exist, retrying while Postgres starts (bounded: 30 tries, ~15 s).
import pg from "pg";

const name = process.argv[2] ?? "rlhf";
if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
const url = process.env.DATABASE_URL_ADMIN;
if (!url) throw new Error("DATABASE_URL_ADMIN is required");

let lastErr;
for (let i = 0; i < 30; i++) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    const r = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (r.rowCount === 0) {
      await client.query(`create database "${name}"`);
      console.log(`database ${name} created`);
    } else {
      console.log(`database ${name} exists`);
    }
    await client.end();
    process.exit(0);
  } catch (err) {
    lastErr = err;
    await client.end().catch(() => {});
    await new Promise((r) => setTimeout(r, 500));
  }
}
console.error(`could not create database ${name}: ${lastErr?.message ?? lastErr}`);
process.exit(1);
