import assert from "node:assert/strict";
import { OptionError } from "../../../harness/errors.ts";
import { InputError } from "../../../harness/errors.ts";
import { readImage } from "../../../harness/io/image.ts";
import { f32, maxAbsDiff, runPython } from "../onnx/pyref.ts";
import { mosaicRgb } from "./mosaic.ts";
import { preIsp } from "./preisp.ts";

const PHOTOS = "/usr/lib/python3/dist-packages/skimage/data";

Deno.test("preIsp matches a numpy pipeline (bilinear, grey-world, gamma, smoothstep)", async () => {
  const photo = await readImage(`${PHOTOS}/coffee.png`);
  const raw = mosaicRgb(photo);
  const opts = [
    {},
    { whiteBalance: "grey-world" as const },
    { whiteBalance: [2, 1, 1.5] as const, gamma: 2.4, tone: "smoothstep" as const },
    { demosaic: "edge-aware" as const, gamma: 1 },
  ];
  const outs = opts.map((o) => preIsp(raw, o));
  const ref = await runPython(
    `
from scipy.ndimage import correlate
raw = np.load(f'{D}/raw.npy').astype(np.float64)
H, W, _ = raw.shape
m = np.zeros((2 * H, 2 * W))
m[0::2, 0::2] = raw[..., 0]; m[0::2, 1::2] = raw[..., 1]; m[1::2, 0::2] = raw[..., 2]; m[1::2, 1::2] = raw[..., 3]
yy, xx = np.mgrid[0:2 * H, 0:2 * W]
R = (yy % 2 == 0) & (xx % 2 == 0); B = (yy % 2 == 1) & (xx % 2 == 1); G = ~(R | B)
kg = np.array([[0,1,0],[1,4,1],[0,1,0]]) / 4.0
krb = np.array([[1,2,1],[2,4,2],[1,2,1]]) / 4.0
lin = np.stack([correlate(m * R, krb, mode='mirror'), correlate(m * G, kg, mode='mirror'),
                correlate(m * B, krb, mode='mirror')], -1)
def tone(x, gamma, smooth):
    y = np.clip(x, 0, 1) ** (1 / gamma)
    return y * y * (3 - 2 * y) if smooth else y
mean = lin.reshape(-1, 3).mean(0)
np.save(f'{D}/o0.npy', tone(lin, 2.2, False).astype(np.float32))
np.save(f'{D}/o1.npy', tone(lin * (mean[1] / mean), 2.2, False).astype(np.float32))
np.save(f'{D}/o2.npy', tone(lin * np.array([2, 1, 1.5]), 2.4, True).astype(np.float32))
`,
    { raw: f32(raw.data, [raw.height, raw.width, 4]) },
    ["o0", "o1", "o2"],
  );
  for (let i = 0; i < 3; i++) {
    assert.equal(outs[i].width, 2 * raw.width);
    assert.equal(outs[i].height, 2 * raw.height);
    const d = maxAbsDiff(outs[i].data, ref[`o${i}`].data);
    assert.ok(d <= 1e-6, `options ${JSON.stringify(opts[i])}: max diff ${d}`);
  }
  // Edge-aware with gamma 1 is the clipped demosaic: every value in [0, 1].
  assert.ok(outs[3].data.every((v) => v >= 0 && v <= 1));
});

Deno.test("preIsp rejects bad options and too-small inputs", () => {
  const raw = { width: 4, height: 4, data: new Float32Array(64).fill(0.5) };
  assert.throws(() => preIsp(raw, { gamma: 0 }), OptionError);
  // deno-lint-ignore no-explicit-any
  assert.throws(() => preIsp(raw, { demosaic: "vng" as any }), OptionError);
  assert.throws(() => preIsp(raw, { whiteBalance: [1, -1, 1] }), OptionError);
  const tiny = { width: 1, height: 1, data: new Float32Array(4) };
  assert.throws(
    () => preIsp(tiny, { demosaic: "edge-aware", file: "t.npy" }),
    (e) => e instanceof InputError && e.file === "t.npy",
  );
  // A constant grey RAW stays grey: 0.5^(1/2.2).
  const out = preIsp(raw);
  assert.ok(maxAbsDiff(out.data, new Float32Array(out.data.length).fill(0.5 ** (1 / 2.2))) < 1e-6);
});
