import assert from "node:assert/strict";
import { join } from "node:path";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { openSqlite } from "../harness/store/sqlite.ts";
import { adminCommand } from "./admin.ts";
import { hashToken, verifyBearer } from "./tokens.ts";
import { isRevealed } from "./queue.ts";
import { migrateAll } from "./testing.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

Deno.test("admin CLI: issue, verify and revoke tokens; set limits; reveal", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "db.sqlite");
  try {
    // The real CLI in a child process, against a file store.
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "leaderboard/admin.ts",
        "token",
        "create",
        "--team",
        "lab-x",
        "--db",
        path,
      ],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const token = new TextDecoder().decode(out.stdout).trim();
    assert.match(token, /^isp_[0-9a-f]{64}$/);
    const db = openSqlite(path);
    try {
      await migrateAll(db);
      const row = await db.get<{ hash: string; team: string }>("SELECT hash, team FROM lb_tokens");
      assert.equal(row?.hash, await hashToken(token));
      assert.notEqual(row?.hash, token);
      assert.deepEqual(await verifyBearer(db, `Bearer ${token}`), { role: "team", team: "lab-x" });
      assert.equal(await verifyBearer(db, `Basic ${token}`), undefined);
      assert.equal(await verifyBearer(db, undefined), undefined);
      assert.equal(
        await adminCommand(db, ["team", "limit", "--team", "lab-x", "--daily-limit", "9"]),
        "team lab-x: 9 submissions per day",
      );
      const lim = await db.get<{ daily_limit: number }>("SELECT daily_limit FROM lb_teams");
      assert.equal(Number(lim?.daily_limit), 9);
      await assert.rejects(adminCommand(db, ["token", "create", "--team", "../x"]), /--team/);
      await assert.rejects(adminCommand(db, ["frobnicate"]), /unknown command/);
      const admin = await adminCommand(db, ["token", "create", "--admin"]);
      assert.equal((await verifyBearer(db, `Bearer ${admin}`))?.role, "admin");
      assert.equal(await isRevealed(db, "test"), false);
      await adminCommand(db, ["reveal", "test"]);
      assert.equal(await isRevealed(db, "test"), true);
      await adminCommand(db, ["reveal", "test", "--hide"]);
      assert.equal(await isRevealed(db, "test"), false);
      assert.equal(await adminCommand(db, ["token", "revoke", token]), "revoked");
      assert.equal(await verifyBearer(db, `Bearer ${token}`), undefined);
    } finally {
      await db.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
