import assert from "node:assert/strict";
import { join } from "node:path";
import { readImage } from "../io/image.ts";
import { captureIo as capture, writeTinyDataset } from "../protocol/testing.ts";
import { leaderboard, openResultsDb } from "../store/results.ts";
import { bench, isFixtureDataset } from "./bench.ts";

Deno.test("bench: end to end on a tiny dataset, report files, resume", async () => {
  const dir = await Deno.makeTempDir({ prefix: "isp-bench-cli-" });
  try {
    const data = join(dir, "data");
    await writeTinyDataset(data);
    const out = join(dir, "out");
    const jsonFile = join(dir, "copy.json");
    const args = [
      "--data",
      data,
      "--out",
      out,
      "--methods",
      "classical,color-transfer",
      "--json",
      jsonFile,
      "--no-progress",
      "--opt",
      "classical.gamma=2.4",
    ];
    const c = capture();
    assert.equal(await bench(args, c.io), 0);
    const stdout = c.stdout();
    assert.match(stdout, /Leaderboard, phase val/);
    assert.match(stdout, /Leaderboard, phase test/);
    assert.match(stdout, /ordering check \(test\): SKIPPED/);
    // The power note under each phase's table, from the two competitors' per-image scores.
    assert.match(stdout, /95% intervals resample \d+ (scenes|images)/);
    assert.match(stdout, /Detectable difference .*PSNR \d+\.\d\d .*over 1 pairs\) dB/);
    assert.ok(!/hidden/i.test(stdout), "no hidden paths in stdout");

    const text = await Deno.readTextFile(join(out, "report", "results.json"));
    assert.equal(await Deno.readTextFile(jsonFile), text);
    const json = JSON.parse(text);
    assert.deepEqual(Object.keys(json), ["results"]);
    assert.equal(json.results.length, 4);
    for (const r of json.results) {
      assert.deepEqual(Object.keys(r), [
        "method",
        "phase",
        "rank",
        "psnr",
        "ssim",
        "deltaE2000",
        "params",
        "msPerMegapixel",
      ]);
      for (const k of ["psnr", "ssim", "deltaE2000"]) {
        assert.deepEqual(Object.keys(r[k]), ["mean", "lo", "hi"]);
        assert.ok(r[k].lo <= r[k].mean && r[k].mean <= r[k].hi, `${k} interval`);
      }
      assert.ok(r.msPerMegapixel > 0);
    }
    // The JSON is the store's leaderboard, not a second computation.
    const db = await openResultsDb(join(out, "results.sqlite"));
    try {
      const test = await leaderboard(db, "test");
      const inJson = json.results.filter((r: { phase: string }) => r.phase === "test");
      assert.deepEqual(inJson.map((r: { method: string }) => r.method), test.map((r) => r.method));
      assert.deepEqual(inJson[0].psnr, test[0].psnr);
      const classical = test.find((r) => r.method === "classical")!;
      const run = await db.get<{ options: string }>("SELECT options FROM runs WHERE id = $1", [
        classical.runId,
      ]);
      assert.equal(JSON.parse(run!.options).gamma, 2.4, "--opt reaches the method");
    } finally {
      await db.close();
    }
    const html = await Deno.readTextFile(join(out, "report", "index.html"));
    assert.match(html, /color-transfer/);
    assert.match(html, /<img src="psnr.png"/);
    const png = await readImage(join(out, "report", "psnr.png"));
    assert.equal(png.width, 900);
    assert.equal(png.height, 420);

    const again = capture();
    assert.equal(await bench(args, again.io), 0);
    assert.match(again.stderr(), /classical seed 0: finished runs found in the store, not redone/);
    assert.equal(await Deno.readTextFile(join(out, "report", "results.json")), text);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bench: bad options exit 2 with a clear message; --help prints usage", async () => {
  const cases: [string[], RegExp][] = [
    [["--methods", "nope"], /unknown method 'nope' \(known: .*classical/],
    [["--seeds", "0"], /--seeds: expected a whole number/],
    [["--device", "tpu"], /--device: expected auto, cpu or gpu/],
    [["--opt", "classical.gamma=abc"], /--opt classical.gamma: expected a number/],
    [["--bogus"], /bogus/],
    [["--data", "/nonexistent/dir", "--methods", "classical"], /dataset folder does not exist/],
    [["--methods", ""], /--methods: empty list/],
    [["--methods", "classical", "--out", "/proc/version"], /--out: cannot create/],
    [["--methods", "classical", "--json", "/nonexistent/x.json"], /--json: folder .* not exist/],
    [["--methods", "classical", "--db", "/proc/version"], /--db: cannot open/],
    [
      ["--methods", "classical", "--db", "postgres://u:secret@127.0.0.1:1/x"],
      /--db: cannot open postgres:\/\/…@127\.0\.0\.1:1\/x/,
    ],
  ];
  const out = await Deno.makeTempDir({ prefix: "isp-bench-bad-" });
  for (const [args, re] of cases) {
    const c = capture();
    const full = args.includes("--out") ? args : [...args, "--out", out];
    assert.equal(await bench(full, c.io), 2, `${args.join(" ")}: ${c.stderr()}`);
    assert.match(c.stderr(), re);
    assert.doesNotMatch(c.stderr(), /secret|\n\s+at /);
  }
  await Deno.remove(out, { recursive: true });
  const h = capture();
  assert.equal(await bench(["--help"], h.io), 0);
  assert.match(h.stdout(), /--methods a,b/);
});

Deno.test("bench: a failed run exits 1; the ordering check applies to fixture datasets only", async () => {
  assert.equal(
    isFixtureDataset({ name: "isp-bench-fixtures-small-seed0", preset: "small", layoutVersion: 2 }),
    true,
  );
  assert.equal(isFixtureDataset({ name: "my-data", preset: "small", layoutVersion: 2 }), false);
  assert.equal(isFixtureDataset({}), false);
  const dir = await Deno.makeTempDir({ prefix: "isp-bench-fail-" });
  try {
    await writeTinyDataset(join(dir, "data"));
    const c = capture();
    const args = ["--data", join(dir, "data"), "--out", join(dir, "out"), "--no-progress"];
    assert.equal(await bench([...args, "--methods", "classical,onnx"], c.io), 1, c.stderr());
    assert.match(c.stdout(), /FAILED onnx/);
    assert.match(c.stdout(), /ordering check \(test\): SKIPPED\n {2}not a fixture dataset/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
