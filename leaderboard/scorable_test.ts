// `serve` says what it can score: startup lines per phase, a 503 with the reason for a phase
// without targets (instead of a submission queued forever), the reason on the submit page, the
// bench's fixtures used when --data is absent; `admin` without a command fails with its usage.
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openSqlite } from "../harness/store/sqlite.ts";
import { createApp } from "./app.ts";
import { benchFixtures, scorablePhases, scorableReport } from "./scorable.ts";
import { makeTinyDataset, migrateAll, predictionZip } from "./testing.ts";
import { createToken } from "./tokens.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

Deno.test("scorable phases: found from the targets; the app refuses the others with 503 and says why", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lb-scorable-" });
  const db = openSqlite(join(dir, "db.sqlite"));
  try {
    await migrateAll(db);
    const ds = await makeTinyDataset(join(dir, "data"));
    assert.deepEqual([...(await scorablePhases(ds.dir)).keys()], ["val", "test"]);
    await Deno.remove(join(ds.dir, "hidden", "test"), { recursive: true });
    const phases = await scorablePhases(ds.dir);
    assert.deepEqual([...phases], [["val", join(ds.dir, "val", "rgb")]]);
    assert.deepEqual([...(await scorablePhases(undefined)).keys()], []);
    assert.equal(
      scorableReport(phases, ds.dir),
      `scoring val: yes, targets in ${join(ds.dir, "val", "rgb")}\n` +
        `scoring test: NO — ${ds.dir} has no hidden/test/rgb, so test submissions are refused (503)`,
    );

    const app = await createApp({ db, dataDir: ds.dir, scorable: phases });
    const token = await createToken(db, { team: "lab-x" });
    const post = (phase: string) =>
      app.request(`/api/submissions?phase=${phase}&name=run`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/zip" },
        body: predictionZip(ds, "val", 0) as Uint8Array<ArrayBuffer>,
      });
    const refused = await post("test");
    assert.equal(refused.status, 503);
    assert.match(
      (await refused.json()).error,
      /cannot score test submissions: .*hidden\/test\/rgb/,
    );
    assert.equal((await post("val")).status, 202);
    const page = await (await app.request("/submit")).text();
    assert.match(page, /Not accepting test submissions/);
    assert.match(page, /<option value="test" disabled>/);
    assert.doesNotMatch(page, /Not accepting val/);

    // Without `scorable` (library use, workers elsewhere) every phase is accepted as before.
    const open = await createApp({ db, dataDir: ds.dir });
    const r = await open.request("/api/submissions?phase=test&name=run2", {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/zip" },
      body: predictionZip(ds, "val", 0) as Uint8Array<ArrayBuffer>,
    });
    assert.equal(r.status, 202);

    // The bench's fixtures folder is found under the outputs folder, and only when it exists.
    assert.equal(await benchFixtures(dir), undefined);
    await Deno.mkdir(join(dir, "fixtures", "small-seed0", "val"), { recursive: true });
    assert.equal(await benchFixtures(dir), join(dir, "fixtures", "small-seed0"));
  } finally {
    await db.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/** Starts `serve`, returns its stderr up to the "leaderboard on" line, then stops it. */
async function serveStartup(args: string[]): Promise<string> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "leaderboard/serve.ts", "--port", "0", ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const dec = new TextDecoder();
  let err = "";
  const errDone = (async () => {
    for await (const chunk of child.stderr) err += dec.decode(chunk);
  })();
  let out = "";
  for await (const chunk of child.stdout) {
    out += dec.decode(chunk);
    if (out.includes("leaderboard on")) break;
  }
  child.kill("SIGTERM");
  await child.status;
  await errDone;
  return err + out;
}

Deno.test({
  name: "serve CLI: logs what it can score; --help lists defaults; admin without a command exits 2",
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "lb-serve-cli-" });
    try {
      const none = await serveStartup(["--db", join(dir, "a.sqlite"), "--outputs", dir]);
      assert.match(none, /scoring val: NO — no dataset \(start serve with --data DIR/);
      assert.match(none, /scoring test: NO/);
      const ds = await makeTinyDataset(join(dir, "data"));
      const some = await serveStartup(["--db", join(dir, "b.sqlite"), "--data", ds.dir]);
      assert.match(some, /scoring val: yes, targets in .*val\/rgb/);
      assert.match(some, /scoring test: yes, targets in .*hidden\/test\/rgb/);

      const run = async (args: string[]) => {
        const r = await new Deno.Command(Deno.execPath(), {
          args,
          cwd: ROOT,
          env: { NO_COLOR: "1" },
          stdout: "piped",
          stderr: "piped",
        }).output();
        const dec = new TextDecoder();
        return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
      };
      const help = await run(["run", "-A", "leaderboard/serve.ts", "--help"]);
      assert.equal(help.code, 0);
      assert.match(help.out, /--port N +port \(default 8000/);
      assert.match(help.out, /--data DIR/);
      const bad = await run(["run", "-A", "leaderboard/serve.ts", "--port", "x"]);
      assert.equal(bad.code, 2);
      assert.equal(bad.err.trim().split("\n").length, 1, bad.err);
      assert.match(bad.err, /--port: expected a whole number from 0 to 65535, got 'x'/);
      const admin = await run([
        "run",
        "-A",
        "leaderboard/admin.ts",
        "--db",
        join(dir, "c.sqlite"),
      ]);
      assert.equal(admin.code, 2);
      assert.match(admin.err, /a command is required/);
      assert.match(admin.err, /token create --team NAME/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
