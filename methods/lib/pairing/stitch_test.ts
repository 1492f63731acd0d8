import assert from "node:assert/strict";
import { readImage } from "../../../harness/io/image.ts";
import { mosaicRgb } from "../isp/mosaic.ts";
import { InputError } from "../../../harness/errors.ts";
import type { RgbImage } from "../../../harness/types.ts";
import {
  chooseLayout,
  groupScenes,
  rawSeamPlane,
  rgbSeamPlane,
  seamScore,
  stitchRgb,
} from "./stitch.ts";

const PHOTOS = "/usr/lib/python3/dist-packages/skimage/data";

function crop(img: RgbImage, x0: number, y0: number, w: number, h: number): RgbImage {
  const data = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const src = ((y0 + y) * img.width + x0) * 3;
    data.set(img.data.subarray(src, src + w * 3), y * w * 3);
  }
  return { width: w, height: h, data };
}

function tile(img: RgbImage, rows: number, cols: number, tw: number, th: number): RgbImage[] {
  const out: RgbImage[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out.push(crop(img, c * tw, r * th, tw, th));
  }
  return out;
}

Deno.test("groupScenes sorts scenes by name and patches by numeric index", () => {
  const g = groupScenes(["b_10", "a_2", "b_9", "a_0", "solo"]);
  assert.deepEqual(g.map((s) => s.scene), ["a", "b", "solo"]);
  assert.deepEqual(g[1].names, ["b_9", "b_10"]);
  assert.deepEqual(g[1].items, [2, 0]);
  assert.throws(() => groupScenes(["a_1", "a_01"]), InputError);
});

Deno.test("chooseLayout recovers 2×3 and 3×2 tilings of a real photo (RGB seams)", async () => {
  const photo = await readImage(`${PHOTOS}/chelsea.png`); // 451×300
  for (const [rows, cols] of [[2, 3], [3, 2]]) {
    const tiles = tile(photo, rows, cols, 96, 96);
    const choice = chooseLayout(tiles.map(rgbSeamPlane));
    assert.equal(`${choice.rows}×${choice.cols}`, `${rows}×${cols}`);
    assert.equal(choice.candidates.length, 4); // 1×6, 2×3, 3×2, 6×1
    assert.ok(!choice.ambiguous, `margin ${choice.margin}`);
    assert.ok(choice.margin > 0.05);
  }
});

Deno.test("chooseLayout recovers a 2×7 layout of 14 RAW tiles ((Gr+Gb)/2 seams)", async () => {
  const photo = await readImage(`${PHOTOS}/astronaut.png`); // 512×512
  const tiles = tile(photo, 2, 7, 72, 64).map(mosaicRgb);
  const choice = chooseLayout(tiles.map(rawSeamPlane));
  assert.equal(`${choice.rows}×${choice.cols}`, "2×7");
  assert.ok(!choice.ambiguous);
});

Deno.test("seamScore is the hand-computed mean abs difference over mirrored bands", () => {
  // Two 2×2 tiles side by side: left columns [0,1], right columns [3,5]; band 2 compares
  // (1,3) and (0,5) on each of 2 rows → (2 + 5) * 2 / 4 = 3.5.
  const left = { width: 2, height: 2, data: new Float32Array([0, 1, 0, 1]) };
  const right = { width: 2, height: 2, data: new Float32Array([3, 5, 3, 5]) };
  assert.equal(seamScore([left, right], 1, 2, 2), 3.5);
  // Stacked instead: top rows [0,1] and [0,1] vs bottom rows [3,5],[3,5]: mirrored rows
  // (row1 vs row0) and (row0 vs row1) → mean of |0-3|,|1-5| twice = 3.5 as well.
  assert.equal(seamScore([left, right], 2, 1, 2), 3.5);
});

Deno.test("a flat scene is flagged ambiguous", () => {
  const flat = { width: 8, height: 8, data: new Float32Array(64).fill(0.5) };
  const choice = chooseLayout([flat, flat, flat, flat]);
  assert.ok(choice.ambiguous);
  assert.equal(choice.margin, 0);
  assert.equal(`${choice.rows}×${choice.cols}`, "2×2"); // ties go to the squarer layout
});

Deno.test("chooseLayout names the patch whose size differs", () => {
  const a = { width: 8, height: 8, data: new Float32Array(64) };
  const b = { width: 4, height: 8, data: new Float32Array(32) };
  assert.throws(
    () => chooseLayout([a, b], {}, ["s_0", "s_1"]),
    (e: unknown) => e instanceof InputError && e.file === "s_1",
  );
});

Deno.test("stitchRgb reassembles the photo exactly and box-downscales", async () => {
  const photo = await readImage(`${PHOTOS}/chelsea.png`);
  const whole = crop(photo, 0, 0, 240, 160);
  const tiles = tile(whole, 2, 3, 80, 80);
  const back = stitchRgb(tiles, { rows: 2, cols: 3 });
  assert.equal(back.width, 240);
  assert.equal(back.height, 160);
  assert.deepEqual(back.data, whole.data);
  const small = stitchRgb(tiles, { rows: 2, cols: 3 }, { downscale: 4 });
  assert.equal(small.width, 60);
  assert.equal(small.height, 40);
  let s = 0;
  for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) s += whole.data[(y * 240 + x) * 3 + 1];
  assert.ok(Math.abs(small.data[1] - s / 16) < 1e-6);
});
