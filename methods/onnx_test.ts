import assert from "node:assert/strict";
import { join } from "node:path";
import { InputError, OptionError } from "../harness/errors.ts";
import type { MethodContext } from "../harness/method.ts";
import { addPreIsp, buildColorCnnOnnx, buildPreIspOnnx } from "./lib/onnx/export.ts";
import { OnnxGraphBuilder } from "./lib/onnx/graph.ts";
import { maxAbsDiff } from "./lib/onnx/pyref.ts";
import { openSession, runRaw } from "./lib/onnx/runtime.ts";
import { photoRaw, testWeights } from "./lib/onnx/testdata.ts";
import { preIsp } from "./lib/isp/preisp.ts";
import { onnxMethod, type OnnxModel, readManifest } from "./onnx.ts";

function context(options: MethodContext["options"]): MethodContext {
  return { seed: 1, device: "cpu", options, workDir: "/tmp", progress: () => {}, log: () => {} };
}

const EMPTY = { raws: [], rgbs: [] };
const MANIFEST = { name: "tiny-cnn", description: "test submission", input: "raw" };

/** A folder with a model and its manifest; returns their paths. */
async function submission(
  dir: string,
  stem: string,
  model: Uint8Array,
  manifest: unknown = MANIFEST,
): Promise<{ model: string; manifest: string }> {
  const paths = { model: join(dir, `${stem}.onnx`), manifest: join(dir, `${stem}.json`) };
  await Deno.writeFile(paths.model, model);
  await Deno.writeTextFile(
    paths.manifest,
    typeof manifest === "string" ? manifest : JSON.stringify(manifest),
  );
  return paths;
}

function inputErrorFor(file: string, pattern: RegExp) {
  return (e: unknown) => e instanceof InputError && e.file === file && pattern.test(e.reason);
}

Deno.test("onnx method: renders a submitted model, whole or tiled, with its parameter count", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const raw = await photoRaw("astronaut.png", 30, 50, 80, 60);
    // The classical pre-ISP as a submission: its output is known independently (TS preIsp).
    const pre = await submission(dir, "pre", buildPreIspOnnx(), { ...MANIFEST, params: 0 });
    const preModel = await onnxMethod.train(EMPTY, context({ model: pre.model })) as OnnxModel;
    assert.equal(preModel.params, 0);
    assert.equal(preModel.manifest.name, "tiny-cnn");
    const d = maxAbsDiff((await preModel.render(raw)).data, preIsp(raw).data);
    assert.ok(d <= 1e-5, `pre-ISP submission vs TS ${d}`);
    await preModel.dispose?.();

    const w = testWeights(11, 16);
    const cnn = await submission(dir, "cnn", buildColorCnnOnnx(w), { ...MANIFEST, tileSize: 24 });
    const ctx = context({ model: cnn.model, manifest: cnn.manifest, tileOverlap: 4 });
    const model = await onnxMethod.train(EMPTY, ctx) as OnnxModel;
    // No declared params: counted from the initializers (16-channel CNN + fixed pre-ISP tensors).
    assert.equal(model.params, 16 * 27 + 16 + 3 * 16 * 9 + 3 + 12 + 108 + 576 + 5);
    const tiled = await model.render(raw, "astro_0");
    const direct = await openSession(cnn.model);
    const whole = await runRaw(direct, raw);
    await direct.session.release();
    const dt = maxAbsDiff(tiled.data, whole.data);
    console.log(
      `onnx method: pre-ISP vs TS ${d.toExponential(2)}, tiled (24) vs whole ${
        dt.toExponential(2)
      }`,
    );
    assert.ok(dt <= 1e-5);
    const copy = join(dir, "copy.onnx");
    await model.exportOnnx!(copy);
    assert.deepEqual(await Deno.readFile(copy), await Deno.readFile(cnn.model));
    await model.dispose?.();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("onnx method: bad manifests are InputErrors naming the manifest", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bytes = buildPreIspOnnx();
    const cases: [unknown, RegExp][] = [
      ["{ not json", /not valid JSON/],
      ["[1, 2]", /JSON object/],
      [{ description: "x", input: "raw" }, /"name"/],
      [{ name: "a", input: "raw" }, /"description"/],
      [{ name: "a", description: "x", input: "rgb" }, /"input" must be "raw"/],
      [{ ...MANIFEST, params: -3 }, /"params"/],
      [{ ...MANIFEST, tileSize: 2.5 }, /"tileSize"/],
    ];
    for (const [i, [manifest, pattern]] of cases.entries()) {
      const p = await submission(dir, `m${i}`, bytes, manifest);
      await assert.rejects(
        onnxMethod.train(EMPTY, context({ model: p.model })),
        inputErrorFor(p.manifest, pattern),
      );
    }
    const missing = join(dir, "none.json");
    await assert.rejects(readManifest(missing), inputErrorFor(missing, /cannot read/));
    await assert.rejects(onnxMethod.train(EMPTY, context({})), OptionError);
    const ok = await submission(dir, "ok", bytes);
    await assert.rejects(
      onnxMethod.train(EMPTY, context({ model: ok.model, timeLimit: 0 })),
      OptionError,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("onnx method: bad models, time and memory limits, non-finite outputs", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const raw = await photoRaw("chelsea.png", 0, 0, 64, 48);
    const corrupt = await submission(dir, "corrupt", new TextEncoder().encode("garbage bytes"));
    await assert.rejects(
      onnxMethod.train(EMPTY, context({ model: corrupt.model })),
      inputErrorFor(corrupt.model, /not a loadable/),
    );
    // Output with 4 channels: wrong signature.
    const g = new OnnxGraphBuilder("wrong");
    g.input("raw", "float32", ["N", 4, "H", "W"]);
    g.node("Relu", ["raw"], "rgb");
    g.output("rgb", "float32", ["N", 4, "H", "W"]);
    const wrong = await submission(dir, "wrong", g.toBytes());
    await assert.rejects(
      onnxMethod.train(EMPTY, context({ model: wrong.model })),
      inputErrorFor(wrong.model, /output 'rgb' axis 1 is 4, expected 3/),
    );
    const pre = await submission(dir, "pre", buildPreIspOnnx());
    const slow = await onnxMethod.train(
      EMPTY,
      context({ model: pre.model, timeLimit: 1e-9 }),
    ) as OnnxModel;
    await assert.rejects(
      slow.render(raw, "scene7_3"),
      inputErrorFor("scene7_3", /exceeded the time limit/),
    );
    await slow.dispose?.();
    const small = await onnxMethod.train(
      EMPTY,
      context({ model: pre.model, memoryLimitMb: 0.05 }),
    ) as OnnxModel;
    await assert.rejects(
      small.render(raw, "scene7_4"),
      inputErrorFor("scene7_4", /over the 0.05 MiB limit/),
    );
    await small.dispose?.();
    // Past the pre-run estimate (36 MiB for 768² packed), the RSS growth check catches the run:
    // onnxruntime holds 12 full-resolution demosaic maps (113 MiB) in its arena.
    const big = { width: 768, height: 768, data: new Float32Array(768 * 768 * 4).fill(0.3) };
    const rss = await onnxMethod.train(
      EMPTY,
      context({ model: pre.model, memoryLimitMb: 60 }),
    ) as OnnxModel;
    await assert.rejects(
      rss.render(big, "scene7_6"),
      inputErrorFor("scene7_6", /exceeded the memory limit: process grew by \d+ MiB/),
    );
    await rss.dispose?.();
    // A model whose output is NaN (sqrt of a negative number).
    const n = new OnnxGraphBuilder("nan");
    const x = n.input("raw", "float32", ["N", 4, "H", "W"]);
    n.node("Sqrt", [n.node("Sub", [addPreIsp(n, x), n.constant("two", [], [2])])], "rgb");
    n.output("rgb", "float32", ["N", 3, "H2", "W2"]);
    const nan = await submission(dir, "nan", n.toBytes());
    const nanModel = await onnxMethod.train(EMPTY, context({ model: nan.model })) as OnnxModel;
    await assert.rejects(nanModel.render(raw, "scene7_5"), inputErrorFor("scene7_5", /non-finite/));
    await nanModel.dispose?.();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
