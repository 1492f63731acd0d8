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
      /value 4095 exceeds white level 1023/,
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
    /white level 50 ≤ black level 100/,
  );
});
