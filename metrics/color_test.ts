import assert from "node:assert/strict";
import { createRng } from "../harness/random.ts";
import { runPython } from "../harness/testing/python.ts";
import { D65_WHITE, rgbToLabArray, SRGB_TO_XYZ, srgbToLab } from "./color.ts";

/** Runs scikit-image's rgb2lab on interleaved RGB values (float64), returns interleaved Lab. */
async function skimageLab(rgb: number[]): Promise<number[]> {
  const code = "import json,sys,numpy as np\nfrom skimage.color import rgb2lab\n" +
    "a=np.array(json.load(sys.stdin),dtype=np.float64).reshape(1,-1,3)\n" +
    "print(json.dumps(rgb2lab(a).ravel().tolist()))";
  return JSON.parse(await runPython(code, [], { stdin: JSON.stringify(rgb) }));
}

Deno.test("srgbToLab and rgbToLabArray match skimage.color.rgb2lab", async () => {
  const rng = createRng(7);
  const rgb: number[] = [];
  // All 8-bit grey levels, random 8-bit colours, random off-grid values, and values around the
  // sRGB (0.04045) and Lab (t = 0.008856) thresholds.
  for (let k = 0; k < 256; k++) rgb.push(k / 255, k / 255, k / 255);
  for (let i = 0; i < 3000; i++) rgb.push(rng.int(256) / 255);
  for (let i = 0; i < 3000; i++) rgb.push(rng.next());
  for (const v of [0.04045, 0.0404, 0.0405, 0.0951, 0.0952, 0.0953, 1e-6, 0, 1]) {
    rgb.push(v, v, v, v, 0, 0, 0, v, 0, 0, 0, v);
  }
  const want = await skimageLab(rgb);
  // Float32 storage moves a value by ≤ 3e-8 relative; compare the float32 path with that slack
  // and the float64 scalar path tightly.
  const f32 = rgbToLabArray(Float32Array.from(rgb));
  let worst32 = 0;
  let worst64 = 0;
  let worst8 = 0; // exact 8-bit codes take the table, which holds the exact k/255
  const eightBitEnd = (256 + 1000) * 3;
  for (let i = 0; i < rgb.length; i += 3) {
    const lab = srgbToLab([rgb[i], rgb[i + 1], rgb[i + 2]]);
    for (let c = 0; c < 3; c++) {
      worst64 = Math.max(worst64, Math.abs(lab[c] - want[i + c]));
      worst32 = Math.max(worst32, Math.abs(f32[i + c] - want[i + c]));
      if (i < eightBitEnd) worst8 = Math.max(worst8, Math.abs(f32[i + c] - want[i + c]));
    }
  }
  assert.ok(worst64 < 1e-10, `float64 path off by ${worst64}`);
  assert.ok(worst8 < 1e-10, `8-bit table path off by ${worst8}`);
  assert.ok(worst32 < 1e-5, `float32 path off by ${worst32}`);
});

Deno.test("rgbToLabArray: the 8-bit table path equals the formula path", () => {
  // Exact codes k/255 take the table; nudging each by one float32 ulp forces the formula.
  const codes = new Float32Array(256 * 3);
  for (let k = 0; k < 256; k++) codes.fill(k / 255, 3 * k, 3 * k + 3);
  const nudged = codes.map((v) => v === 0 ? 1e-30 : v * (1 - 2 ** -24));
  const a = rgbToLabArray(codes);
  const b = rgbToLabArray(nudged);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-4, `index ${i}`);
  // The table is exact k/255, not the float32 value: grey 128 gives skimage's L of 128/255.
  assert.ok(Math.abs(a[3 * 128] - srgbToLab([128 / 255, 128 / 255, 128 / 255])[0]) < 1e-12);
});

Deno.test("color constants are scikit-image 0.19's", () => {
  assert.deepEqual(SRGB_TO_XYZ.slice(0, 3), [0.412453, 0.35758, 0.180423]);
  assert.deepEqual(D65_WHITE, [0.95047, 1, 1.08883]);
});
