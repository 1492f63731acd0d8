import assert from "node:assert/strict";
import { join } from "node:path";
import { InputError, OptionError } from "../../../harness/errors.ts";
import { buildColorCnnOnnx } from "./export.ts";
import { OnnxGraphBuilder } from "./graph.ts";
import { maxAbsDiff } from "./pyref.ts";
import { checkSignature, openSession, runRaw } from "./runtime.ts";
import { photoRaw, testWeights } from "./testdata.ts";

function isInputErrorFor(file: string, pattern: RegExp) {
  return (e: unknown) => e instanceof InputError && e.file === file && pattern.test(e.reason);
}

Deno.test("openSession: clear InputErrors for missing, empty and corrupt files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const missing = join(dir, "missing.onnx");
    await assert.rejects(openSession(missing), isInputErrorFor(missing, /cannot read/));
    const empty = join(dir, "empty.onnx");
    await Deno.writeFile(empty, new Uint8Array(0));
    await assert.rejects(openSession(empty), isInputErrorFor(empty, /empty/));
    const corrupt = join(dir, "corrupt.onnx");
    await Deno.writeFile(corrupt, new TextEncoder().encode("this is not a protobuf model at all"));
    await assert.rejects(
      openSession(corrupt),
      isInputErrorFor(corrupt, /not a loadable ONNX model/),
    );
    // A truncated real model is corrupt too.
    const truncated = join(dir, "truncated.onnx");
    const good = buildColorCnnOnnx(testWeights(1, 8));
    await Deno.writeFile(truncated, good.subarray(0, good.length >> 1));
    await assert.rejects(openSession(truncated), isInputErrorFor(truncated, /not a loadable/));
    await assert.rejects(openSession(missing, { device: "tpu" as never }), OptionError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("checkSignature and runRaw: wrong names, ranks and output shapes are InputErrors", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const g = new OnnxGraphBuilder("same_size");
    g.input("x", "float32", ["N", 4, "H", "W"]);
    g.node("Relu", ["x"], "y");
    g.output("y", "float32", ["N", 4, "H", "W"]);
    const path = join(dir, "same.onnx");
    await Deno.writeFile(path, g.toBytes());
    const m = await openSession(path);
    assert.throws(
      () => checkSignature(m, { name: "raw", rank: 4 }, { rank: 4 }),
      isInputErrorFor(path, /no input named 'raw' \(model inputs: x\)/),
    );
    assert.throws(
      () => checkSignature(m, { rank: 3 }, { rank: 4 }),
      isInputErrorFor(path, /rank 4/),
    );
    assert.throws(
      () => checkSignature(m, { rank: 4, dims: [null, 3, null, null] }, { rank: 4 }),
      isInputErrorFor(path, /axis 1 is 4, expected 3/),
    );
    assert.deepEqual(checkSignature(m, { rank: 4, dims: [null, 4] }, { rank: 4 }), {
      input: "x",
      output: "y",
    });
    const raw = await photoRaw("chelsea.png", 0, 0, 8, 6);
    await assert.rejects(
      runRaw(m, raw, { input: "x", output: "y", image: "cat_0" }),
      isInputErrorFor(path, /shape \[1, 4, 6, 8\].*cat_0.*expected \[1, 3, 12, 16\]/),
    );
    // Feeding a wrong input name is an inference failure naming the file.
    await assert.rejects(runRaw(m, raw), isInputErrorFor(path, /inference failed/));
    await m.session.release();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runRaw: tiled inference equals whole-image inference", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "cnn.onnx");
    await Deno.writeFile(path, buildColorCnnOnnx(testWeights(3, 32)));
    const m = await openSession(path, { device: "cpu" });
    assert.equal(m.provider, "cpu");
    const raw = await photoRaw("astronaut.png", 100, 40, 90, 70);
    const whole = await runRaw(m, raw);
    const tiles: number[] = [];
    const tiled = await runRaw(m, raw, {
      tileSize: 32,
      overlap: 4,
      onTile: (d, t) => tiles.push(d, t),
    });
    assert.deepEqual(tiles.slice(-2), [9, 9]);
    const d = maxAbsDiff(whole.data, tiled.data);
    console.log(`tiled (32 px, overlap 4) vs whole: max diff ${d.toExponential(2)}`);
    assert.ok(d <= 1e-5, `tiled vs whole ${d}`);
    // Without enough context the tile seams differ: the overlap matters.
    const seams = await runRaw(m, raw, { tileSize: 32, overlap: 0 });
    assert.ok(maxAbsDiff(whole.data, seams.data) > 1e-3);
    await m.session.release();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("device selection: gpu is an OptionError or WebGPU, auto always yields a session", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "cnn.onnx");
    await Deno.writeFile(path, buildColorCnnOnnx(testWeights(3, 8)));
    const logs: string[] = [];
    const auto = await openSession(path, { device: "auto", log: (s) => logs.push(s) });
    const raw = await photoRaw("astronaut.png", 0, 0, 16, 16);
    const cpu = await openSession(path);
    const d = maxAbsDiff((await runRaw(auto, raw)).data, (await runRaw(cpu, raw)).data);
    console.log(
      `auto picked ${auto.provider}; |auto − cpu| = ${d.toExponential(2)}; ${logs.join(" ")}`,
    );
    assert.ok(d <= 1e-4);
    if (auto.provider === "cpu") {
      assert.equal(logs.length, 1);
      await assert.rejects(openSession(path, { device: "gpu" }), OptionError);
    } else {
      assert.equal((await openSession(path, { device: "gpu" })).provider, "webgpu");
    }
    await auto.session.release();
    await cpu.session.release();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
