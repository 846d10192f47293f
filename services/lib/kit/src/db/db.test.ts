import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { NO_DB, randomSuffix, stackEnv } from "../testing/wait.js";
import { checkMigrated, runMigrations } from "./migrations.js";
import { createPool, dbHealth, withTransaction, type Pool } from "./pool.js";

describe("db on the real Postgres", { skip: stackEnv.databaseUrl ? false : NO_DB }, () => {
  let pool: Pool;
  let dir: string;
  const schemas: string[] = [];
  const fresh = () => {
    const s = `kit_mig_${randomSuffix()}`;
    schemas.push(s);
    return s;
  };

  before(async () => {
    pool = createPool({ url: stackEnv.databaseUrl ?? "", max: 6 });
    dir = await mkdtemp(path.join(tmpdir(), "kit-mig-"));
    await writeFile(path.join(dir, "001_events.sql"), "create table events (id text primary key, n int not null default 0);\n");
    await writeFile(path.join(dir, "002_index.sql"), "create index events_n on events (n);\ninsert into events (id) values ('seed');\n");
  });
  after(async () => {
    for (const s of schemas) await pool.query(`drop schema if exists "${s}" cascade`);
    await pool.end();
    await rm(dir, { recursive: true, force: true });
  });

  it("applies migrations in order into the service's own schema, once", async () => {
    const schema = fresh();
    const r1 = await runMigrations(pool, { schema, dir });
    assert.deepEqual(r1.applied, ["001_events.sql", "002_index.sql"]);
    const r2 = await runMigrations(pool, { schema, dir });
    assert.deepEqual(r2.applied, []);
    assert.deepEqual(r2.skipped, ["001_events.sql", "002_index.sql"]);
    const rows = await pool.query(`select id from "${schema}".events`);
    assert.deepEqual(rows.rows, [{ id: "seed" }]);
    const recorded = await pool.query(`select version, name, length(checksum) as len from "${schema}".schema_migrations order by version`);
    assert.deepEqual(recorded.rows, [
      { version: 1, name: "events", len: 64 },
      { version: 2, name: "index", len: 64 },
    ]);
    // Nothing leaked into public.
    const pub = await pool.query(`select 1 from information_schema.tables where table_schema = 'public' and table_name = 'events'`);
    assert.equal(pub.rowCount, 0);
  });

  it("applies each file once when several processes start together (advisory lock)", async () => {
    const schema = fresh();
    const results = await Promise.all([1, 2, 3, 4].map(() => runMigrations(pool, { schema, dir })));
    const applied = results.flatMap((r) => r.applied).sort();
    assert.deepEqual(applied, ["001_events.sql", "002_index.sql"]);
    const rows = await pool.query(`select count(*)::int as n from "${schema}".events`);
    assert.equal(rows.rows[0].n, 1, "the seed insert ran once");
  });

  it("checkMigrated passes only when every file is recorded with its checksum (what a service started without migrating checks)", async () => {
    const schema = fresh();
    await assert.rejects(checkMigrated(pool, { schema, dir }), new RegExp(`schema ${schema} lacks migration\\(s\\) 001_events\\.sql, 002_index\\.sql: run the migration Job`));
    const d1 = await mkdtemp(path.join(tmpdir(), "kit-mig-"));
    try {
      await writeFile(path.join(d1, "001_events.sql"), "create table events (id text primary key, n int not null default 0);\n");
      await runMigrations(pool, { schema, dir: d1 });
      await assert.rejects(checkMigrated(pool, { schema, dir }), /lacks migration\(s\) 002_index\.sql:/);
      await runMigrations(pool, { schema, dir });
      await checkMigrated(pool, { schema, dir });
      await checkMigrated(pool, { schema, dir: d1 }); // an older build on a newer schema
      await writeFile(path.join(d1, "001_events.sql"), "create table events (id text primary key);\n");
      await assert.rejects(checkMigrated(pool, { schema, dir: d1 }), /001_events\.sql differ from what schema .* recorded/);
    } finally {
      await rm(d1, { recursive: true, force: true });
    }
    const tables = await pool.query(`select count(*)::int as n from information_schema.tables where table_schema = $1`, [schema]);
    assert.equal(tables.rows[0].n, 2, "checking created nothing");
  });

  it("refuses an applied migration whose content changed", async () => {
    const schema = fresh();
    const d2 = await mkdtemp(path.join(tmpdir(), "kit-mig-"));
    try {
      await writeFile(path.join(d2, "001_a.sql"), "create table a (id int);");
      await runMigrations(pool, { schema, dir: d2 });
      await writeFile(path.join(d2, "001_a.sql"), "create table a (id bigint);");
      await assert.rejects(runMigrations(pool, { schema, dir: d2 }), /001_a\.sql was edited after it was applied/);
    } finally {
      await rm(d2, { recursive: true, force: true });
    }
  });

  it("rolls back a failing migration entirely and records nothing", async () => {
    const schema = fresh();
    const d2 = await mkdtemp(path.join(tmpdir(), "kit-mig-"));
    try {
      await writeFile(path.join(d2, "001_ok.sql"), "create table ok (id int);");
      await writeFile(path.join(d2, "002_bad.sql"), "create table half (id int);\nselect * from no_such_table;");
      await assert.rejects(runMigrations(pool, { schema, dir: d2 }), /no_such_table/);
      const t = await pool.query(`select table_name from information_schema.tables where table_schema = $1 order by 1`, [schema]);
      assert.deepEqual(t.rows.map((r) => r.table_name), ["ok", "schema_migrations"]);
      const v = await pool.query(`select version from "${schema}".schema_migrations`);
      assert.deepEqual(v.rows, [{ version: 1 }]);
    } finally {
      await rm(d2, { recursive: true, force: true });
    }
  });

  it("rejects badly named files and schema names", async () => {
    const d2 = await mkdtemp(path.join(tmpdir(), "kit-mig-"));
    try {
      await writeFile(path.join(d2, "1-init.sql"), "select 1;");
      await assert.rejects(runMigrations(pool, { schema: fresh(), dir: d2 }), /must be named NNN_name\.sql/);
      await assert.rejects(runMigrations(pool, { schema: 'x"; drop', dir }), /plain lowercase identifier/);
    } finally {
      await rm(d2, { recursive: true, force: true });
    }
  });

  it("withTransaction rolls back on error", async () => {
    const schema = fresh();
    await runMigrations(pool, { schema, dir });
    await assert.rejects(
      withTransaction(pool, async (c) => {
        await c.query(`insert into "${schema}".events (id) values ('x')`);
        throw new Error("abort");
      }),
      /abort/,
    );
    const r = await pool.query(`select count(*)::int as n from "${schema}".events where id = 'x'`);
    assert.equal(r.rows[0].n, 0);
  });

  it("reports health, and unhealthy for an unreachable server within the bound", async () => {
    assert.deepEqual(await dbHealth(pool), { ok: true });
    const bad = createPool({ url: "postgres://x:y@127.0.0.1:1/none", connectionTimeoutMs: 500 });
    const t0 = Date.now();
    const h = await dbHealth(bad, 1_000);
    assert.equal(h.ok, false);
    assert.ok(Date.now() - t0 < 2_000);
    await bad.end();
  });
});
