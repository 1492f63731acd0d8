import assert from "node:assert/strict";
import { appliedMigrations, migrate } from "./migrate.ts";
import { backendTest, testBackends } from "./testing.ts";
import type { Db, Migration } from "./types.ts";

const m = (id: string, ddl: string): Migration => ({ id, sqlite: ddl, postgres: ddl });

const ONE = m("demo/001_init", "CREATE TABLE a (x TEXT); CREATE TABLE b (y TEXT)");
const TWO = m("demo/002_more", "ALTER TABLE a ADD COLUMN z INTEGER");

async function tables(db: Db): Promise<string[]> {
  const sql = db.dialect === "sqlite"
    ? "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
    : "SELECT table_name AS name FROM information_schema.tables " +
      "WHERE table_schema = current_schema() ORDER BY table_name";
  return (await db.all<{ name: string }>(sql)).map((r) => r.name);
}

for (const b of testBackends()) {
  const test = backendTest(b);

  test("migrate applies in id order once, then is a no-op", async (db) => {
    assert.deepEqual(await migrate(db, [TWO, ONE]), ["demo/001_init", "demo/002_more"]);
    assert.deepEqual(await tables(db), ["a", "b", "schema_migrations"]);
    await db.run("INSERT INTO a (x, z) VALUES ($1, $2)", ["v", 3]);
    assert.deepEqual(await migrate(db, [ONE, TWO]), []);
    assert.deepEqual(await appliedMigrations(db), ["demo/001_init", "demo/002_more"]);
    // A later namespace adds its own steps through the same table.
    assert.deepEqual(await migrate(db, [m("other/001_x", "CREATE TABLE c (q TEXT)")]), [
      "other/001_x",
    ]);
  });

  test("a failing migration leaves nothing behind and stops the run", async (db) => {
    const bad = m("demo/002_bad", "CREATE TABLE half (x TEXT); CREATE TABLE a (dup TEXT)");
    await assert.rejects(migrate(db, [ONE, bad, m("demo/003_after", "CREATE TABLE c (x TEXT)")]));
    assert.deepEqual(await tables(db), ["a", "b", "schema_migrations"]);
    assert.deepEqual(await appliedMigrations(db), ["demo/001_init"]);
  });

  test("an edited applied migration and bad ids are refused", async (db) => {
    await migrate(db, [ONE]);
    await assert.rejects(
      migrate(db, [m("demo/001_init", "CREATE TABLE a (x TEXT, w TEXT)")]),
      /changed after it was applied/,
    );
    await assert.rejects(migrate(db, [m("init", "SELECT 1")]), /not <namespace>\/<NNN>_<name>/);
    await assert.rejects(migrate(db, [TWO, TWO]), /appears twice/);
  });

  test("concurrent migrate calls apply each step once", async (db) => {
    const steps = [ONE, TWO, m("demo/003_c", "CREATE TABLE c (x TEXT)")];
    const results = await Promise.all([migrate(db, steps), migrate(db, steps), migrate(db, steps)]);
    assert.deepEqual(results.flat().sort(), ["demo/001_init", "demo/002_more", "demo/003_c"]);
  });
}
