import assert from "node:assert/strict";
import { join } from "node:path";
import { bench } from "../cli/bench.ts";
import { InputError } from "../errors.ts";
import { readImage } from "../io/image.ts";
import { readRaw } from "../io/raw.ts";
import { captureIo as capture, writeTinyDataset } from "../protocol/testing.ts";
import { listMethods, withPlugins } from "../registry.ts";
import { listRuns, methodInfo, openResultsDb } from "../store/results.ts";
import { isIgnoredPluginFile, loadPlugin, loadPlugins } from "./load.ts";
import { createApp } from "../../leaderboard/app.ts";
import { storeResults } from "../../leaderboard/results.ts";
import { migrateAll } from "../../leaderboard/testing.ts";

const testdata = (f: string) => new URL(`./testdata/${f}`, import.meta.url).pathname;

async function sha256sum(file: string): Promise<string> {
  const r = await new Deno.Command("sha256sum", { args: [file], stdout: "piped" }).output();
  return new TextDecoder().decode(r.stdout).split(" ")[0];
}

Deno.test("bench --plugin: a TypeScript module runs beside the built-ins, options and profile apply", async () => {
  const dir = await Deno.makeTempDir({ prefix: "isp-plugin-ts-" });
  try {
    const data = join(dir, "data");
    await writeTinyDataset(data);
    const out = join(dir, "out");
    const plugin = testdata("gain_plugin.ts");
    const base = ["--data", data, "--out", out, "--no-progress", "--plugin", plugin];
    const c = capture();
    assert.equal(await bench([...base, "--methods", "classical,ts-gain"], c.io), 0, c.stderr());
    assert.match(c.stdout(), /Leaderboard, phase val/);
    const json = JSON.parse(await Deno.readTextFile(join(out, "report", "results.json")));
    const rows = json.results.map((r: { method: string; phase: string }) =>
      `${r.method} ${r.phase}`
    )
      .sort();
    assert.deepEqual(rows, ["classical test", "classical val", "ts-gain test", "ts-gain val"]);
    assert.ok(c.stdout().includes("ts-gain"), "the plug-in's row is printed");

    const db = await openResultsDb(join(out, "results.sqlite"));
    try {
      const runs = await listRuns(db, { method: "ts-gain", status: "done" });
      assert.equal(runs.length, 2);
      // FAST_PROFILE applied; the hash is the module file's SHA-256.
      assert.equal(runs[0].options.gain, 0.9);
      assert.equal(runs[0].options.pluginHash, await sha256sum(plugin));
      const info = await methodInfo(db, "ts-gain");
      assert.equal(info?.description, "A TypeScript plug-in loaded by path (test).");
      assert.deepEqual(Object.keys(info?.optionSpec ?? {}).sort(), ["gain", "pluginHash"]);
      // The stored prediction is the plug-in's rendering, quantised once.
      const runDir = (await Array.fromAsync(Deno.readDir(out)))
        .find((e) => e.name.startsWith("ts-gain-seed0-"))!.name;
      const pred = await readImage(join(out, runDir, "pred", "val", "val_0.png"));
      const raw = await readRaw(join(data, "val", "raw", "val_0.npy"));
      const expect = Math.floor(Math.min(1, Math.sqrt(raw.data[0]) * 0.9) * 255 + 0.5) / 255;
      assert.ok(Math.abs(pred.data[0] - expect) < 1e-6, `${pred.data[0]} vs ${expect}`);

      // The leaderboard site lists it beside the built-in, with its description and options.
      await migrateAll(db);
      const app = await createApp({ db, results: storeResults(db), dataDir: data });
      const board = await (await app.request("/phase/val")).text();
      assert.ok(board.includes("ts-gain") && board.includes("classical"));
      const page = await app.request("/method/ts-gain?phase=val");
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.ok(html.includes("A TypeScript plug-in loaded by path (test)."), "description");
      assert.match(html, /<code>gain<\/code><\/td><td>0\.9<\/td><td>1<\/td><td>output gain</);
      assert.match(html, /<code>pluginHash<\/code>/);
    } finally {
      await db.close();
    }

    const c2 = capture();
    const args2 = [...base, "--methods", "ts-gain", "--opt", "ts-gain.gain=1.2"];
    assert.equal(await bench(args2, c2.io), 0, c2.stderr());
    const db2 = await openResultsDb(join(out, "results.sqlite"));
    try {
      const gains = (await listRuns(db2, { method: "ts-gain" })).map((r) => r.options.gain);
      assert.ok(gains.includes(1.2), "--opt reaches a plug-in");
    } finally {
      await db2.close();
    }
    const c3 = capture();
    const args3 = [...base, "--methods", "ts-gain", "--opt", "ts-gain.pluginHash=abc"];
    assert.equal(await bench(args3, c3.io), 2);
    assert.match(c3.stderr(), /--opt ts-gain\.pluginHash: 'abc' is not one of/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bench --plugin: bad plug-ins are refused with the path and the reason (exit 2)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "isp-plugin-bad-" });
  try {
    const bad = join(dir, "isp-method.json");
    await Deno.writeTextFile(
      bad,
      JSON.stringify({ name: "x", description: "d", render: ["r", "{input_dir}", "{output_dir}"] }),
    );
    const empty = join(dir, "empty");
    await Deno.mkdir(empty);
    const cases: [string[], RegExp][] = [
      [
        ["--plugin", testdata("clash_plugin.ts")],
        /^error: .*clash_plugin\.ts: method name 'classical' is already used by a registered method; rename the plug-in\n$/,
      ],
      [
        ["--plugin", testdata("throwing_plugin.ts")],
        /^error: .*throwing_plugin\.ts: plug-in failed to import: missing weights file \.\/weights\.bin\n$/,
      ],
      [["--plugin", testdata("no_method.ts")], /no_method\.ts: exports no Method/],
      [["--plugin", bad], /isp-method\.json: field "params": required/],
      [["--plugin", join(dir, "nope.ts")], /nope\.ts: plug-in not found/],
      [["--plugin", empty], /empty: folder holds no isp-method\.json/],
      [["--plugin", dir], /isp-method\.json: field "params": required/],
    ];
    for (const [args, pattern] of cases) {
      const c = capture();
      const code = await bench([...args, "--out", join(dir, "out"), "--no-progress"], c.io);
      assert.equal(code, 2, `${args.join(" ")}: ${c.stderr()}`);
      assert.match(c.stderr(), pattern);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("withPlugins: two plug-ins with one name are refused, naming both paths", async () => {
  const p = testdata("gain_plugin.ts");
  const [a, b] = await loadPlugins([p, p]);
  assert.throws(
    () => withPlugins(listMethods(), [a, b]),
    (e) =>
      e instanceof InputError && e.file === p &&
      e.message.includes(`'ts-gain' is already used by the plug-in ${p}`),
  );
  const entries = withPlugins(listMethods(), [a]);
  assert.equal(entries.at(-1)?.method.name, "ts-gain");
  assert.deepEqual(entries.at(-1)?.fastProfile, { gain: 0.9 });
});

Deno.test("loadPlugin: unknown kinds are refused; the hash ignores caches", async () => {
  await assert.rejects(
    loadPlugin(new URL("./load.ts", import.meta.url).pathname.replace(/\.ts$/, ".md")),
    /plug-in not found/,
  );
  const dir = await Deno.makeTempDir({ prefix: "isp-plugin-kind-" });
  try {
    await Deno.writeTextFile(join(dir, "model.py"), "");
    await assert.rejects(loadPlugin(join(dir, "model.py")), /not a plug-in: expected a \.ts\/\.js/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.ok(isIgnoredPluginFile("__pycache__/a.pyc"));
  assert.ok(isIgnoredPluginFile(".git/HEAD"));
  assert.ok(isIgnoredPluginFile("lib/x.pyc"));
  assert.ok(!isIgnoredPluginFile("train.py"));
  assert.ok(!isIgnoredPluginFile("weights/model.onnx"));
});

Deno.test("bench --help mentions --plugin", async () => {
  const c = capture();
  assert.equal(await bench(["--help"], c.io), 0);
  assert.match(c.stdout(), /--plugin PATH/);
});

Deno.test("loadPlugin: a module's method name must be usable as a folder name", async () => {
  const dir = await Deno.makeTempDir({ prefix: "isp-plugin-name-" });
  try {
    const f = join(dir, "bad.ts");
    await Deno.writeTextFile(
      f,
      `export default { name: "../escape", description: "", params: 0, options: {},
        train: () => Promise.reject(new Error("no")) };`,
    );
    await assert.rejects(
      loadPlugin(f),
      (e) =>
        e instanceof InputError && e.file === f &&
        /method name "\.\.\/escape" must match/.test(e.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
