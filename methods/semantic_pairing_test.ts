import assert from "node:assert/strict";
import { OptionError } from "../harness/errors.ts";
import { FAST_PROFILE, semanticPairingMethod } from "./semantic_pairing.ts";
import { buildTinyDinov2 } from "./lib/embed/dinov2_testdata.ts";
import {
  assertTrainsAndRenders,
  testContext,
  TINY_SCHEDULE,
  tinySplit,
} from "./lib/testing/cnn_methods.ts";

const split = await tinySplit();

Deno.test(`${semanticPairingMethod.name} trains a few steps and renders a full-size image in [0, 1]`, async () => {
  const { model, raw, out } = await assertTrainsAndRenders(semanticPairingMethod, split);
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
    () => semanticPairingMethod.train(split, testContext({ ...TINY_SCHEDULE, ot: "magic" })),
    (e: unknown) => e instanceof OptionError && e.option === "ot",
  );
  assert.ok(Object.keys(FAST_PROFILE).every((k) => k in semanticPairingMethod.options));
  assert.equal(semanticPairingMethod.options.ot.default, "fgw");
  assert.equal(semanticPairingMethod.options.batchSize.default, 24);
  assert.equal(semanticPairingMethod.options.crop.default, 512);
  assert.equal(semanticPairingMethod.options.epochs.default, 10);
  // The loss-weight defaults come from DEFAULT_LOSS_WEIGHTS: the paper's stage-1 weights (§7).
  const losses = ["Moment", "HistY", "HistUV", "Gram", "Tv", "PixelL1"];
  const lossDefaults = losses.map((k) => semanticPairingMethod.options[`loss${k}`].default);
  assert.deepEqual(lossDefaults, [1, 1, 1.5, 1, 0.05, 0]);
});

Deno.test("semantic-pairing pairs with a DINOv2 ONNX model from a local path (tiny stand-in)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const dinov2Model = await buildTinyDinov2(dir);
    const logs: string[] = [];
    const model = await semanticPairingMethod.train(
      split,
      testContext({ ...TINY_SCHEDULE, embedder: "dinov2", dinov2Model }, logs),
    );
    assert.ok(logs.some((l) => /paired \(dinov2\//.test(l)), logs.join("\n"));
    const raw = await split.raws[0].load();
    const out = await model.render(raw);
    assert.equal(out.width, 2 * raw.width);
    await model.dispose?.();
    await assert.rejects(
      () =>
        semanticPairingMethod.train(
          split,
          testContext({ ...TINY_SCHEDULE, embedder: "dinov2", dinov2Model: `${dir}/none.onnx` }),
        ),
      /none.onnx/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
