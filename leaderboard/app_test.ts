import assert from "node:assert/strict";
import { join } from "node:path";
import { unzipSync, zipSync } from "fflate";
import { openDataset } from "../harness/io/dataset.ts";
import { decodeImage } from "../harness/io/image.ts";
import type { Method } from "../harness/method.ts";
import { runProtocol } from "../harness/protocol.ts";
import { openSqlite } from "../harness/store/sqlite.ts";
import type { Db } from "../harness/store/types.ts";
import { createApp } from "./app.ts";
import { createBoardCache } from "./cache.ts";
import { storeResults } from "./results.ts";
import {
  BASE,
  makeTinyDataset,
  migrateAll,
  predictionZip,
  seedMethods,
  type TinyDataset,
  XSS,
} from "./testing.ts";
import { createToken, revokeToken } from "./tokens.ts";
import { processOneJob } from "./worker.ts";

interface Ctx {
  db: Db;
  ds: TinyDataset;
  app: Awaited<ReturnType<typeof createApp>>;
  token: string;
  admin: string;
  cache: ReturnType<typeof createBoardCache>;
}

function withApp(name: string, fn: (c: Ctx) => Promise<void>) {
  Deno.test(name, async () => {
    const dir = await Deno.makeTempDir({ prefix: "lb-app-" });
    const db = openSqlite(join(dir, "db.sqlite"));
    try {
      await migrateAll(db);
      const ds = await makeTinyDataset(join(dir, "data"));
      await seedMethods(db, ds);
      const cache = createBoardCache({ ttlMs: 60_000 });
      const app = await createApp({
        db,
        results: storeResults(db),
        dataDir: ds.dir,
        cache,
        maxUploadBytes: 256 * 1024,
        zipLimits: { maxTotalBytes: 2 * 2 ** 20 },
      });
      const token = await createToken(db, { team: "lab-x", dailyLimit: 3 });
      const admin = await createToken(db, { role: "admin" });
      await fn({ db, ds, app, token, admin, cache });
    } finally {
      await db.close();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

const upload = (c: Ctx, body: Uint8Array, query = "phase=val&name=v1", token = c.token) =>
  c.app.request(`/api/submissions?${query}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/zip" },
    body: body as Uint8Array<ArrayBuffer>,
  });

async function submitAndScore(c: Ctx, body: Uint8Array, query?: string): Promise<string> {
  const res = await upload(c, body, query);
  assert.equal(res.status, 202, await res.clone().text());
  const { id } = await res.json();
  assert.equal(await processOneJob({ db: c.db, dataDir: c.ds.dir }), true);
  c.cache.invalidate();
  return id;
}

withApp("leaderboard page: tied ranks, upper bound flag, escaped names, exports", async (c) => {
  const res = await c.app.request("/phase/val");
  assert.equal(res.status, 200);
  const page = await res.text();
  const rows = [
    ...page.matchAll(
      /<tr class="[^"]*">\s*<td data-v="(\d+)">([^<]+)<\/td>\s*<td data-v="([^"]*)"/g,
    ),
  ]
    .map((m) => [m[2], m[3]]);
  assert.deepEqual(rows, [
    ["1", "oracle"],
    ["=2", "method-a"],
    ["=2", "method-b"],
    ["4", "&lt;img src=x onerror=alert(1)&gt;"],
  ]);
  assert.ok(page.includes("upper bound"));
  assert.match(page, /<tr class="upper-bound">\s*<td data-v="1">1</);
  assert.ok(!page.includes(XSS), "raw method name must not appear");
  assert.ok(page.includes('href="/api/leaderboard.csv?phase=val"'));
  assert.ok(page.includes('href="/api/leaderboard?phase=val"'));
  for (const id of ["chart-params", "chart-runtime", "chart-interval", "chart-distribution"]) {
    assert.ok(page.includes(`id="${id}"`), id);
  }
  // Embedded chart JSON cannot close its script element.
  const json = page.match(/<script type="application\/json" id="board-data">(.*?)<\/script>/s)!;
  assert.ok(!json[1].includes("<"));
  const data = JSON.parse(json[1]);
  assert.equal(data.entries.length, 4);
  assert.equal(data.entries[3].method, XSS);
  assert.deepEqual(data.perImage[1].psnr, BASE);
  assert.deepEqual(data.perImage[1].ssim, BASE.map(() => 0.9));
  // The method page escapes descriptions and lists options.
  const mp = await (await c.app.request("/method/method-a?phase=val")).text();
  assert.ok(mp.includes("desc of method-a &lt;script&gt;alert(2)&lt;/script&gt;"));
  assert.ok(mp.includes("<code>lr</code>") && mp.includes("learning rate"));
  assert.match(mp, /<tr><td><code>lr<\/code><\/td><td>0\.001<\/td><td>0\.0001<\/td>/);
  assert.ok(mp.includes('id="per-image"') && mp.includes("valscene_5"));
  // No bench predictions are stored for the seeded runs: input and target crops only.
  assert.ok(mp.includes("/crops/method/method-a/valscene_0/target.png"));
  assert.ok(!mp.includes("/crops/method/method-a/valscene_0/output.png"));
});

withApp("JSON and CSV export match the ranking", async (c) => {
  const res = await c.app.request("/api/leaderboard?phase=val");
  assert.equal(res.status, 200);
  const rows = await res.json();
  assert.deepEqual(rows.map((r: { method: string; rank: number }) => [r.method, r.rank]), [
    ["oracle", 1],
    ["method-a", 2],
    ["method-b", 2],
    [XSS, 4],
  ]);
  const a = rows[1];
  const mean = BASE.reduce((x, y) => x + y) / BASE.length;
  assert.ok(Math.abs(a.psnr.mean - mean) < 1e-12);
  assert.ok(a.psnr.lo < a.psnr.mean && a.psnr.mean < a.psnr.hi);
  assert.deepEqual(Object.keys(a.ssim).sort(), ["hi", "lo", "mean"]);
  assert.equal(a.params, 7055);
  assert.equal(rows[0].usesTruth, true);
  const csv = await (await c.app.request("/api/leaderboard.csv?phase=val")).text();
  const lines = csv.trim().split("\n");
  assert.equal(lines.length, 5);
  assert.ok(lines[0].startsWith("rank,method,psnr,psnr_lo,psnr_hi"));
  assert.ok(lines[2].startsWith(`2,method-a,${mean},`));
  assert.equal((await c.app.request("/api/leaderboard?phase=nope")).status, 400);
  const m = await (await c.app.request("/api/methods/method-b?phase=val")).json();
  assert.equal(m.rank, 2);
  assert.equal(m.images.length, 6);
  assert.equal(m.info.params, 3060);
});

withApp("security headers, CSP, and chart.js served from the npm package", async (c) => {
  for (const path of ["/phase/val", "/submit", "/api", "/api/leaderboard?phase=val"]) {
    const res = await c.app.request(path);
    await res.body?.cancel();
    const csp = res.headers.get("content-security-policy") ?? "";
    assert.match(csp, /script-src 'self'(;|$)/, path);
    assert.match(csp, /default-src 'self'/);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(res.headers.get("x-frame-options"), "DENY");
  }
  const js = await c.app.request("/static/chart.umd.min.js");
  assert.equal(js.status, 200);
  assert.match(js.headers.get("cache-control")!, /max-age=31536000/);
  const text = await js.text();
  const onDisk = await Deno.readTextFile(
    new URL("./chart.umd.min.js", import.meta.resolve("chart.js")),
  );
  assert.equal(text, onDisk);
  assert.ok(text.includes("4.6.1"));
  // No page references another origin.
  const page = await (await c.app.request("/phase/val")).text();
  assert.ok(!/(src|href)="(https?:)?\/\//.test(page));
});

withApp("uploads need a valid team token", async (c) => {
  const zip = predictionZip(c.ds, "val", 5);
  const none = await c.app.request("/api/submissions?phase=val", {
    method: "POST",
    headers: { "content-type": "application/zip" },
    body: zip as Uint8Array<ArrayBuffer>,
  });
  assert.equal(none.status, 401);
  assert.match(none.headers.get("www-authenticate") ?? "", /Bearer/);
  assert.equal((await upload(c, zip, undefined, "isp_" + "0".repeat(64))).status, 401);
  const t2 = await createToken(c.db, { team: "lab-y" });
  assert.equal(await revokeToken(c.db, t2), true);
  assert.equal((await upload(c, zip, undefined, t2)).status, 401);
  // Only the hash is stored.
  const rows = await c.db.all<{ hash: string }>("SELECT hash FROM lb_tokens");
  assert.ok(rows.every((r) => !r.hash.includes(c.token.slice(4)) && r.hash.length === 64));
  // Team tokens cannot reveal; listing needs a token too.
  const rev = await c.app.request("/api/admin/phases/test/reveal", {
    method: "POST",
    headers: { authorization: `Bearer ${c.token}` },
  });
  assert.equal(rev.status, 403);
  assert.equal((await c.app.request("/api/submissions")).status, 401);
  assert.equal(await c.db.get("SELECT id FROM lb_submissions"), undefined);
});

withApp("upload size limit, path traversal and zip bombs are rejected", async (c) => {
  const big = new Uint8Array(300 * 1024);
  crypto.getRandomValues(big.subarray(0, 65536));
  const tooBig = await upload(c, zipSync({ "valscene_0.png": big }, { level: 0 }));
  assert.equal(tooBig.status, 413);
  const png = predictionZip(c.ds, "val", 5);
  const trav = await upload(c, zipSync({ "../../hidden/test/rgb/testscene_0.png": png }));
  assert.equal(trav.status, 400);
  assert.match((await trav.json()).error, /unsafe entry name.*'\.\.'/);
  const abs = await upload(c, zipSync({ "/etc/x.png": png }));
  assert.equal(abs.status, 400);
  // 40 MB of zeros deflate to ~40 kB: past the 2 MiB expansion limit of this app.
  const bomb = zipSync({ "valscene_0.png": new Uint8Array(40 * 2 ** 20) }, { level: 9 });
  assert.ok(bomb.length < 256 * 1024);
  // Rejected uploads count: the daily limit (3) is used up by the three above.
  const limited = await upload(c, bomb);
  assert.equal(limited.status, 429);
  assert.match((await limited.json()).error, /limit of 3 submissions per day/);
  await c.db.run("UPDATE lb_teams SET daily_limit = 100 WHERE name = 'lab-x'");
  const b = await upload(c, bomb);
  assert.equal(b.status, 400);
  assert.match((await b.json()).error, /declares \d+ bytes, over the \d+-byte limit/);
  const notZip = await upload(c, new TextEncoder().encode("hello"));
  assert.equal(notZip.status, 400);
  assert.equal(await c.db.get("SELECT id FROM lb_submissions"), undefined);
});

withApp("a scored submission has the hand-computed PSNR and joins the board", async (c) => {
  // Every pixel off by 3 levels: MSE = (3/255)², PSNR = 20·log10(255/3) on every image.
  const id = await submitAndScore(c, predictionZip(c.ds, "val", 3));
  const s = await (await c.app.request(`/api/submissions/${id}`)).json();
  assert.equal(s.status, "done");
  const expected = 20 * Math.log10(255 / 3);
  assert.equal(s.images.length, 6);
  for (const im of s.images) assert.ok(Math.abs(im.psnr - expected) < 1e-5, String(im.psnr));
  assert.ok(Math.abs(s.summary.psnr.mean - expected) < 1e-5);
  const board = await (await c.app.request("/api/leaderboard?phase=val")).json();
  const mine = board.find((r: { team?: string }) => r.team === "lab-x");
  assert.equal(mine.method, "lab-x/v1");
  assert.equal(mine.rank, 2); // below the oracle (40.1 dB mean), above the rest (≈30.1 dB)
  assert.equal(board[2].rank, 3);
  const page = await (await c.app.request(`/submissions/${id}`)).text();
  assert.ok(page.includes('data-status="done"'));
  assert.ok(page.includes(expected.toFixed(2)));
  // Crops of the submission's validation images are PNGs; the target crop is the target's centre.
  assert.ok(page.includes(`/crops/submission/${id}/valscene_0/output.png`));
  for (const kind of ["input", "output", "target"]) {
    const r = await c.app.request(`/crops/submission/${id}/valscene_0/${kind}.png`);
    assert.equal(r.status, 200, kind);
    assert.equal(r.headers.get("content-type"), "image/png");
    const img = await decodeImage(new Uint8Array(await r.arrayBuffer()), kind);
    assert.equal(img.width, 64); // the 64×64 image is smaller than the 192 crop
    if (kind === "target") {
      // Pixel (10, 20), channel 1 of pattern 0: 20 + (10·7 + 20·13 + 50) mod 210.
      assert.equal(Math.round(img.data[3 * (20 * 64 + 10) + 1] * 255), 20 + (380 % 210));
    }
    if (kind === "output") {
      assert.equal(Math.round(img.data[3 * (20 * 64 + 10) + 1] * 255), 20 + (380 % 210) + 3);
    }
  }
});

withApp("bad submissions fail with a message naming the file", async (c) => {
  const full = predictionZip(c.ds, "val", 2);
  const id1 = await submitAndScore(c, zipSync({ "valscene_0.png": new Uint8Array([1, 2, 3]) }));
  const s1 = await (await c.app.request(`/api/submissions/${id1}`)).json();
  assert.equal(s1.status, "failed");
  assert.match(s1.error, /missing predictions for 5 images: valscene_1/);
  const good = unzipSync(full);
  // A PNG cut after 40 bytes: signature and header intact, data missing.
  const id2 = await submitAndScore(
    c,
    zipSync({ ...good, "valscene_3.png": good["valscene_3.png"].slice(0, 40) }),
  );
  const s2 = await (await c.app.request(`/api/submissions/${id2}`)).json();
  assert.equal(s2.status, "failed");
  assert.match(s2.error, /v1\.zip!valscene_3\.png: corrupt or truncated PNG/);
  const page = await (await c.app.request(`/submissions/${id2}`)).text();
  assert.ok(page.includes('class="error"'));
  // The daily limit (3) is used up by the two failed ones and one more.
  assert.equal((await upload(c, full)).status, 202);
  const over = await upload(c, full);
  assert.equal(over.status, 429);
  assert.match((await over.json()).error, /limit of 3 submissions per day/);
});

withApp("hidden test targets are unreachable by any route", async (c) => {
  const valId = await submitAndScore(c, predictionZip(c.ds, "val", 1));
  const testId = await submitAndScore(c, predictionZip(c.ds, "test", 4), "phase=test&name=t1");
  const hidden = c.ds.test[0];
  const attempts = [
    `/hidden/test/rgb/${hidden}.png`,
    `/static/..%2F..%2Fhidden%2Ftest%2Frgb%2F${hidden}.png`,
    `/static/%2e%2e/%2e%2e/hidden/test/rgb/${hidden}.png`,
    `/crops/submission/${valId}/${hidden}/target.png`,
    `/crops/submission/${testId}/${hidden}/target.png`,
    `/crops/submission/${testId}/${hidden}/output.png`,
    `/crops/submission/${testId}/${c.ds.val[0]}/target.png`,
    `/crops/method/method-a/${hidden}/target.png`,
    `/crops/submission/${valId}/..%2F..%2Fhidden%2Ftest%2Frgb%2F${hidden}/target.png`,
    `/crops/submission/${valId}/..%2Fhidden%2Ftest%2Frgb%2F${hidden}/target.png`,
    `/crops/submission/${valId}/${c.ds.val[0]}/..%2F..%2Fhidden%2Ftest%2Frgb%2F${hidden}.png`,
    `/phase/..%2Fhidden`,
    `/method/..%2F..%2Fhidden%2Ftest%2Frgb%2F${hidden}?phase=test`,
  ];
  for (const path of attempts) {
    const r = await c.app.request(path);
    const body = new Uint8Array(await r.arrayBuffer());
    assert.notEqual(r.status, 200, path);
    assert.ok(!(body[0] === 0x89 && body[1] === 0x50), `${path} returned a PNG`);
  }
  // Test-phase submission pages and API show aggregates only, without per-image scores.
  const t = await (await c.app.request(`/api/submissions/${testId}`)).json();
  assert.equal(t.status, "done");
  assert.equal(t.images, null);
  assert.ok(Math.abs(t.summary.psnr.mean - 20 * Math.log10(255 / 4)) < 1e-5);
  const page = await (await c.app.request(`/submissions/${testId}`)).text();
  assert.ok(page.includes('id="hidden-note"'));
  assert.ok(!page.includes(hidden), "no test image name before reveal");
  const board = await (await c.app.request("/phase/test")).text();
  assert.ok(board.includes('id="hidden-note"') && !board.includes('id="chart-distribution"'));
  const data = JSON.parse(board.match(/id="board-data">(.*?)<\/script>/s)![1]);
  assert.deepEqual(data.perImage, []);
  // The organizer reveals the phase: per-image scores appear.
  const rev = await c.app.request("/api/admin/phases/test/reveal", {
    method: "POST",
    headers: { authorization: `Bearer ${c.admin}` },
  });
  assert.equal(rev.status, 200);
  const after = await (await c.app.request(`/api/submissions/${testId}`)).json();
  assert.deepEqual(after.images.map((i: { image: string }) => i.image), [...c.ds.test]);
  // Still no crops of test images after the reveal.
  const crop = await c.app.request(`/crops/submission/${testId}/${hidden}/target.png`);
  assert.equal(crop.status, 404);
  await crop.body?.cancel();
  // A broken hidden target fails the job without telling the team where targets live.
  await Deno.writeFile(join(c.ds.dir, "hidden/test/rgb", `${hidden}.png`), new Uint8Array(10));
  const brokenId = await submitAndScore(c, predictionZip(c.ds, "test", 4), "phase=test&name=t2");
  const broken = await (await c.app.request(`/api/submissions/${brokenId}`)).json();
  assert.equal(broken.status, "failed");
  assert.equal(broken.error, "internal scoring error (see the server log)");
});

withApp("multipart uploads (the browser form) and the team's submission list", async (c) => {
  const form = new FormData();
  form.append(
    "file",
    new File([predictionZip(c.ds, "val", 6) as Uint8Array<ArrayBuffer>], "p.zip"),
  );
  const res = await c.app.request("/api/submissions?phase=val&name=form-1", {
    method: "POST",
    headers: { authorization: `Bearer ${c.token}` },
    body: form,
  });
  assert.equal(res.status, 202);
  const model = new FormData();
  model.append("model", new File([new Uint8Array([8, 1, 18, 0])], "m.onnx"));
  const noManifest = await c.app.request("/api/submissions?phase=val&name=m1", {
    method: "POST",
    headers: { authorization: `Bearer ${c.token}` },
    body: model,
  });
  assert.equal(noManifest.status, 400);
  const badName = await upload(c, predictionZip(c.ds, "val", 6), "phase=val&name=%3Cb%3E");
  assert.equal(badName.status, 400);
  const list = await (await c.app.request("/api/submissions", {
    headers: { authorization: `Bearer ${c.token}` },
  })).json();
  assert.deepEqual(list.map((s: { name: string }) => s.name), ["form-1"]);
});

Deno.test("method crops show the predictions the bench protocol wrote", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lb-crops-" });
  const db = openSqlite(join(dir, "db.sqlite"));
  try {
    await migrateAll(db);
    const ds = await makeTinyDataset(join(dir, "data"), { val: 2, test: 1 });
    // A method rendering mid-grey everywhere: its stored PNGs hold 128 = ⌊0.5·255 + 0.5⌋.
    const grey: Method = {
      name: "grey",
      description: "constant grey",
      params: 0,
      options: {},
      train: () =>
        Promise.resolve({
          params: 0,
          render: (raw) =>
            Promise.resolve({
              width: raw.width * 2,
              height: raw.height * 2,
              data: new Float32Array(raw.width * raw.height * 12).fill(0.5),
            }),
        }),
    };
    const out = join(dir, "out");
    await runProtocol({
      dataset: await openDataset(ds.dir),
      methods: [{ method: grey, options: {} }],
      db,
      outDir: out,
      progress: false,
      log: () => {},
    });
    const app = await createApp({
      db,
      results: storeResults(db),
      dataDir: ds.dir,
      outputsDir: out,
    });
    const page = await (await app.request("/method/grey?phase=val")).text();
    assert.ok(page.includes("/crops/method/grey/valscene_0/output.png"));
    const r = await app.request("/crops/method/grey/valscene_0/output.png");
    assert.equal(r.status, 200);
    const img = await decodeImage(new Uint8Array(await r.arrayBuffer()), "crop");
    assert.ok(img.data.every((v) => Math.round(v * 255) === 128));
    const hidden = await app.request("/crops/method/grey/testscene_0/output.png");
    assert.equal(hidden.status, 404);
    await hidden.body?.cancel();
    const unknown = await app.request("/crops/method/nobody/valscene_0/output.png");
    assert.equal(unknown.status, 404);
    await unknown.body?.cancel();
  } finally {
    await db.close();
    await Deno.remove(dir, { recursive: true });
  }
});
