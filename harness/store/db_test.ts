import assert from "node:assert/strict";
import { backendTest, testBackends, withTestDb } from "./testing.ts";

for (const b of testBackends()) {
  const test = backendTest(b);

  test("run/all/get with $n placeholders and typed values", async (db) => {
    assert.equal(db.dialect, b.name);
    await db.run("CREATE TABLE t (k TEXT PRIMARY KEY, n BIGINT, x DOUBLE PRECISION, f INTEGER)");
    const ins = await db.run(
      "INSERT INTO t (k, n, x, f) VALUES ($1, $2, $3, $4), ($5, $6, $7, $8)",
      [
        "a",
        9_007_199_254_740_991,
        0.25,
        1,
        "b",
        2n,
        -1.5,
        0,
      ],
    );
    assert.equal(ins.changes, 2);
    const rows = await db.all<{ k: string; n: number; x: number }>(
      "SELECT k, n, x FROM t WHERE k <> $1 OR n = $2 ORDER BY k",
      ["zz", 2],
    );
    assert.deepEqual(rows, [{ k: "a", n: 9_007_199_254_740_991, x: 0.25 }, {
      k: "b",
      n: 2,
      x: -1.5,
    }]);
    // A `$1` inside a literal is data, not a placeholder.
    const lit = await db.get<{ s: string }>("SELECT '$1' AS s FROM t WHERE k = $1", ["a"]);
    assert.deepEqual(lit, { s: "$1" });
    assert.equal(await db.get("SELECT k FROM t WHERE k = $1", ["none"]), undefined);
    const cnt = await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM t");
    assert.equal(cnt?.n, 2); // int8 counts come back as numbers on both engines
    const upd = await db.run("UPDATE t SET f = $1 WHERE f = $2", [true, 1]);
    assert.equal(upd.changes, 1);
  });

  test("transaction commits on resolve and rolls back on throw", async (db) => {
    await db.run("CREATE TABLE t (k TEXT PRIMARY KEY)");
    const out = await db.transaction(async (tx) => {
      await tx.run("INSERT INTO t (k) VALUES ($1)", ["kept"]);
      return 7;
    });
    assert.equal(out, 7);
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.run("INSERT INTO t (k) VALUES ($1)", ["lost"]);
        assert.equal((await tx.all("SELECT k FROM t")).length, 2); // visible inside
        throw new Error("boom");
      }),
      /boom/,
    );
    assert.deepEqual(await db.all("SELECT k FROM t ORDER BY k"), [{ k: "kept" }]);
    // A failing statement inside the transaction rolls back the earlier ones too.
    await assert.rejects(db.transaction(async (tx) => {
      await tx.run("INSERT INTO t (k) VALUES ($1)", ["x"]);
      await tx.run("INSERT INTO t (k) VALUES ($1)", ["kept"]);
    }));
    assert.deepEqual(await db.all("SELECT k FROM t ORDER BY k"), [{ k: "kept" }]);
  });

  test("nested transactions are savepoints", async (db) => {
    await db.run("CREATE TABLE t (k TEXT PRIMARY KEY)");
    await db.transaction(async (tx) => {
      await tx.run("INSERT INTO t (k) VALUES ('outer')");
      await assert.rejects(tx.transaction(async (inner) => {
        await inner.run("INSERT INTO t (k) VALUES ('inner')");
        throw new Error("inner fails");
      }));
      await tx.transaction((inner) => inner.run("INSERT INTO t (k) VALUES ('inner2')"));
    });
    assert.deepEqual(await db.all("SELECT k FROM t ORDER BY k"), [{ k: "inner2" }, {
      k: "outer",
    }]);
  });

  test("work outside a transaction does not leak into it", async (db) => {
    await db.run("CREATE TABLE t (k TEXT PRIMARY KEY)");
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const tx = db.transaction(async (t) => {
      await t.run("INSERT INTO t (k) VALUES ('in-tx')");
      await gate;
      throw new Error("rollback");
    });
    // Issued while the transaction is open: must not be rolled back with it.
    const outside = db.run("INSERT INTO t (k) VALUES ('outside')");
    await new Promise((r) => setTimeout(r, 20));
    release();
    await assert.rejects(tx, /rollback/);
    await outside;
    assert.deepEqual(await db.all("SELECT k FROM t"), [{ k: "outside" }]);
  });
}

Deno.test("[sqlite] file is in WAL mode with a busy timeout", async () => {
  await withTestDb(testBackends().find((x) => x.name === "sqlite")!, async (db) => {
    assert.deepEqual(await db.get("PRAGMA journal_mode"), { journal_mode: "wal" });
    const t = await db.get<{ timeout: number }>("PRAGMA busy_timeout");
    assert.equal(t?.timeout, 10_000);
  });
});
