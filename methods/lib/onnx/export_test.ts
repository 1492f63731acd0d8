import assert from "node:assert/strict";
import { join } from "node:path";
import type { RgbImage } from "../../../harness/types.ts";
import { preIsp, type PreIspOptions } from "../isp/preisp.ts";
import { buildPreIspOnnx, exportColorCnnOnnx } from "./export.ts";
import { countInitializerElements } from "./graph.ts";
import { f32, maxAbsDiff, runPython } from "./pyref.ts";
import { openSession, runRaw } from "./runtime.ts";
import { photoRaw, rawToNchw, testWeights } from "./testdata.ts";

/** Interleaved HWC → planar CHW, to compare with NCHW references. */
function planar(img: RgbImage): Float32Array {
  const n = img.width * img.height;
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) out[c * n + i] = img.data[3 * i + c];
  return out;
}

Deno.test("pre-ISP ONNX graph equals preIsp in TS for every option", async () => {
  const raw = await photoRaw("coffee.png", 40, 30, 96, 64);
  const dir = await Deno.makeTempDir();
  try {
    const cases: PreIspOptions[] = [
      {},
      { demosaic: "edge-aware" },
      { whiteBalance: "grey-world", tone: "smoothstep" },
      { demosaic: "edge-aware", whiteBalance: [1.8, 1, 1.4], gamma: 2.4 },
      { gamma: 1 },
    ];
    for (const [i, o] of cases.entries()) {
      const path = join(dir, `pre${i}.onnx`);
      await Deno.writeFile(path, buildPreIspOnnx({ preIsp: o }));
      const m = await openSession(path);
      const ort = await runRaw(m, raw);
      await m.session.release();
      const ts = preIsp(raw, o).data;
      const d = maxAbsDiff(ort.data, ts);
      // x^(1/2.2) has slope → ∞ at 0: float32 rounding (~1e-7) of the edge-aware kernels'
      // cancellations near black is amplified there, so away from black the bound is 1e-5.
      let dAway = 0;
      for (let j = 0; j < ts.length; j++) {
        if (ts[j] > 0.02) dAway = Math.max(dAway, Math.abs(ts[j] - ort.data[j]));
      }
      console.log(
        `pre-ISP ${JSON.stringify(o)}: max |ORT − TS| = ${d.toExponential(2)}, ` +
          `where TS > 0.02: ${dAway.toExponential(2)}`,
      );
      assert.ok(dAway <= 1e-5, `${JSON.stringify(o)}: ${dAway}`);
      assert.ok(d <= (o.demosaic === "edge-aware" ? 1e-3 : 1e-5), `${JSON.stringify(o)}: ${d}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("exported colour CNN: onnx checker passes, ORT equals PyTorch ≤ 1e-5", async () => {
  const w = testWeights(7, 128);
  const raw = await photoRaw("astronaut.png", 60, 20, 96, 80);
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "cnn.onnx");
    await exportColorCnnOnnx(w, path);
    const bytes = await Deno.readFile(path);
    // 7,055 learned + 12·9 demosaic + 12·48 selection constants.
    assert.equal(countInitializerElements(bytes), 7055 + 108 + 576 + 5);
    const m = await openSession(path);
    assert.deepEqual(m.session.inputNames, ["raw"]);
    assert.deepEqual(m.session.outputNames, ["rgb"]);
    const ort = await runRaw(m, raw);
    await m.session.release();
    const ref = await runPython(
      `
import onnx, torch
import torch.nn.functional as F
model = onnx.load(${JSON.stringify(path)})
onnx.checker.check_model(model, full_check=True)
assert model.opset_import[0].version == 17
t = lambda n: torch.from_numpy(np.load(f'{D}/{n}.npy').astype(np.float64))
x = t('raw')                       # 1×4×H×W
N, _, H, W = x.shape
m = torch.zeros(N, 1, 2 * H, 2 * W, dtype=torch.float64)
m[:, 0, 0::2, 0::2] = x[:, 0]; m[:, 0, 0::2, 1::2] = x[:, 1]
m[:, 0, 1::2, 0::2] = x[:, 2]; m[:, 0, 1::2, 1::2] = x[:, 3]
mask = torch.zeros(1, 3, 2 * H, 2 * W, dtype=torch.float64)
mask[:, 0, 0::2, 0::2] = 1; mask[:, 1, 0::2, 1::2] = 1; mask[:, 1, 1::2, 0::2] = 1; mask[:, 2, 1::2, 1::2] = 1
kg = torch.tensor([[0., 1, 0], [1, 4, 1], [0, 1, 0]], dtype=torch.float64) / 4
krb = torch.tensor([[1., 2, 1], [2, 4, 2], [1, 2, 1]], dtype=torch.float64) / 4
k = torch.stack([krb, kg, krb]).unsqueeze(1)
lin = F.conv2d(F.pad(m * mask, (1, 1, 1, 1), mode='reflect'), k, groups=3)
pre = lin.clamp(0, 1) ** (1 / 2.2)
w1, b1, w2, b2, wh, bh = (t(n) for n in ['w1', 'b1', 'w2', 'b2', 'wh', 'bh'])
C = b1.shape[0]
h = F.relu(F.conv2d(F.pad(pre, (1, 1, 1, 1), mode='reflect'), w1.reshape(C, 3, 3, 3), b1))
y = pre + F.conv2d(F.pad(h, (1, 1, 1, 1), mode='reflect'), w2.reshape(3, C, 3, 3), b2)
out = F.conv2d(y, wh.reshape(3, 3, 1, 1), bh).clamp(0, 1)
np.save(f'{D}/out.npy', out.numpy().astype(np.float32))
`,
      {
        raw: f32(rawToNchw(raw), [1, 4, raw.height, raw.width]),
        w1: f32(w.w1, [w.w1.length]),
        b1: f32(w.b1, [w.b1.length]),
        w2: f32(w.w2, [w.w2.length]),
        b2: f32(w.b2, [w.b2.length]),
        wh: f32(w.wh, [9]),
        bh: f32(w.bh, [3]),
      },
      ["out"],
    );
    const d = maxAbsDiff(planar(ort), ref.out.data);
    console.log(
      `colour CNN (C = 128) on astronaut crop 96×80 packed: max |ORT − torch| = ${
        d.toExponential(2)
      }`,
    );
    assert.ok(d <= 1e-5, `ORT vs torch ${d}`);
    // The output is not trivially clamped: most pixels lie strictly inside (0, 1).
    const inside = ort.data.filter((v) => v > 0 && v < 1).length / ort.data.length;
    assert.ok(inside > 0.5, `only ${inside} of values inside (0, 1)`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
