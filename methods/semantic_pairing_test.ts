import assert from "node:assert/strict";
import type { MethodContext } from "../harness/method.ts";
import { SKIMAGE_PHOTOS, syntheticSplit } from "./lib/pairing/synthetic.ts";
import { OptionError } from "../harness/errors.ts";
import { FAST_PROFILE, semanticPairingMethod } from "./semantic_pairing.ts";

const split = await syntheticSplit({
  photos: SKIMAGE_PHOTOS.slice(0, 3),
  tile: 32,
  rows: 2,
  cols: 2,
  seed: 2,
});

function ctx(
  options: Record<string, number | string | boolean>,
  logs: string[] = [],
): MethodContext {
  return {
    seed: 42,
    device: "cpu",
    options,
    workDir: Deno.makeTempDirSync(),
    progress: () => {},
    log: (m) => logs.push(m),
  };
}

const tiny = { steps: 3, batchSize: 4, crop: 16, workers: 0 };

Deno.test(`${semanticPairingMethod.name} trains a few steps and renders a full-size image in [0, 1]`, async () => {
  const logs: string[] = [];
  const model = await semanticPairingMethod.train(
    { raws: split.raws, rgbs: split.rgbs, truth: split.truth },
    ctx(tiny, logs),
  );
  assert.equal(model.params, 7055);
  assert.equal(semanticPairingMethod.params, 7055);
  const raw = await split.raws[0].load();
  const out = await model.render(raw);
  assert.equal(out.width, 2 * raw.width);
  assert.equal(out.height, 2 * raw.height);
  assert.equal(out.data.length, out.width * out.height * 3);
  let lo = Infinity, hi = -Infinity;
  for (const v of out.data) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  assert.ok(lo >= 0 && hi <= 1 && hi > lo, `range ${lo}..${hi}`);
  assert.ok(logs.some((l) => l.includes("step 3/3")), logs.join("\n"));
  // The ONNX export (pre-ISP + CNN) renders what render() renders.
  const { openSession, runRaw } = await import("./lib/onnx/runtime.ts");
  const dir = await Deno.makeTempDir();
  try {
    await model.exportOnnx!(`${dir}/m.onnx`);
    const onnx = await runRaw(await openSession(`${dir}/m.onnx`), raw);
    let worst = 0;
    for (let i = 0; i < out.data.length; i++) {
      worst = Math.max(worst, Math.abs(onnx.data[i] - out.data[i]));
    }
    assert.ok(worst < 1e-4, `ONNX vs render: max |Δ| ${worst}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  await model.dispose?.();
});

Deno.test("semantic-pairing rejects a bad option by name; the fast profile names real options", async () => {
  await assert.rejects(
    () => semanticPairingMethod.train(split, ctx({ ...tiny, ot: "magic" })),
    (e: unknown) => e instanceof OptionError && e.option === "ot",
  );
  assert.ok(Object.keys(FAST_PROFILE).every((k) => k in semanticPairingMethod.options));
  assert.equal(semanticPairingMethod.options.ot.default, "fgw");
  assert.equal(semanticPairingMethod.options.batchSize.default, 24);
  assert.equal(semanticPairingMethod.options.crop.default, 512);
  assert.equal(semanticPairingMethod.options.epochs.default, 10);
});
