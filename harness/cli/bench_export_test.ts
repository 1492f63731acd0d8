import assert from "node:assert/strict";
import { join } from "node:path";
import { openDataset } from "../io/dataset.ts";
import { readImage } from "../io/image.ts";
import { captureIo as capture, writeTinyDataset } from "../protocol/testing.ts";
import { openResultsDb } from "../store/results.ts";
import { getMethod, resolveOptions } from "../registry.ts";
import { bench } from "./bench.ts";

Deno.test("bench --export-onnx: writes each trained model, the file renders what the bench scored; resume keeps it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "isp-bench-export-" });
  try {
    const data = join(dir, "data");
    await writeTinyDataset(data);
    const out = join(dir, "out");
    const models = join(dir, "models");
    const args = [
      "--data",
      data,
      "--out",
      out,
      "--methods",
      "classical,color-transfer",
      "--export-onnx",
      models,
      "--no-progress",
    ];
    const c1 = capture();
    assert.equal(await bench(args, c1.io), 0);
    const all = [...Deno.readDirSync(models)].map((e) => e.name).sort();
    const files = all.filter((f) => f.endsWith(".onnx"));
    assert.equal(files.length, 1, `one model file, got ${all}`);
    assert.deepEqual(all, [files[0].replace(/\.onnx$/, ".json"), files[0]], "model + manifest");
    assert.match(files[0], /^classical-seed0-[0-9a-f]{8}\.onnx$/);
    const stdout = c1.stdout();
    // The closing lines name every output.
    for (
      const want of [
        join(out, "report", "results.json"),
        join(out, "report", "index.html"),
        join(out, "report", "psnr.png"),
        join(out, "results.sqlite"),
        join(models, files[0]),
        "no ONNX export: color-transfer",
      ]
    ) assert.ok(stdout.includes(want), `stdout names ${want}:\n${stdout}`);

    // The exported model renders a test RAW as the bench did (its PNG is 8-bit: ≤ half a step).
    const ds = await openDataset(data);
    const sample = ds.test.raws[0];
    const runDir = files[0].replace(/\.onnx$/, "");
    const pred = await readImage(join(out, runDir, "pred", "test", `${sample.name}.png`));
    // Rendered through the `onnx` method, which reads the manifest written beside the model.
    const onnx = getMethod("onnx");
    const model = await onnx.method.train({ raws: [], rgbs: [] }, {
      seed: 0,
      device: "cpu",
      // Tiny images: the per-megapixel time limit would be milliseconds, so it is lifted here.
      options: resolveOptions(onnx.method, {}, { model: join(models, files[0]), timeLimit: 1e6 }),
      workDir: dir,
      progress: () => {},
      log: () => {},
    });
    try {
      assert.equal(model.params, 0, "classical: no learned parameters, as the manifest says");
      const rgb = await model.render(await sample.load());
      assert.equal(rgb.data.length, pred.data.length);
      let worst = 0;
      for (let i = 0; i < rgb.data.length; i++) {
        const q = Math.round(Math.min(1, Math.max(0, rgb.data[i])) * 255) / 255;
        worst = Math.max(worst, Math.abs(q - pred.data[i]));
      }
      assert.ok(worst <= 1 / 255 + 1e-6, `ONNX vs bench prediction: ${worst * 255} steps`);
    } finally {
      await model.dispose?.();
    }

    // Resume: nothing retrained, the model is still listed; a deleted model is retrained and
    // rewritten without new runs in the store.
    const before = (await Deno.stat(join(models, files[0]))).mtime!.getTime();
    const c2 = capture();
    assert.equal(await bench(args, c2.io), 0);
    assert.ok(c2.stdout().includes(join(models, files[0])));
    assert.equal((await Deno.stat(join(models, files[0]))).mtime!.getTime(), before);
    await Deno.remove(join(models, files[0]));
    const c3 = capture();
    assert.equal(await bench(args, c3.io), 0);
    assert.ok((await Deno.stat(join(models, files[0]))).isFile);
    const db = await openResultsDb(join(out, "results.sqlite"));
    try {
      const n = await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM runs");
      assert.equal(Number(n!.n), 4, "2 methods × 2 phases, never rescored");
    } finally {
      await db.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
