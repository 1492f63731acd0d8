import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { bootstrapMean } from "../stats/bootstrap.ts";
import {
  findDoneRun,
  getRun,
  leaderboard,
  listRuns,
  methodInfo,
  migrate,
  perImageScores,
  RESULTS_MIGRATIONS,
  runAggregate,
  type RunKey,
  saveRun,
  startRun,
} from "./mod.ts";
import { backendTest, testBackends } from "./testing.ts";
import type { Db, ImageScore } from "./types.ts";

const KEY: RunKey = {
  method: "classical",
  phase: "val",
  seed: 0,
  options: { b: 2, a: "x" },
  datasetHash: "hash-1",
};

/** Scores of n images: psnr = base + k·step, ssim and ΔE derived so the order is unambiguous. */
function scores(base: number, n = 6, step = 0.5): ImageScore[] {
  return Array.from({ length: n }, (_, k) => ({
    image: `img_${k}`,
    psnr: base + k * step,
    ssim: 0.5 + base / 100,
    deltaE2000: 40 - base,
  }));
}

const agg = (s: ImageScore[]) => ({
  psnr: bootstrapMean(s.map((x) => x.psnr)),
  ssim: bootstrapMean(s.map((x) => x.ssim)),
  deltaE2000: bootstrapMean(s.map((x) => x.deltaE2000)),
});

async function save(db: Db, key: RunKey, s: ImageScore[], extra: Record<string, unknown> = {}) {
  return await saveRun(db, {
    run: { ...key, datasetId: "fixture", params: 10, msPerMegapixel: 5, ...extra },
    scores: s,
    aggregate: agg(s),
  });
}

for (const b of testBackends()) {
  const test = backendTest(b, (db) => migrate(db, RESULTS_MIGRATIONS));

  test("saveRun round trip and findDoneRun resume key", async (db) => {
    const started = await startRun(db, { ...KEY, datasetId: "fixture" });
    assert.equal(started.status, "running");
    assert.equal(await findDoneRun(db, KEY), undefined); // running is not done
    const s = scores(25);
    const rec = await saveRun(db, {
      run: { ...started, params: 123, usesTruth: true, wallMs: 1500, msPerMegapixel: 42.5 },
      scores: s,
      aggregate: { ...agg(s), psnrPooled: 25.9 },
      method: { name: "classical", description: "d", params: 123, usesTruth: true },
    });
    assert.equal(rec.status, "done");
    const found = await findDoneRun(db, { ...KEY, options: { a: "x", b: 2 } }); // key order free
    assert.ok(found);
    assert.equal(found.id, started.id);
    assert.deepEqual(found.options, { a: "x", b: 2 });
    assert.equal(found.params, 123);
    assert.equal(found.usesTruth, true);
    assert.equal(found.msPerMegapixel, 42.5);
    assert.equal(found.images, 6);
    assert.equal(typeof found.finishedAt, "string");
    for (const other of [{ seed: 1 }, { phase: "test" }, { datasetHash: "h2" }, { options: {} }]) {
      assert.equal(await findDoneRun(db, { ...KEY, ...other }), undefined, JSON.stringify(other));
    }
    const a = await runAggregate(db, started.id);
    assert.equal(a?.psnr.mean, 26.25); // (25 + 25.5 + … + 27.5) / 6
    assert.equal(a?.psnrPooled, 25.9);
    assert.equal((await listRuns(db, { method: "classical" })).length, 1);
  });

  test("a failed run is stored with its error and is not a resume hit", async (db) => {
    await saveRun(db, { run: { ...KEY, datasetId: "fixture", error: "NaN in output" } });
    assert.equal(await findDoneRun(db, KEY), undefined);
    const [run] = await listRuns(db, { status: "failed" });
    assert.equal(run.error, "NaN in output");
    const info = await methodInfo(db, "classical");
    assert.deepEqual(info?.runs, { running: 0, done: 0, failed: 1 });
    assert.equal(info?.lastError, "NaN in output");
    assert.equal(await methodInfo(db, "nobody"), undefined);
  });

  test("saveRun is one transaction: a failure midway leaves nothing visible", async (db) => {
    const s = scores(20);
    const dup = [...s, s[0]]; // duplicate image: the last score insert violates the primary key
    await assert.rejects(saveRun(db, {
      run: { ...KEY, id: "half", datasetId: "fixture" },
      scores: dup,
      aggregate: agg(s),
      method: { name: "classical", description: "", params: 0, usesTruth: false },
    }));
    assert.equal(await getRun(db, "half"), undefined);
    assert.deepEqual(await db.all("SELECT * FROM scores"), []);
    assert.deepEqual(await db.all("SELECT * FROM methods"), []);
    // Non-finite scores are refused before anything is written.
    const iv = { mean: 1, lo: 1, hi: 1 };
    await assert.rejects(
      saveRun(db, {
        run: { ...KEY, datasetId: "fixture" },
        scores: [{ image: "a", psnr: NaN, ssim: 1, deltaE2000: 0 }],
        aggregate: { psnr: iv, ssim: iv, deltaE2000: iv },
      }),
      /psnr of 'a' is NaN/,
    );
    assert.deepEqual(await db.all("SELECT * FROM runs"), []);
  });

  test("a process killed inside the transaction leaves nothing behind", async (db, url) => {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        fileURLToPath(new URL("./testdata/crash_child.ts", import.meta.url)),
        url,
      ],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = child.stdout.getReader();
    let text = "";
    while (!text.includes("ready")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    assert.match(text, /ready/);
    // The row is written (inside the child's open transaction) but must not be visible.
    child.kill("SIGKILL");
    await child.status;
    reader.releaseLock();
    await child.stdout.cancel().catch(() => {});
    assert.equal(await getRun(db, "crashed"), undefined);
    assert.deepEqual(await db.all("SELECT * FROM scores"), []);
    // The database is still writable after the crash.
    await save(db, KEY, scores(20));
    assert.equal((await listRuns(db)).length, 1);
  });

  test("leaderboard: tied ranks, seed means, latest options, upper bounds", async (db) => {
    const k = (method: string, seed = 0, options = {}) => ({ ...KEY, method, seed, options });
    await save(db, k("weak"), scores(20));
    await save(db, k("strong", 0), scores(30));
    await save(db, k("strong", 1), scores(32)); // mean over seeds: 31 + k/2
    // Differs from "strong" by a small alternating amount: a paired test cannot separate them.
    // Same mean PSNR as "strong"; a lower SSIM breaks the tie in the strict order.
    const close = scores(31).map((s, i) => ({
      ...s,
      psnr: s.psnr + (i % 2 ? 0.4 : -0.4),
      ssim: 0.7,
    }));
    await save(db, k("close"), close);
    await save(db, k("oracle"), scores(40), { usesTruth: true });
    // An older option set of "weak" is superseded by its newest run's options.
    await save(db, k("weak", 0, { old: true }), scores(50), { finishedAt: "2000-01-01T00:00:00Z" });
    await save(db, { ...k("other-dataset"), datasetHash: "hash-0" }, scores(99), {
      finishedAt: "2000-01-01T00:00:00Z",
    });
    const rows = await leaderboard(db, "val");
    assert.deepEqual(rows.map((r) => [r.method, r.rank]), [
      ["oracle", 1],
      ["strong", 2],
      ["close", 2],
      ["weak", 4],
    ]);
    const strong = rows[1];
    const seedMean = scores(31);
    assert.deepEqual(strong.psnr, bootstrapMean(seedMean.map((s) => s.psnr)));
    assert.equal(strong.psnr.mean, 32.25);
    assert.ok(strong.psnr.lo < 32.25 && strong.psnr.hi > 32.25);
    assert.equal(rows[0].usesTruth, true);
    assert.equal(rows[3].psnr.mean, 21.25); // the old options' 50 dB run is not used
    assert.equal(rows[3].params, 10);
    assert.equal(rows[3].msPerMegapixel, 5);
    const per = await perImageScores(db, "strong", "val");
    assert.deepEqual(per.map((s) => s.psnr), [31, 31.5, 32, 32.5, 33, 33.5]);
    assert.deepEqual(await leaderboard(db, "test"), []);
    // A pinned option set wins over the newest one.
    const pinned = await leaderboard(db, "val", { optionSets: { weak: { old: true } } });
    assert.equal(pinned.find((r) => r.method === "weak")?.psnr.mean, 51.25);
    // Ranked among a subset only: "close" alone is first.
    const sub = await leaderboard(db, "val", { methods: ["close", "weak"] });
    assert.deepEqual(sub.map((r) => [r.method, r.rank]), [["close", 1], ["weak", 2]]);
    const old = await leaderboard(db, "val", { datasetHash: "hash-0" });
    assert.deepEqual(old.map((r) => [r.method, r.rank]), [["other-dataset", 1]]);
  });
}
