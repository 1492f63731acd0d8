import assert from "node:assert/strict";
import { join } from "node:path";
import { OptionError } from "../errors.ts";
import { openDb } from "./open.ts";
import { testBackends } from "./testing.ts";

Deno.test("openDb: sqlite:PATH, plain paths (parents created) and :memory:", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (
      const url of [`sqlite:${join(dir, "a.sqlite")}`, join(dir, "sub", "b.sqlite"), ":memory:"]
    ) {
      const db = await openDb(url);
      assert.equal(db.dialect, "sqlite");
      await db.run("CREATE TABLE t (x TEXT)");
      await db.close();
    }
    assert.ok((await Deno.stat(join(dir, "a.sqlite"))).isFile);
    assert.ok((await Deno.stat(join(dir, "sub", "b.sqlite"))).isFile);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openDb: bad URLs raise OptionError naming --db", async () => {
  await assert.rejects(openDb("  "), (e) => e instanceof OptionError && e.option === "--db");
  await assert.rejects(openDb("mysql://x/y"), /unsupported database URL/);
  await assert.rejects(openDb("sqlite:"), /no file path/);
  await assert.rejects(
    openDb("postgres://u:p@127.0.0.1:1/db?schema=Bad-Name"),
    (e) => e instanceof OptionError && /invalid schema name/.test(e.message),
  );
});

const pg = testBackends().find((b) => b.name === "postgres")!;
Deno.test({
  name: "[postgres] openDb: postgres:// URL with ?schema= isolates tables",
  ignore: pg.ignore,
  fn: async () => {
    const t = await pg.open();
    try {
      await t.db.run("CREATE TABLE only_here (x TEXT)");
      const db = await openDb(t.url); // t.url carries ?schema=<unique>
      try {
        assert.equal(db.dialect, "postgres");
        assert.deepEqual(await db.all("SELECT * FROM only_here"), []);
        const s = await db.get<{ s: string }>("SELECT current_schema() AS s");
        assert.equal(s?.s, t.schema);
      } finally {
        await db.close();
      }
    } finally {
      await t.cleanup();
    }
  },
});
