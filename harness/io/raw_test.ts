import assert from "node:assert/strict";
import { InputError } from "../errors.ts";
import { encodeNpy } from "./npy.ts";
import { decodeRaw, encodeRaw, rawFromArray } from "./raw.ts";

const packed = (h: number, w: number, f: (i: number) => number) =>
  Uint16Array.from({ length: h * w * 4 }, (_, i) => f(i));

Deno.test("packed RAW is normalised by black/white levels and reordered to R, Gr, Gb, B", () => {
  const data = Uint16Array.of(64, 100, 200, 1023, 0, 1, 2, 3);
  const raw = rawFromArray({ dtype: "uint16", shape: [1, 2, 4], data }, "a.npy", {
    blackLevel: 64,
  });
  assert.equal(raw.width, 2);
  assert.equal(raw.height, 1);
  const s = 1 / (1023 - 64);
  const want = [0, 36 * s, 136 * s, 1, 0, 0, 0, 0];
  raw.data.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-6, `${i}: ${v}`));
  // A BGGR file stores B, G, G, R: canonical R is its 4th channel, B its 1st.
  const bggr = rawFromArray(
    { dtype: "uint16", shape: [1, 1, 4], data: Uint16Array.of(10, 20, 30, 40) },
    "b.npy",
    {
      order: "BGGR",
      whiteLevel: 100,
    },
  );
  assert.deepEqual(Array.from(bggr.data).map((v) => Math.round(v * 100)), [40, 20, 30, 10]);
  const grbg = rawFromArray(
    { dtype: "uint16", shape: [1, 1, 4], data: Uint16Array.of(10, 20, 30, 40) },
    "c.npy",
    {
      order: "GRBG",
      whiteLevel: 100,
    },
  );
  assert.deepEqual(Array.from(grbg.data).map((v) => Math.round(v * 100)), [20, 10, 40, 30]);
});

Deno.test("encodeRaw/decodeRaw round-trip 10-bit values exactly", () => {
  const dn = packed(3, 5, (i) => (i * 37) % 1024);
  const raw = decodeRaw(encodeNpy({ dtype: "uint16", shape: [3, 5, 4], data: dn }), "r.npy");
  const back = decodeRaw(encodeRaw(raw), "r2.npy");
  assert.deepEqual(back.data, raw.data);
});

Deno.test("wrong shapes, out-of-range and non-finite RAW data are named errors", () => {
  const bad: [Parameters<typeof rawFromArray>[0], RegExp][] = [
    [
      { dtype: "uint16", shape: [4, 4, 3], data: new Uint16Array(48) },
      /expected packed Bayer shape \(H, W, 4\), got \(4, 4, 3\)/,
    ],
    [{ dtype: "uint16", shape: [16, 4], data: new Uint16Array(64) }, /got \(16, 4\)/],
    [
      { dtype: "uint16", shape: [1, 1, 4], data: Uint16Array.of(0, 0, 4095, 0) },
      /value 4095 at \(0, 0\) exceeds the white level 1023: set "whiteLevel" \(or "bitDepth"\) in dataset\.json/,
    ],
    [
      { dtype: "float32", shape: [1, 1, 4], data: Float32Array.of(0, NaN, 0, 0) },
      /non-finite value NaN/,
    ],
    [
      { dtype: "float32", shape: [1, 1, 4], data: Float32Array.of(0, 0, Infinity, 0) },
      /non-finite value Infinity/,
    ],
  ];
  for (const [arr, re] of bad) {
    assert.throws(() => rawFromArray(arr, "dir/x.npy"), (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.equal(e.file, "dir/x.npy");
      assert.match(e.message, re);
      return true;
    });
  }
  assert.throws(
    () =>
      rawFromArray({ dtype: "uint16", shape: [1, 1, 4], data: new Uint16Array(4) }, "y.npy", {
        blackLevel: 100,
        whiteLevel: 50,
      }),
    /whiteLevel 50 must exceed every blackLevel \(100, 100, 100, 100\) \(dataset\.json\)/,
  );
});

/** A 16×16 packed tile with a pedestal `ped` per channel and a diagonal ramp on top. */
function tile(ped: readonly number[], ramp = 400): Uint16Array {
  const d = new Uint16Array(16 * 16 * 4);
  for (let i = 0; i < 256; i++) {
    for (let c = 0; c < 4; c++) d[4 * i + c] = ped[c] + Math.round((ramp * i) / 255);
  }
  return d;
}

Deno.test("input checks: float 0–1 data, black level left in, per-channel black accepted", () => {
  const f = Float32Array.from({ length: 64 }, (_, i) => i / 64);
  assert.throws(
    () => rawFromArray({ dtype: "float32", shape: [4, 4, 4], data: f }, "f.npy"),
    /f\.npy: float values in \[0, 1\] \(max 0\.9844\) but the white level is 1023: store raw counts as integers, or set "whiteLevel": 1 in dataset\.json/,
  );
  // Declared white level 1: float data in [0, 1] is what it says.
  const ok = rawFromArray({ dtype: "float32", shape: [4, 4, 4], data: f }, "f.npy", {
    whiteLevel: 1,
  });
  assert.equal(ok.data[63], f[63]);
  // A 127/128/128/127 pedestal left in with black 0 declared.
  const arr = { dtype: "uint16" as const, shape: [16, 16, 4], data: tile([127, 128, 128, 127]) };
  assert.throws(
    () => rawFromArray(arr, "cr2.npy", { whiteLevel: 4095 }),
    /cr2\.npy: every channel's minimum is ≥ 127 \(R, Gr, Gb, B minima 127, 128, 128, 127\) while the black level is 0: a black level seems left in; set "blackLevel" in dataset\.json \(e\.g\. \[127, 128, 128, 127\]\)/,
  );
  // The same data with its per-channel black declared: accepted and normalised per channel.
  const raw = rawFromArray(arr, "cr2.npy", { whiteLevel: 4095, blackLevel: [127, 128, 128, 127] });
  assert.deepEqual(Array.from(raw.data.subarray(0, 4)), [0, 0, 0, 0]);
  assert.ok(Math.abs(raw.data[4 * 255] - 400 / (4095 - 127)) < 1e-7);
  assert.ok(Math.abs(raw.data[4 * 255 + 1] - 400 / (4095 - 128)) < 1e-7);
  // A bright tile whose channel minima differ (a coloured scene) is not mistaken for a pedestal.
  const sky = { dtype: "uint16" as const, shape: [16, 16, 4], data: tile([300, 600, 600, 900]) };
  assert.equal(rawFromArray(sky, "sky.npy", { whiteLevel: 4095 }).width, 16);
  assert.throws(
    () => rawFromArray(arr, "x.npy", { whiteLevel: 4095, blackLevel: [1, 2] }),
    /blackLevel must be one number or four \(R, Gr, Gb, B\), got \[1,2\]/,
  );
});
