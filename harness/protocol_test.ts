import assert from "node:assert/strict";
import { join } from "node:path";
import { openDataset } from "./io/dataset.ts";
import { readImage } from "./io/image.ts";
import type { Method } from "./method.ts";
import { type PlannedMethod, runProtocol } from "./protocol.ts";
import { writeTinyDataset } from "./protocol/testing.ts";
import { createRng } from "./random.ts";
import { getMethod, resolveOptions } from "./registry.ts";
import { leaderboard, listRuns, openResultsDb, perImageScores } from "./store/results.ts";
import type { Db } from "./store/types.ts";
import type { RawImage, RgbImage } from "./types.ts";
import { psnr } from "../metrics/psnr.ts";

/** Nearest-neighbour upsampling of (R, mean G, B) with gamma: a trivial renderer. */
function naive(raw: RawImage, noise?: () => number): RgbImage {
  const w = raw.width * 2, h = raw.height * 2;
  const data = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = ((y >> 1) * raw.width + (x >> 1)) * 4;
      const o = (y * w + x) * 3;
      const n = noise ? noise() : 0;
      data[o] = Math.sqrt(raw.data[p]) + n;
      data[o + 1] = Math.sqrt((raw.data[p + 1] + raw.data[p + 2]) / 2) + n;
      data[o + 2] = Math.sqrt(raw.data[p + 3]) + n;
    }
  }
  return { width: w, height: h, data };
}

function fake(name: string, over: Partial<Method> & { calls?: { n: number } } = {}): Method {
  return {
    name,
    description: `${name} (test)`,
    params: 3,
    options: {},
    train(split, ctx) {
      if (over.calls) over.calls.n++;
      assert.equal(split.truth, undefined, "truth must not reach a method without usesTruth");
      const rng = createRng(ctx.seed);
      return Promise.resolve({
        params: 3,
        render: (raw: RawImage) => Promise.resolve(naive(raw, () => 0.02 * (rng.next() - 0.5))),
      });
    },
    ...over,
  };
}

const thrower = fake("thrower", {
  train: () => Promise.reject(new Error("training exploded")),
});
const nanny = fake("nanny", {
  train: () =>
    Promise.resolve({
      params: 1,
      render: (raw: RawImage) => {
        const img = naive(raw);
        img.data[5] = NaN;
        return Promise.resolve(img);
      },
    }),
});

const plan = (...methods: Method[]): PlannedMethod[] =>
  methods.map((method) => ({ method, options: {} }));

async function withSetup(fn: (root: string, db: Db, out: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "isp-bench-protocol-" });
  const root = join(dir, "data");
  await writeTinyDataset(root);
  const db = await openResultsDb(join(dir, "results.sqlite"));
  try {
    await fn(root, db, join(dir, "out"));
  } finally {
    await db.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("protocol: failures are recorded and the run goes on; scores are real", async () => {
  await withSetup(async (root, db, out) => {
    const lines: string[] = [];
    const ct = getMethod("color-transfer");
    const res = await runProtocol({
      dataset: await openDataset(root),
      methods: [
        ...plan(thrower, nanny, fake("good")),
        { method: ct.method, options: resolveOptions(ct.method, ct.fastProfile) },
      ],
      db,
      outDir: out,
      progress: false,
      log: (l) => lines.push(l),
    });
    assert.deepEqual(res.phases, ["val", "test"]);
    const status = res.outcomes.map((o) => `${o.method}/${o.phase}:${o.status}`);
    assert.deepEqual(status, [
      "thrower/val:failed",
      "thrower/test:failed",
      "nanny/val:failed",
      "nanny/test:failed",
      "good/val:done",
      "good/test:done",
      "color-transfer/val:done",
      "color-transfer/test:done",
    ]);
    const failed = await listRuns(db, { method: "nanny" });
    assert.equal(failed.length, 2);
    for (const r of failed) {
      assert.equal(r.status, "failed");
      assert.match(r.error ?? "", /NaN/);
    }
    assert.match((await listRuns(db, { method: "thrower" }))[0].error ?? "", /training exploded/);

    // Stored per-image PSNR equals the metric recomputed from the written prediction PNG.
    const good = res.outcomes.find((o) => o.method === "good" && o.phase === "val")!;
    assert.equal(good.run.images, 3);
    assert.ok(good.run.msPerMegapixel! > 0);
    const runDir = (await Array.fromAsync(Deno.readDir(out))).find((e) =>
      e.name.startsWith("good-seed0-")
    )!;
    const scores = await perImageScores(db, "good", "val");
    assert.deepEqual(scores.map((s) => s.image), ["val_0", "val_1", "val_2"]);
    const pred = await readImage(join(out, runDir.name, "pred", "val", "val_1.png"));
    const gt = await readImage(join(root, "val", "rgb", "val_1.png"));
    assert.ok(Math.abs(scores[1].psnr - psnr(pred, gt)) < 1e-9);
    assert.ok(scores[1].psnr > 15 && scores[1].psnr < 60, `psnr ${scores[1].psnr}`);
    const files = await Array.fromAsync(Deno.readDir(join(out, runDir.name, "pred", "test")));
    assert.deepEqual(files.map((f) => f.name).sort(), ["test_0.png", "test_1.png"]);

    const board = await leaderboard(db, "val");
    assert.deepEqual(board.map((r) => r.method).sort(), ["color-transfer", "good"]);
    assert.ok(lines.some((l) => /nanny seed 0 val: FAILED: .*NaN/.test(l)), lines.join("\n"));
  });
});

Deno.test("protocol: re-running resumes; failed runs are retried", async () => {
  await withSetup(async (root, db, out) => {
    const calls = { n: 0 };
    const failCalls = { n: 0 };
    const failing = fake("failing", {
      train: () => {
        failCalls.n++;
        return Promise.reject(new Error("no"));
      },
    });
    const run = async (seeds: number[]) =>
      await runProtocol({
        dataset: await openDataset(root),
        methods: plan(fake("counted", { calls }), failing),
        seeds,
        db,
        outDir: out,
        progress: false,
        log: () => {},
      });
    await run([0]);
    assert.equal(calls.n, 1);
    const again = await run([0]);
    assert.equal(calls.n, 1, "a finished (method, phase, seed, options, dataset) is not redone");
    assert.deepEqual(again.outcomes.filter((o) => o.method === "counted").map((o) => o.status), [
      "resumed",
      "resumed",
    ]);
    assert.equal(failCalls.n, 2, "failed runs are retried");
    await run([0, 1]);
    assert.equal(calls.n, 2, "only the new seed is trained");
    // A changed dataset is new work.
    await Deno.writeTextFile(join(root, "dataset.json"), JSON.stringify({ name: "tiny2" }));
    await run([0]);
    assert.equal(calls.n, 3);
  });
});

Deno.test("protocol: the same seed gives identical results; upper bounds get the truth", async () => {
  const scoresOf = async (seed: number) => {
    let result: unknown;
    await withSetup(async (root, db, out) => {
      await runProtocol({
        dataset: await openDataset(root),
        methods: plan(fake("noisy")),
        seeds: [seed],
        db,
        outDir: out,
        progress: false,
        log: () => {},
      });
      result = {
        val: await perImageScores(db, "noisy", "val"),
        test: await perImageScores(db, "noisy", "test"),
        board: (await leaderboard(db, "val")).map((r) => [r.psnr, r.ssim, r.deltaE2000]),
      };
    });
    return result;
  };
  const a = await scoresOf(3);
  assert.deepEqual(await scoresOf(3), a);
  assert.notDeepEqual(await scoresOf(4), a);

  await withSetup(async (root, db, out) => {
    let truthSeen = 0;
    const oracle: Method = {
      ...fake("oracle"),
      usesTruth: true,
      train(split) {
        truthSeen = split.truth?.size ?? 0;
        return Promise.resolve({ params: 0, render: (raw) => Promise.resolve(naive(raw)) });
      },
    };
    await runProtocol({
      dataset: await openDataset(root),
      methods: plan(oracle),
      db,
      outDir: out,
      progress: false,
      log: () => {},
    });
    assert.equal(truthSeen, 4);
    const [row] = await leaderboard(db, "test");
    assert.equal(row.usesTruth, true);
  });
});

Deno.test("protocol: hidden targets never land next to predictions or in the log", async () => {
  const dir = await Deno.makeTempDir({ prefix: "isp-bench-hidden-" });
  try {
    const root = join(dir, "data");
    const { hiddenFiles } = await writeTinyDataset(root);
    const db = await openResultsDb(join(dir, "r.sqlite"));
    const lines: string[] = [];
    const out = join(dir, "out");
    try {
      const ct = getMethod("classical");
      await runProtocol({
        dataset: await openDataset(root),
        methods: [...plan(fake("good")), { method: ct.method, options: resolveOptions(ct.method) }],
        db,
        outDir: out,
        progress: false,
        log: (l) => lines.push(l),
      });
    } finally {
      await db.close();
    }
    const hidden = new Set<string>();
    for (const f of hiddenFiles) hidden.add(Array.from(await Deno.readFile(f)).join(","));
    const walk = async (d: string): Promise<string[]> => {
      const out: string[] = [];
      for await (const e of Deno.readDir(d)) {
        const p = join(d, e.name);
        out.push(...(e.isDirectory ? await walk(p) : [p]));
      }
      return out;
    };
    const written = await walk(out);
    assert.ok(written.length >= 10, `only ${written.length} files written`);
    for (const f of written) {
      assert.ok(!hidden.has(Array.from(await Deno.readFile(f)).join(",")), `${f} is a target copy`);
    }
    const log = lines.join("\n");
    assert.ok(!/hidden/i.test(log), log);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("protocol: a dataset without targets (NTIRE layout) trains nothing", async () => {
  await withSetup(async (root, db, out) => {
    await Deno.remove(join(root, "val"), { recursive: true });
    await Deno.remove(join(root, "hidden"), { recursive: true });
    const calls = { n: 0 };
    const lines: string[] = [];
    const res = await runProtocol({
      dataset: await openDataset(root),
      methods: plan(fake("counted", { calls })),
      db,
      outDir: out,
      progress: false,
      log: (l) => lines.push(l),
    });
    assert.deepEqual(res.phases, []);
    assert.equal(calls.n, 0);
    assert.deepEqual(await listRuns(db), []);
    assert.ok(lines.includes("phase test: no targets here, not scored"), lines.join("\n"));
  });
});
