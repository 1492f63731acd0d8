import assert from "node:assert/strict";
import { join } from "node:path";
import { bench } from "../../harness/cli/bench.ts";
import { openDataset } from "../../harness/io/dataset.ts";
import { quantize, readImage } from "../../harness/io/image.ts";
import { writeTinyDataset } from "../../harness/protocol/testing.ts";
import { listRuns, methodInfo, openResultsDb } from "../../harness/store/results.ts";
import { openOnnxSubmission } from "../onnx.ts";

const PLUGIN = new URL("./torch-color-cnn", import.meta.url).pathname;

/**
 * The PyTorch example as CI runs it: `deno task bench --plugin methods/examples/torch-color-cnn`
 * on tiny fixtures with its fast profile, beside a built-in. Its ONNX export must render the same
 * images through the `onnx` method (the leaderboard's model-submission path) as PyTorch did.
 */
Deno.test("torch-color-cnn: trains in PyTorch as a plug-in, ranks beside built-ins, ONNX renders the same", async () => {
  const dir = await Deno.makeTempDir({ prefix: "isp-torch-example-" });
  try {
    const data = join(dir, "data");
    await writeTinyDataset(data);
    const out = join(dir, "out");
    const logs: string[] = [];
    const stdout: string[] = [];
    const code = await bench(
      [
        "--plugin",
        PLUGIN,
        "--methods",
        "classical,torch-color-cnn",
        "--data",
        data,
        "--out",
        out,
        "--no-progress",
        "--opt",
        "torch-color-cnn.threads=1",
      ],
      { stdout: (t) => stdout.push(t), stderr: (t) => logs.push(t) },
    );
    assert.equal(code, 0, logs.join(""));
    const json = JSON.parse(await Deno.readTextFile(join(out, "report", "results.json")));
    const rows = json.results.filter((r: { method: string }) => r.method === "torch-color-cnn");
    assert.deepEqual(rows.map((r: { phase: string }) => r.phase).sort(), ["test", "val"]);
    assert.ok(json.results.some((r: { method: string }) => r.method === "classical"));
    for (const r of rows) {
      assert.equal(r.params, 7055);
      assert.ok(r.psnr.mean > 5 && r.psnr.mean < 60, `PSNR ${r.psnr.mean}`);
    }
    assert.match(stdout.join(""), /torch-color-cnn/);

    const db = await openResultsDb(join(out, "results.sqlite"));
    let runOptions: Record<string, unknown>;
    try {
      const info = await methodInfo(db, "torch-color-cnn");
      assert.match(info?.description ?? "", /^Example plug-in in PyTorch/);
      assert.ok("steps" in (info?.optionSpec ?? {}));
      const run = (await listRuns(db, { method: "torch-color-cnn", phase: "val" }))[0];
      runOptions = run.options;
    } finally {
      await db.close();
    }
    assert.equal(runOptions.steps, 40, "the manifest's fastProfile applies");

    const runDir = (await Array.fromAsync(Deno.readDir(out)))
      .find((e) => e.name.startsWith("torch-color-cnn-seed0-"))!.name;
    const modelDir = join(out, runDir, "work", "model");
    const trained = JSON.parse(await Deno.readTextFile(join(modelDir, "train.json")));
    assert.equal(trained.params, 7055, "PyTorch counts the declared parameters");
    assert.equal(trained.steps, 40);
    assert.ok(Number.isFinite(trained.last_loss));

    // The exported renderer through the harness's ONNX method, against PyTorch's PNGs.
    const model = await openOnnxSubmission(
      { model: join(modelDir, "model.onnx"), manifest: join(modelDir, "model.json") },
      { device: "cpu", log: () => {} },
    );
    try {
      assert.equal(model.params, 7055);
      const ds = await openDataset(data);
      let maxLevels = 0, differing = 0, total = 0;
      for (const s of ds.val.raws) {
        const onnx = quantize(await model.render(await s.load(), s.name), 8);
        const torch = await readImage(join(out, runDir, "pred", "val", `${s.name}.png`));
        for (let i = 0; i < onnx.length; i++) {
          const d = Math.abs(onnx[i] - Math.round(torch.data[i] * 255));
          maxLevels = Math.max(maxLevels, d);
          if (d) differing++;
          total++;
        }
      }
      // Float rounding may flip a value sitting on a .5 boundary, never more than one level.
      assert.ok(maxLevels <= 1, `ONNX and PyTorch differ by ${maxLevels} levels`);
      assert.ok(differing / total < 0.01, `${differing}/${total} values differ`);
    } finally {
      await model.dispose?.();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
