import assert from "node:assert/strict";
import { join } from "node:path";
import { openDataset } from "../io/dataset.ts";
import { decodeNpy } from "../io/npy.ts";
import { readRaw } from "../io/raw.ts";
import { type PlannedMethod, runProtocol } from "../protocol.ts";
import { writeTinyDataset } from "../protocol/testing.ts";
import { getMethod, resolveOptions } from "../registry.ts";
import { listRuns, methodInfo, openResultsDb, perImageScores } from "../store/results.ts";
import type { Db } from "../store/types.ts";
import { PLUGIN_LOG } from "./external.ts";
import { loadPlugin } from "./load.ts";
import { runPython } from "../testing/python.ts";

const SCRIPT = new URL("./testdata/fake_method.py", import.meta.url).pathname;

/** Writes a plug-in folder: the fake method's script and a manifest around it. */
async function writePlugin(
  dir: string,
  name: string,
  fault = "none",
  over: Record<string, unknown> = {},
): Promise<string> {
  const folder = join(dir, "plugins", name);
  await Deno.mkdir(folder, { recursive: true });
  await Deno.copyFile(SCRIPT, join(folder, "fake_method.py"));
  const py = "/usr/bin/python3";
  const manifest = {
    name,
    description: `Fake external method (${fault}).`,
    params: 3,
    env: { FAKE_ENV: "from-manifest" },
    train: [
      py,
      "fake_method.py",
      "train",
      "--train-dir",
      "{train_dir}",
      "--model-dir",
      "{model_dir}",
      "--seed",
      "{seed}",
      "--fault",
      "{opt.fault}",
      "--onnx",
      "{opt.onnx}",
    ],
    render: [
      py,
      "fake_method.py",
      "render",
      "--model-dir",
      "{model_dir}",
      "--input-dir",
      "{input_dir}",
      "--output-dir",
      "{output_dir}",
      "--fault",
      "{opt.fault}",
    ],
    options: {
      fault: { type: "string", default: fault, description: "how to misbehave" },
      onnx: { type: "string", default: "", description: "ONNX file copied to the model folder" },
    },
    ...over,
  };
  const path = join(folder, "isp-method.json");
  await Deno.writeTextFile(path, JSON.stringify(manifest, null, 2));
  return path;
}

async function plan(paths: string[], extra: PlannedMethod[] = []): Promise<PlannedMethod[]> {
  const out = [...extra];
  for (const p of paths) {
    const e = await loadPlugin(p, { graceS: 0.3 });
    out.push({ method: e.method, options: resolveOptions(e.method, e.fastProfile) });
  }
  return out;
}

async function withSetup(fn: (dir: string, data: string, db: Db, out: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "isp-plugin-ext-" });
  const data = join(dir, "data");
  await writeTinyDataset(data);
  const db = await openResultsDb(join(dir, "results.sqlite"));
  try {
    await fn(dir, data, db, join(dir, "out"));
  } finally {
    await db.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("external method: trains and renders through the protocol like a built-in", async () => {
  await withSetup(async (dir, data, db, out) => {
    const ds = await openDataset(data);
    const classical = getMethod("classical");
    const methods = await plan([
      await writePlugin(dir, "fake-png"),
      await writePlugin(dir, "fake-npy", "npy"),
    ], [
      { method: classical.method, options: resolveOptions(classical.method) },
    ]);
    const r = await runProtocol({
      dataset: ds,
      methods,
      db,
      outDir: out,
      progress: false,
      log: () => {},
    });
    assert.deepEqual(
      r.outcomes.map((o) => `${o.method} ${o.phase} ${o.status}`),
      [
        "classical val done",
        "classical test done",
        "fake-png val done",
        "fake-png test done",
        "fake-npy val done",
        "fake-npy test done",
      ],
    );
    const run = r.outcomes.find((o) => o.method === "fake-png" && o.phase === "val")!.run;
    const runDir = (await Array.fromAsync(Deno.readDir(out))).find((e) =>
      e.name.startsWith("fake-png-seed0-")
    )!.name;
    const work = join(out, runDir, "work");

    // The train split as the program saw it: float32 (H, W, 4) in [0, 1], every patch, no truth.
    const model = JSON.parse(await Deno.readTextFile(join(work, "model", "model.json")));
    assert.deepEqual(model.info.raws, ds.train.raws.map((s) => `${s.name}.npy`));
    assert.deepEqual(model.info.rgbs, ds.train.rgbs.map((s) => `${s.name}.png`));
    assert.equal(model.info.dtype, "float32");
    assert.deepEqual(model.info.shape, [8, 8, 4]);
    assert.ok(model.info.max <= 1 && model.info.max > 0.5);
    assert.equal(model.info.truth, false);
    assert.equal(
      model.info.cwd,
      join(dir, "plugins", "fake-png"),
      "commands run in the manifest's folder",
    );
    assert.equal(model.info.env, "from-manifest");
    const first = ds.train.raws[0];
    const written = decodeNpy(await Deno.readFile(join(work, "train", "raw", `${first.name}.npy`)));
    const original = await readRaw(join(data, "train", "raw", `${first.name}.npy`));
    assert.deepEqual(written.data, original.data, "the RAW is the normalised dataset RAW");

    // The log holds both commands and the program's own output.
    const log = await Deno.readTextFile(join(work, PLUGIN_LOG));
    assert.match(log, /^training on 4 raws$/m);
    assert.match(log, /fake-png train: done/);
    assert.match(log, /fake-png render test: done/);

    // Scores are stored, and the PNG and float .npy paths score the same (both quantised once).
    const png = await perImageScores(db, "fake-png", "val");
    const npy = await perImageScores(db, "fake-npy", "val");
    assert.equal(png.length, 3);
    assert.deepEqual(npy.map((s) => s.psnr), png.map((s) => s.psnr));
    assert.ok(png.every((s) => s.psnr > 10 && s.psnr < 60));
    assert.equal(run.params, 3);

    // What the leaderboard reads: description, params and option specs, with the code's hash.
    const info = await methodInfo(db, "fake-png");
    assert.equal(info?.description, "Fake external method (none).");
    assert.equal(info?.params, 3);
    const spec = info?.optionSpec as Record<string, { default: unknown }>;
    assert.equal(spec.fault.default, "none");
    assert.match(String(spec.pluginHash.default), /^[0-9a-f]{64}$/);
    assert.equal(run.options.pluginHash, spec.pluginHash.default);
  });
});

Deno.test("external method: NTIRE uint16 RAW, truth only for usesTruth, params counted from ONNX", async () => {
  await withSetup(async (dir, data, db, out) => {
    const ds = await openDataset(data);
    // An ONNX file with float initializers of 3·4 + 5 = 17 elements (and an int64 one, not counted),
    // built by the onnx reference package.
    const onnxFile = join(dir, "weights.onnx");
    await runPython(
      `import sys, numpy as np, onnx
from onnx import helper, numpy_helper as nh
inits = [nh.from_array(np.zeros((3, 4), np.float32), "w"), nh.from_array(np.zeros(5, np.float32), "b"),
         nh.from_array(np.zeros(7, np.int64), "shape")]
x = helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1])
g = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x],
    [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1])], inits)
onnx.save(helper.make_model(g), sys.argv[1])`,
      [onnxFile],
    );
    const ntire = await writePlugin(dir, "fake-ntire", "none", {
      raw: "ntire",
      usesTruth: true,
      params: undefined,
      paramsFrom: "{model_dir}/model.onnx",
    });
    const methods = await plan([ntire]);
    methods[0] = { ...methods[0], options: { ...methods[0].options, onnx: onnxFile } };
    const r = await runProtocol({
      dataset: ds,
      methods,
      db,
      outDir: out,
      progress: false,
      log: () => {},
    });
    assert.ok(
      r.outcomes.every((o) => o.status === "done"),
      JSON.stringify(r.outcomes.map((o) => o.run.error)),
    );
    assert.equal(r.outcomes[0].run.params, 17);
    assert.equal((await methodInfo(db, "fake-ntire"))?.params, 17);
    const runDir = (await Array.fromAsync(Deno.readDir(out)))[0].name;
    const model = JSON.parse(
      await Deno.readTextFile(join(out, runDir, "work", "model", "model.json")),
    );
    assert.equal(model.info.dtype, "uint16");
    assert.equal(model.info.truth, true);
    const name = ds.train.raws[0].name;
    const written = await Deno.readFile(join(out, runDir, "work", "train", "raw", `${name}.npy`));
    const original = await Deno.readFile(join(data, "train", "raw", `${name}.npy`));
    assert.deepEqual(
      decodeNpy(written).data,
      decodeNpy(original).data,
      "NTIRE DN values unchanged",
    );
    const truth = await Array.fromAsync(Deno.readDir(join(out, runDir, "work", "train", "truth")));
    assert.equal(truth.length, ds.train.raws.length);
  });
});

Deno.test("external method: each fault fails its own run with the reason; the rest is kept", async () => {
  await withSetup(async (dir, data, db, out) => {
    const paths = [
      await writePlugin(dir, "f-train-exit", "train-exit"),
      await writePlugin(dir, "f-no-program", "none", {
        render: ["no-such-program-xyz", "{input_dir}", "{output_dir}"],
      }),
      await writePlugin(dir, "f-missing", "missing"),
      await writePlugin(dir, "f-extra", "extra"),
      await writePlugin(dir, "f-size", "size"),
      await writePlugin(dir, "f-nan", "nan"),
      await writePlugin(dir, "f-render-exit", "render-exit"),
      await writePlugin(dir, "f-hang", "hang", { timeLimitS: 5 }),
      await writePlugin(dir, "f-ok"),
    ];
    const ds = await openDataset(data);
    // One phase is enough to reach every failure path (and halves the program starts).
    const r = await runProtocol({
      dataset: ds,
      methods: await plan(paths),
      db,
      outDir: out,
      phases: ["val"],
      progress: false,
      log: () => {},
    });
    const err = (m: string, phase = "val") => {
      const o = r.outcomes.find((x) => x.method === m && x.phase === phase)!;
      assert.equal(o.status, "failed", `${m} ${phase} should fail`);
      return o.run.error!;
    };
    assert.match(
      err("f-train-exit"),
      /f-train-exit train exited with code 3 after [\d.]+ s; log: .*plugin\.log\n--- last lines of the log ---\n(.|\n)*something broke in training/,
    );
    assert.match(
      err("f-no-program"),
      /f-no-program render val program 'no-such-program-xyz' not found on PATH/,
    );
    assert.match(err("f-missing"), /output: 1 of 3 outputs missing: val_0\.png/);
    assert.match(err("f-extra"), /output: 1 unexpected output\(s\): notes\.txt/);
    assert.match(
      err("f-size"),
      /val_0\.png: output is 8×8, expected 16×16 \(twice the RAW's 8×8\)/,
    );
    assert.match(err("f-nan"), /val_1\.npy: value NaN at pixel 0 \(NaN\/∞ in the output\)/);
    assert.match(err("f-render-exit"), /f-render-exit render val exited with code 1/);
    assert.match(
      err("f-hang"),
      /f-hang render val ran past the time limit of 5 s \(timeLimitS\); process group killed/,
    );
    const hangRun = (await Array.fromAsync(Deno.readDir(out))).find((e) =>
      e.name.startsWith("f-hang-")
    )!.name;
    const gc = Number(
      await Deno.readTextFile(join(out, hangRun, "work", "model", "grandchild.pid")),
    );
    const stat = await Deno.readTextFile(`/proc/${gc}/stat`).catch(() => undefined);
    assert.ok(
      stat === undefined || stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z"),
      `grandchild ${gc} survived`,
    );
    // The healthy plug-in after all of them is unaffected.
    assert.equal(r.outcomes.find((x) => x.method === "f-ok")!.status, "done");
    assert.equal((await perImageScores(db, "f-ok", "val")).length, 3);
    const failed = await listRuns(db, { status: "failed" });
    assert.equal(failed.length, 8);
  });
});

Deno.test("external method: resume keys on the plug-in's files, not on caches", async () => {
  await withSetup(async (dir, data, db, out) => {
    const ds = await openDataset(data);
    const path = await writePlugin(dir, "fake-resume");
    const go = async () =>
      (await runProtocol({
        dataset: ds,
        methods: await plan([path]),
        db,
        outDir: out,
        progress: false,
        log: () => {},
      }))
        .outcomes.map((o) => o.status);
    assert.deepEqual(await go(), ["done", "done"]);
    // A bytecode cache or a dot-folder is not code.
    const folder = join(dir, "plugins", "fake-resume");
    await Deno.mkdir(join(folder, "__pycache__"));
    await Deno.writeTextFile(join(folder, "__pycache__", "x.cpython-311.pyc"), "cache");
    await Deno.mkdir(join(folder, ".git"));
    await Deno.writeTextFile(join(folder, ".git", "HEAD"), "ref");
    assert.deepEqual(await go(), ["resumed", "resumed"]);
    // Changed code is new work.
    await Deno.writeTextFile(join(folder, "fake_method.py"), "\n# changed\n", { append: true });
    assert.deepEqual(await go(), ["done", "done"]);
    // So is a changed manifest, even with the same code.
    const m = JSON.parse(await Deno.readTextFile(path));
    await Deno.writeTextFile(path, JSON.stringify({ ...m, description: "Other words." }));
    assert.deepEqual(await go(), ["done", "done"]);
    assert.deepEqual(await go(), ["resumed", "resumed"]);
  });
});
