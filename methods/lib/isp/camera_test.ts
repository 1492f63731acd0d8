import assert from "node:assert/strict";
import type { RgbImage } from "../../../harness/types.ts";
import { cameraRawToRaw, openCameraRawReader } from "../../../harness/io/camera_raw.ts";
import { quantize } from "../../../harness/io/image.ts";
import { encodeDng } from "../../../harness/testing/dng.ts";
import {
  CANON_CR2,
  dcraw,
  parsePnm,
  pnmToRgb,
  requireCameraFiles,
} from "../../../harness/testing/camera_files.ts";
import { runPython } from "../../../harness/testing/python.ts";
import { psnr } from "../../../metrics/psnr.ts";
import { deltaE2000 } from "../../../metrics/ciede2000.ts";
import {
  autoExposureGain,
  cameraLinear,
  encodeCurve,
  orientRgb,
  toneMap,
  wbGains,
} from "./camera.ts";

/** Every `step`-th row of an image (ΔE2000 over 8 MP costs seconds; rows sample it evenly). */
function rows(img: RgbImage, step: number, y0 = 0): RgbImage {
  const h = Math.floor((img.height - y0) / step);
  const data = new Float32Array(h * img.width * 3);
  for (let i = 0; i < h; i++) {
    const s = 3 * (y0 + i * step) * img.width;
    data.set(img.data.subarray(s, s + 3 * img.width), 3 * i * img.width);
  }
  return { width: img.width, height: h, data };
}

/** The interior of an image, `b` pixels in from each edge (demosaic borders differ by design). */
function inner(img: RgbImage, b: number, top = 0, left = 0, w?: number, h?: number): RgbImage {
  const W = (w ?? img.width - left) - 2 * b, H = (h ?? img.height - top) - 2 * b;
  const data = new Float32Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    const s = 3 * ((top + b + y) * img.width + left + b);
    data.set(img.data.subarray(s, s + 3 * W), 3 * y * W);
  }
  return { width: W, height: H, data };
}

/** 8-bit rounding as a PNG of the image would store it (a plain loop: `Float32Array.from` with a
 * map function is ~20× slower on 25 M values). */
function q8(img: RgbImage): RgbImage {
  const q = quantize(img);
  const data = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) data[i] = q[i] / 255;
  return { ...img, data };
}

Deno.test("real Canon CR2: reading and calibration against dcraw (linear and 8-bit)", async () => {
  await requireCameraFiles();
  // dcraw renders the references while LibRaw decodes (separate processes, two cores).
  const refs = Promise.all([
    dcraw(["-E", "-4"], CANON_CR2),
    dcraw(["-v", "-w", "-q", "0", "-o", "1", "-4"], CANON_CR2),
    dcraw(["-w", "-q", "0"], CANON_CR2),
  ]);
  const reader = openCameraRawReader();
  const cr = await reader.read(CANON_CR2).finally(() => reader.close());
  const [dFull, dLin, d8] = await refs;
  assert.deepEqual(
    [cr.make, cr.model, cr.cfa, cr.whiteLevel, cr.bitDepth, cr.orientation],
    ["Canon", "EOS 30D", "RGGB", 4095, 12, 1],
  );
  // dcraw -E: the whole sensor, masked columns included; the 30D's masked area lies above and
  // left of the image, so the margins are the size difference.
  const full = parsePnm(dFull.out);
  const top = full.height - cr.height, left = full.width - cr.width;
  let diff = 0;
  for (let y = 0; y < cr.height; y++) {
    for (let x = 0; x < cr.width; x++) {
      if (full.data[(top + y) * full.width + left + x] !== cr.mosaic[y * cr.width + x]) diff++;
    }
  }
  assert.equal(diff, 0, "every visible sample equals dcraw's");
  // Black per CFA site from the left border (columns 2 … left − 2), computed with numpy.
  const black = JSON.parse(
    await runPython(
      `import sys, json, numpy as np
b = sys.stdin.buffer.read()
parts = b.split(b"\\n", 3)
w, h = map(int, parts[1].split())
a = np.frombuffer(parts[3][:w * h * 2], dtype=">u2").reshape(h, w).astype(np.int64)
top, left, vh = map(int, sys.argv[1:4])
m = a[top:top + vh, 2:left - 2]
sites = [m[dy::2, (left + dx - 2) % 2::2].mean() for dy in (0, 1) for dx in (0, 1)]
print(json.dumps([int(np.floor(s)) for s in sites]))`,
      [String(top), String(left), String(cr.height)],
      { stdin: dFull.out },
    ),
  );
  assert.deepEqual([...cr.blackLevel], black);
  // dcraw -v prints the darkness (the smallest black) and the as-shot multipliers.
  assert.equal(Math.min(...cr.blackLevel), Number(dLin.err.match(/darkness (\d+)/)![1]));
  const mul = dLin.err.match(/multipliers ([\d.]+) ([\d.]+) ([\d.]+)/)!.slice(1).map(Number);
  for (let c = 0; c < 3; c++) assert.ok(Math.abs(cr.whiteBalance![c] - mul[c] / mul[1]) < 1e-5);

  // Calibration: linear against dcraw -w -q 0 -o 1 -4, 8-bit against dcraw -w -q 0.
  const raw = cameraRawToRaw(cr);
  const lin = cameraLinear(raw, raw.camera!);
  const refLin = pnmToRgb(parsePnm(dLin.out));
  assert.equal(lin.width, refLin.width);
  assert.equal(lin.height, refLin.height);
  const linDb = psnr(lin, refLin);
  assert.ok(linDb >= 40, `linear PSNR ${linDb.toFixed(2)} dB < 40`);
  const ref8 = pnmToRgb(parsePnm(d8.out));
  const results: string[] = [`linear ${linDb.toFixed(2)} dB`];
  for (const curve of ["bt709", "srgb"] as const) {
    const out = q8(toneMap({ ...lin, data: lin.data.slice() }, raw.camera!, { curve }));
    const db = psnr(out, ref8);
    const de = deltaE2000(rows(out, 8, 3), rows(ref8, 8, 3));
    results.push(`${curve} ${db.toFixed(2)} dB ΔE ${de.toFixed(2)}`);
    assert.ok(db >= 25, `${curve}: 8-bit PSNR ${db.toFixed(2)} dB < 25`);
    assert.ok(de <= 5, `${curve}: ΔE2000 ${de.toFixed(2)} > 5`);
    if (curve === "bt709") assert.ok(db >= 40, `bt709 is dcraw's own curve: ${db.toFixed(2)} dB`);
  }
  console.log(`CR2 vs dcraw: ${results.join("; ")}`);
});

Deno.test("DNG from real sensor data: each CFA and orientation matches dcraw's linear output", async () => {
  await requireCameraFiles();
  const reader = openCameraRawReader();
  try {
    const cr = await reader.read(CANON_CR2);
    const S = 96;
    const dir = await Deno.makeTempDir();
    // Crops of the CR2 mosaic starting at (oy, ox) have the CFA named.
    const crops = [["RGGB", 0, 0, 1], ["GBRG", 1, 0, 6], ["GRBG", 0, 1, 3], [
      "BGGR",
      1,
      1,
      8,
    ]] as const;
    for (const [cfa, oy, ox, orientation] of crops) {
      const y0 = 1200 + oy, x0 = 900 + ox;
      const data = new Uint16Array(S * S);
      for (let y = 0; y < S; y++) {
        data.set(cr.mosaic.subarray((y0 + y) * cr.width + x0, (y0 + y) * cr.width + x0 + S), y * S);
      }
      const wb = cr.whiteBalance!;
      // Black in DNG order (2×2 positions) from the canonical R, Gr, Gb, B of the CR2.
      const [r, gr, gb, b] = cr.blackLevel;
      const black = {
        RGGB: [r, gr, gb, b],
        GBRG: [gb, b, r, gr],
        GRBG: [gr, r, b, gb],
        BGGR: [b, gb, gr, r],
      }[cfa];
      const path = `${dir}/${cfa}.dng`;
      await Deno.writeFile(
        path,
        encodeDng({
          width: S,
          height: S,
          data,
          cfa,
          blackLevel: black as [number, number, number, number],
          whiteLevel: cr.whiteLevel,
          asShotNeutral: [1 / wb[0], 1, 1 / wb[2]],
          colorMatrix: cr.xyzToCam,
          orientation,
        }),
      );
      const dng = await reader.read(path);
      assert.equal(dng.cfa, cfa);
      const raw = cameraRawToRaw(dng);
      // Ours starts at the R site: one row (GBRG, BGGR) and/or column (GRBG, BGGR) in.
      const ours = cameraLinear(raw, raw.camera!);
      const ref = pnmToRgb(
        parsePnm((await dcraw(["-w", "-q", "0", "-o", "1", "-4", "-t", "0"], path)).out),
      );
      const a = inner(ours, 2);
      const bref = inner(ref, 2, oy, ox, ours.width, ours.height);
      const db = psnr(a, bref);
      assert.ok(db >= 40, `${cfa}: linear PSNR ${db.toFixed(2)} dB < 40`);
      console.log(`DNG ${cfa} orientation ${orientation} vs dcraw -4: ${db.toFixed(2)} dB`);
      // Orientation: dcraw's own flip of its output equals orientRgb of its unflipped output.
      const flipped = pnmToRgb(
        parsePnm((await dcraw(["-w", "-q", "0", "-o", "1", "-4"], path)).out),
      );
      const mine = orientRgb(ref, orientation);
      assert.deepEqual([mine.width, mine.height], [flipped.width, flipped.height]);
      assert.deepEqual(mine.data, flipped.data, `${cfa}: orientation ${orientation}`);
    }
    await Deno.remove(dir, { recursive: true });
  } finally {
    reader.close();
  }
});

Deno.test("orientRgb: EXIF orientations by hand on a 3×2 image", () => {
  // Pixels numbered 1..6 row-major (value in every channel):  1 2 3 / 4 5 6
  const img = {
    width: 3,
    height: 2,
    data: Float32Array.from([1, 2, 3, 4, 5, 6].flatMap((v) => [v, v, v])),
  };
  const grey = (o: number) => {
    const r = orientRgb(img, o);
    return [r.width, r.height, ...Array.from(r.data).filter((_, i) => i % 3 === 0)];
  };
  assert.deepEqual(grey(1), [3, 2, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(grey(2), [3, 2, 3, 2, 1, 6, 5, 4]); // mirror
  assert.deepEqual(grey(3), [3, 2, 6, 5, 4, 3, 2, 1]); // 180°
  assert.deepEqual(grey(6), [2, 3, 4, 1, 5, 2, 6, 3]); // 90° clockwise
  assert.deepEqual(grey(8), [2, 3, 3, 6, 2, 5, 1, 4]); // 90° counter-clockwise
});

Deno.test("curves, auto exposure and white-balance fallback, by hand", () => {
  // sRGB: IEC 61966-2-1 at 0.5 and in the linear toe.
  assert.ok(Math.abs(encodeCurve(0.5, "srgb") - (1.055 * Math.pow(0.5, 1 / 2.4) - 0.055)) < 1e-12);
  assert.ok(Math.abs(encodeCurve(0.001, "srgb") - 0.01292) < 1e-15);
  // dcraw's BT.709 curve: slope 4.5 in the toe, continuous at the knee, 1 at 1.
  assert.ok(Math.abs(encodeCurve(0.001, "bt709") - 0.0045) < 1e-15);
  assert.ok(Math.abs(encodeCurve(1 - 1e-12, "bt709") - 1) < 1e-9);
  const knee = 0.018053968510807;
  assert.ok(Math.abs(encodeCurve(knee - 1e-9, "bt709") - encodeCurve(knee + 1e-9, "bt709")) < 1e-6);
  // Auto exposure: 100 pixels, 98 at 0.25 and 2 at 0.5 (2% > the 1% allowed to clip) → white
  // at 0.5's bin, so the gain maps 0.5 to 1.
  const d = new Float32Array(300).fill(0.25);
  d.fill(0.5, 0, 6);
  const gain = autoExposureGain({ width: 10, height: 10, data: d });
  assert.ok(Math.abs(gain * 0.5 - 1) < 1e-3, `gain ${gain}`); // 8192 bins: 1 bin of slack
  // With 1 pixel at 0.5 (≤ 1%), it may clip: white is 0.25's bin.
  d.fill(0.25, 3, 6);
  assert.ok(Math.abs(autoExposureGain({ width: 10, height: 10, data: d }) * 0.25 - 1) < 1e-3);
  // WB: as shot when known, grey-world when not, divided by the smallest gain.
  const raw = { width: 1, height: 1, data: Float32Array.of(0.2, 0.4, 0.4, 0.1) };
  assert.deepEqual(wbGains(raw, { whiteBalance: [2, 1, 1.5] }, "camera"), [2, 1, 1.5]);
  assert.deepEqual(wbGains(raw, {}, "camera"), [2, 1, 4]);
  assert.deepEqual(wbGains(raw, { whiteBalance: [2, 1, 1.5] }, "none"), [1, 1, 1]);
  assert.deepEqual(wbGains(raw, { whiteBalance: [0.5, 1, 0.8] }, "camera"), [1, 2, 1.6]);
});
