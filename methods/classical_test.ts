import assert from "node:assert/strict";
import { join } from "node:path";
import { OptionError } from "../harness/errors.ts";
import type { MethodContext } from "../harness/method.ts";
import { classicalMethod } from "./classical.ts";
import { preIsp } from "./lib/isp/preisp.ts";
import { maxAbsDiff } from "./lib/onnx/pyref.ts";
import { openSession, runRaw } from "./lib/onnx/runtime.ts";
import { photoRaw } from "./lib/onnx/testdata.ts";

function context(options: MethodContext["options"], workDir = "/tmp"): MethodContext {
  const defaults = Object.fromEntries(
    Object.entries(classicalMethod.options).map(([k, v]) => [k, v.default]),
  );
  return {
    seed: 42,
    device: "cpu",
    options: { ...defaults, ...options },
    workDir,
    progress: () => {},
    log: () => {},
  };
}

const EMPTY = { raws: [], rgbs: [] };

Deno.test("classical: bilinear + grey-world + gamma 2.2 by default, 0 params", async () => {
  assert.equal(classicalMethod.name, "classical");
  assert.equal(classicalMethod.params, 0);
  const raw = await photoRaw("coffee.png", 0, 0, 150, 100);
  const model = await classicalMethod.train(EMPTY, context({}));
  assert.equal(model.params, 0);
  const out = await model.render(raw);
  assert.equal(out.width, 300);
  assert.equal(out.height, 200);
  const expected = preIsp(raw, { demosaic: "bilinear", whiteBalance: "grey-world", gamma: 2.2 });
  assert.equal(maxAbsDiff(out.data, expected.data), 0);
  // Grey-world is really applied: it differs from no white balance on this warm photo.
  assert.ok(maxAbsDiff(out.data, preIsp(raw).data) > 0.05);
  const edge = await (await classicalMethod.train(EMPTY, context({ demosaic: "edge-aware" })))
    .render(raw);
  assert.equal(
    maxAbsDiff(edge.data, preIsp(raw, { demosaic: "edge-aware", whiteBalance: "grey-world" }).data),
    0,
  );
  await assert.rejects(classicalMethod.train(EMPTY, context({ gamma: -1 })), OptionError);
});

Deno.test("classical: exported ONNX (grey-world in the graph) renders like the TS model", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const raw = await photoRaw("chelsea.png", 10, 10, 100, 70);
    const model = await classicalMethod.train(EMPTY, context({}, dir));
    const path = join(dir, "classical.onnx");
    await model.exportOnnx!(path);
    const m = await openSession(path);
    const d = maxAbsDiff((await runRaw(m, raw)).data, (await model.render(raw)).data);
    await m.session.release();
    console.log(`classical ONNX vs TS: max diff ${d.toExponential(2)}`);
    assert.ok(d <= 1e-5, `${d}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("classical: the camera pipeline runs when the RAW carries camera metadata", async () => {
  const { cameraPipeline } = await import("./lib/isp/camera.ts");
  const base = await photoRaw("coffee.png", 0, 0, 40, 30);
  const camera = {
    whiteBalance: [2, 1, 1.5] as const,
    camToSrgb: [1.6, -0.5, -0.1, -0.2, 1.4, -0.2, 0, -0.4, 1.4],
  };
  const raw = { ...base, camera };
  const model = await classicalMethod.train(EMPTY, context({}));
  const out = await model.render(raw, "x");
  assert.equal(maxAbsDiff(out.data, cameraPipeline(raw, camera).data), 0);
  // Options reach it; `basic` ignores the metadata; bare RAW keeps the NTIRE classical path.
  const bt =
    await (await classicalMethod.train(EMPTY, context({ curve: "bt709", exposure: "0.5" })))
      .render(raw);
  assert.equal(
    maxAbsDiff(bt.data, cameraPipeline(raw, camera, { curve: "bt709", exposure: 0.5 }).data),
    0,
  );
  const basic = await (await classicalMethod.train(EMPTY, context({ pipeline: "basic" }))).render(
    raw,
  );
  assert.equal(maxAbsDiff(basic.data, preIsp(raw, { whiteBalance: "grey-world" }).data), 0);
  assert.equal(
    maxAbsDiff((await model.render(base)).data, preIsp(base, { whiteBalance: "grey-world" }).data),
    0,
  );
  await assert.rejects(classicalMethod.train(EMPTY, context({ exposure: "bright" })), OptionError);
});
