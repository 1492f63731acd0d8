import assert from "node:assert/strict";
import { join } from "node:path";
import { InputError, OptionError } from "../../../harness/errors.ts";
import { readImage } from "../../../harness/io/image.ts";
import type { RgbImage } from "../../../harness/types.ts";
import { f32, maxAbsDiff, runPython } from "../onnx/pyref.ts";
import { PHOTOS } from "../onnx/testdata.ts";
import { areaResize, createDinov2Embedder, DINOV2_ENV } from "./dinov2.ts";
import { TINY_DINOV2_BUILD as BUILD } from "./dinov2_testdata.ts";

/** The same computation in torch/numpy: area resize, ImageNet normalisation, tiny network. */
const REFERENCE = `
import torch
import torch.nn.functional as F
W, B, G, Bt = (np.load(f'{D}/{n}.npy').astype(np.float64) for n in ['W', 'B', 'G', 'Bt'])
mean = np.array([0.485, 0.456, 0.406]); std = np.array([0.229, 0.224, 0.225])
cls, mean_tok, resized0 = [], [], None
for i in range(COUNT):
    img = torch.from_numpy(np.load(f'{D}/img{i}.npy').astype(np.float64)).permute(2, 0, 1)[None]
    r = F.interpolate(img, size=(224, 224), mode='area')[0].permute(1, 2, 0).numpy()
    if i == 0: resized0 = r
    x = ((r - mean) / std).transpose(2, 0, 1)                     # 3×224×224
    patches = x.reshape(3, 16, 14, 16, 14).transpose(1, 3, 0, 2, 4).reshape(256, -1)
    tok = patches @ W.reshape(384, -1).T + B                      # 256×384
    allt = np.concatenate([tok.mean(0, keepdims=True), tok], 0)
    ln = (allt - allt.mean(1, keepdims=True)) / np.sqrt(allt.var(1, keepdims=True) + 1e-5) * G + Bt
    cls.append(ln[0]); mean_tok.append(ln[1:].mean(0))
np.save(f'{D}/cls.npy', np.array(cls, np.float32)); np.save(f'{D}/mean.npy', np.array(mean_tok, np.float32))
np.save(f'{D}/resized0.npy', resized0.astype(np.float32))
`;

function crop(img: RgbImage, x0: number, y0: number, w: number, h: number): RgbImage {
  const data = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    data.set(
      img.data.subarray(3 * ((y0 + y) * img.width + x0), 3 * ((y0 + y) * img.width + x0 + w)),
      3 * y * w,
    );
  }
  return { width: w, height: h, data };
}

Deno.test("DINOv2 embedder: pre-processing, batching, CLS/mean/pooled outputs vs torch+numpy", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const coffee = await readImage(`${PHOTOS}/coffee.png`);
    const images = [
      await readImage(`${PHOTOS}/astronaut.png`), // 512×512: integer 16:7 ratio, not a divisor
      coffee, // 600×400
      await readImage(`${PHOTOS}/chelsea.png`), // 451×300: odd width
      crop(coffee, 50, 60, 150, 100), // smaller than 224: area resize upsamples
    ];
    const inputs: Record<string, ReturnType<typeof f32>> = {};
    images.forEach((img, i) => inputs[`img${i}`] = f32(img.data, [img.height, img.width, 3]));
    const ref = await runPython(
      `OUT = ${JSON.stringify(dir)}\nCOUNT = ${images.length}\n${BUILD}\n${REFERENCE}`,
      inputs,
      ["cls", "mean", "resized0"],
    );
    const dRes = maxAbsDiff(areaResize(images[0], 224, 224).data, ref.resized0.data);
    assert.ok(dRes <= 1e-6, `area resize vs torch interpolate(area): ${dRes}`);

    const dino = await createDinov2Embedder({ model: join(dir, "dino.onnx"), batchSize: 3 });
    assert.equal(dino.dim, 384);
    const cls = await dino.embed(images);
    assert.equal(cls.length, 4);
    const dCls = maxAbsDiff(cls.flatMap((v) => Array.from(v)), ref.cls.data);
    // One image at a time gives the same vectors as batches of 3 + 1.
    const single = await createDinov2Embedder({ model: join(dir, "dino.onnx"), batchSize: 1 });
    const one = await single.embed(images.slice(2, 3));
    assert.ok(maxAbsDiff(one[0], cls[2]) <= 1e-6);
    await single.dispose?.();
    // Scene descriptors: [CLS | luma histogram (64) | chroma histogram (32×32)], each histogram
    // a per-pixel normalised soft histogram (sums to 1); a flat grey scene peaks at Y = U = V = ½.
    const grey = { width: 40, height: 30, data: new Float32Array(3600).fill(0.5) };
    const scenes = await dino.embedScenes!([images[1], grey]);
    assert.equal(scenes[0].length, 384 + 64 + 1024);
    assert.ok(maxAbsDiff(scenes[0].subarray(0, 384), cls[1]) <= 1e-6);
    const sum = (a: Float32Array) => a.reduce((x, y) => x + y, 0);
    for (const s of scenes) {
      assert.ok(Math.abs(sum(s.subarray(384, 448)) - 1) < 1e-4);
      assert.ok(Math.abs(sum(s.subarray(448)) - 1) < 1e-4);
    }
    const argmax = (a: Float32Array) => a.indexOf(Math.max(...a));
    assert.ok([31, 32].includes(argmax(scenes[1].subarray(384, 448))));
    const uv = argmax(scenes[1].subarray(448));
    assert.ok([15, 16].includes(Math.floor(uv / 32)) && [15, 16].includes(uv % 32), `${uv}`);
    await dino.dispose?.();

    const meanEmb = await createDinov2Embedder({ model: join(dir, "dino.onnx"), mode: "mean" });
    const dMean = maxAbsDiff(
      (await meanEmb.embed(images)).flatMap((v) => Array.from(v)),
      ref.mean.data,
    );
    await meanEmb.dispose?.();

    // pooler_output export with a custom input name, found through the environment variable.
    const pooled = await createDinov2Embedder({
      inputName: "images",
      env: (k) => (k === DINOV2_ENV ? join(dir, "pooled.onnx") : undefined),
    });
    const dPool = maxAbsDiff(
      (await pooled.embed(images)).flatMap((v) => Array.from(v)),
      ref.cls.data,
    );
    await pooled.dispose?.();
    console.log(
      `tiny DINOv2: area resize ${dRes.toExponential(2)}; max |TS/ORT − numpy| CLS ${
        dCls.toExponential(2)
      }, ` +
        `mean ${dMean.toExponential(2)}, pooled ${dPool.toExponential(2)}`,
    );
    for (const d of [dCls, dMean, dPool]) assert.ok(d <= 1e-5, `embedding differs by ${d}`);

    // Errors: no path, missing file, wrong input size, wrong input name, mean on a pooled model.
    await assert.rejects(createDinov2Embedder({ env: () => undefined }), OptionError);
    const missing = join(dir, "nope.onnx");
    await assert.rejects(
      createDinov2Embedder({ model: missing }),
      (e) => e instanceof InputError && e.file === missing,
    );
    const small = join(dir, "small.onnx");
    await assert.rejects(
      createDinov2Embedder({ model: small }),
      (e) =>
        e instanceof InputError && e.file === small && /axis 2 is 112, expected 224/.test(e.reason),
    );
    await assert.rejects(
      createDinov2Embedder({ model: join(dir, "dino.onnx"), inputName: "pixels" }),
      (e) => e instanceof InputError && /no input named 'pixels'/.test(e.reason),
    );
    await assert.rejects(
      createDinov2Embedder({ model: join(dir, "pooled.onnx"), mode: "mean" }),
      OptionError,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
