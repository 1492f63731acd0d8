/**
 * Every access rule of the leaderboard, checked with two teams and an organizer, so that removing
 * any filter or check makes one of these assertions fail.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { zipSync } from "fflate";
import { openSqlite } from "../harness/store/sqlite.ts";
import { createApp } from "./app.ts";
import { createBoardCache } from "./cache.ts";
import { storeResults } from "./results.ts";
import { makeTinyDataset, migrateAll, predictionZip } from "./testing.ts";
import { createToken } from "./tokens.ts";
import { processOneJob } from "./worker.ts";

Deno.test("access rules: two teams and an organizer, each filter tested", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lb-access-" });
  const db = openSqlite(join(dir, "db.sqlite"));
  try {
    await migrateAll(db);
    const ds = await makeTinyDataset(join(dir, "data"), { val: 3, test: 2, size: 32 });
    const app = await createApp({
      db,
      results: storeResults(db),
      dataDir: ds.dir,
      cache: createBoardCache({ ttlMs: 0 }),
      authFailureLimit: { max: 5, windowMs: 60_000 },
    });
    const a = await createToken(db, { team: "team-a", dailyLimit: 3 });
    const b = await createToken(db, { team: "team-b", dailyLimit: 3 });
    const org = await createToken(db, { role: "admin" });
    const auth = (t: string) => ({ authorization: `Bearer ${t}` });
    const post = (t: string, body: Uint8Array, q = "phase=val&name=v1") =>
      app.request(`/api/submissions?${q}`, {
        method: "POST",
        headers: { ...auth(t), "content-type": "application/zip" },
        body: body as Uint8Array<ArrayBuffer>,
      });
    const json = async (r: Response | Promise<Response>) => await (await r).json();

    // Uploads: teams may, the organizer token (no team) may not.
    const aVal = (await json(post(a, predictionZip(ds, "val", 2)))).id;
    const aTest = (await json(post(a, predictionZip(ds, "test", 3), "phase=test&name=t1"))).id;
    const bBad = (await json(post(b, zipSync({ "valscene_0.png": new Uint8Array(9) })))).id;
    assert.equal((await post(org, predictionZip(ds, "val", 2))).status, 403);
    while (await processOneJob({ db, dataDir: ds.dir })) { /* drain */ }

    // The list: each team sees only its own; the organizer sees all; no token, no list.
    const ids = async (t: string) =>
      (await json(app.request("/api/submissions", { headers: auth(t) })))
        .map((s: { id: string }) => s.id).sort();
    assert.deepEqual(await ids(a), [aVal, aTest].sort());
    assert.deepEqual(await ids(b), [bBad]);
    assert.deepEqual(await ids(org), [aVal, aTest, bBad].sort());
    assert.equal((await app.request("/api/submissions")).status, 401);

    // Daily limits are per team: a's three uploads (one rejected) leave b's quota alone.
    assert.equal((await post(a, new TextEncoder().encode("not a zip"))).status, 400);
    assert.equal((await post(a, predictionZip(ds, "val", 2))).status, 429);
    assert.equal((await post(b, predictionZip(ds, "val", 2))).status, 202);

    // Hidden per-image test scores: for nobody until revealed, for everyone after.
    assert.equal((await json(app.request(`/api/submissions/${aTest}`))).images, null);
    const mine = (await json(app.request("/api/submissions", { headers: auth(a) })))
      .find((s: { id: string }) => s.id === aTest);
    assert.equal(mine.images, null);
    const reveal = (t: string) =>
      app.request("/api/admin/phases/test/reveal", { method: "POST", headers: auth(t) });
    assert.equal((await reveal(a)).status, 403);
    assert.equal((await json(app.request(`/api/submissions/${aTest}`))).images, null);
    assert.equal((await reveal(org)).status, 200);
    assert.equal((await json(app.request(`/api/submissions/${aTest}`))).images.length, 2);

    // Crops: a scored val submission has output crops; a failed one and a test one have none.
    const crop = (id: string, img: string, kind = "output") =>
      app.request(`/crops/submission/${id}/${img}/${kind}.png`);
    assert.equal((await crop(aVal, ds.val[0])).status, 200);
    assert.equal((await crop(bBad, ds.val[0])).status, 404);
    assert.equal((await crop(bBad, ds.val[0], "target")).status, 404);
    assert.equal((await crop(aTest, ds.test[0])).status, 404);
    assert.equal((await crop(aTest, ds.val[0], "target")).status, 404);

    // Failed submissions tell the team what went wrong, and never where the server keeps data.
    const failed = await json(app.request(`/api/submissions/${bBad}`));
    assert.equal(failed.status, "failed");
    assert.ok(!failed.error.includes(dir), failed.error);

    // Wrong methods get 405 with Allow; unknown paths 404.
    const del = await app.request("/api/submissions", { method: "DELETE" });
    assert.equal(del.status, 405);
    assert.equal(del.headers.get("allow"), "GET, HEAD, POST");
    assert.equal((await app.request("/api/leaderboard", { method: "PUT" })).status, 405);
    assert.equal((await app.request("/nope")).status, 404);

    // Failed authentication is throttled per address: after 5 failures (the tokenless request
    // above and 4 bad tokens) even a good token waits.
    for (let i = 0; i < 4; i++) {
      assert.equal((await app.request("/api/submissions", { headers: auth("bad") })).status, 401);
    }
    assert.equal((await app.request("/api/submissions", { headers: auth(a) })).status, 429);
    // Multipart without a boundary is the client's mistake, not a server error.
    const app2 = await createApp({ db, dataDir: ds.dir });
    const nb = await app2.request("/api/submissions?phase=val", {
      method: "POST",
      headers: { ...auth(b), "content-type": "multipart/form-data" },
      body: "x",
    });
    assert.equal(nb.status, 400);
  } finally {
    await db.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("team names are validated for every token, organizer tokens included", async () => {
  const db = openSqlite(":memory:");
  await migrateAll(db);
  for (const role of ["team", "admin"] as const) {
    await assert.rejects(createToken(db, { role, team: "<script>x</script>" }), /must match/);
    await assert.rejects(createToken(db, { role, team: "=cmd|' /C calc'!A0" }), /must match/);
  }
  assert.match(await createToken(db, { role: "admin", team: "org-1" }), /^isp_/);
  await db.close();
});
