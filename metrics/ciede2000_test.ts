import assert from "node:assert/strict";
import { InputError } from "../harness/errors.ts";
import type { RgbImage } from "../harness/types.ts";
import { ciede2000, deltaE2000, type LabTriple } from "./ciede2000.ts";

interface SharmaPair {
  pair: number;
  lab1: LabTriple;
  lab2: LabTriple;
  dE: number;
}

// Sharma, Wu & Dalal (2005), Table 1: 34 pairs; see the file's "source" field.
const SHARMA: { pairs: SharmaPair[] } = JSON.parse(
  await Deno.readTextFile(new URL("./testdata/sharma_ciede2000.json", import.meta.url)),
);

Deno.test("ciede2000: Sharma et al.'s 34 published test pairs, both orders", () => {
  assert.equal(SHARMA.pairs.length, 34);
  for (const p of SHARMA.pairs) {
    // The published ΔE is rounded to 4 decimals, so the exact value lies within 5e-5 of it.
    for (const d of [ciede2000(p.lab1, p.lab2), ciede2000(p.lab2, p.lab1)]) {
      assert.ok(Math.abs(d - p.dE) <= 5e-5 + 1e-12, `pair ${p.pair}: ${d} vs ${p.dE}`);
    }
  }
});

Deno.test("ciede2000: identical colours, pure lightness difference", () => {
  assert.equal(ciede2000([50, 10, -20], [50, 10, -20]), 0);
  assert.equal(ciede2000([0, 0, 0], [0, 0, 0]), 0);
  // a = b = 0: only the lightness term, with L̄ = 50 → S_L = 1, so ΔE00 = |ΔL|.
  assert.ok(Math.abs(ciede2000([40, 0, 0], [60, 0, 0]) - 20) < 1e-12);
});

function image(width: number, height: number, rgb: number[]): RgbImage {
  return { width, height, data: Float32Array.from(rgb) };
}

Deno.test("deltaE2000: mean over pixels; white vs black is ΔL = 100", () => {
  const white = image(1, 1, [1, 1, 1]);
  const black = image(1, 1, [0, 0, 0]);
  // White is Lab (100, −0.0025, 0.0047), black (0, 0, 0): ΔE00 is 100 to within 1e-4.
  assert.ok(Math.abs(deltaE2000(white, black) - 100) < 1e-4);
  const two = image(2, 1, [1, 1, 1, 0.2, 0.4, 0.6]);
  const ref = image(2, 1, [0, 0, 0, 0.2, 0.4, 0.6]);
  assert.ok(Math.abs(deltaE2000(two, ref) - deltaE2000(white, black) / 2) < 1e-12);
  assert.equal(deltaE2000(ref, ref), 0);
});

Deno.test("deltaE2000: bad input → InputError naming the file", () => {
  const a = image(2, 1, [0, 0, 0, 0, 0, 0]);
  const names = { pred: "pred/x.png", gt: "gt/x.png" };
  assert.throws(
    () => deltaE2000(a, image(1, 1, [0, 0, 0]), { names }),
    (e) => e instanceof InputError && e.file === "pred/x.png",
  );
  assert.throws(
    () => deltaE2000(a, image(2, 1, [0, 0, 0, 0, Infinity, 0]), { names }),
    (e) => e instanceof InputError && e.file === "gt/x.png" && /pixel \(1, 0\)/.test(e.reason),
  );
});
