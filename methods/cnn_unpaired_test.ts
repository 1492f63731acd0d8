import assert from "node:assert/strict";
import type { MethodContext } from "../harness/method.ts";
import { SKIMAGE_PHOTOS, syntheticSplit } from "./lib/pairing/synthetic.ts";
import { cnnUnpairedMethod } from "./cnn_unpaired.ts";

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

Deno.test(`${cnnUnpairedMethod.name} trains a few steps and renders a full-size image in [0, 1]`, async () => {
  const logs: string[] = [];
  const model = await cnnUnpairedMethod.train(
    { raws: split.raws, rgbs: split.rgbs, truth: split.truth },
    ctx(tiny, logs),
  );
  assert.equal(model.params, 7055);
  assert.equal(cnnUnpairedMethod.params, 7055);
  const raw = await split.raws[0].load();
  const out = await model.render(raw);
  assert.equal(out.width, 2 * raw.width);
  assert.equal(out.height, 2 * raw.height);
  assert.equal(out.data.length, out.width * out.height * 3);
  let lo = Infinity, hi = -Infinity;
  for (const v of out.data) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  assert.ok(lo >= 0 && hi <= 1 && hi > lo, `range ${lo}..${hi}`);
  assert.ok(logs.some((l) => l.includes("step 3/3")), logs.join("\n"));
  await model.dispose?.();
});
