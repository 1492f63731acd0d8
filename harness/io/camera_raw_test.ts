import assert from "node:assert/strict";
import { InputError } from "../errors.ts";
import { encodeDng } from "../testing/dng.ts";
import { runPython } from "../testing/python.ts";
import {
  cameraRawToRaw,
  decodeCameraRaw,
  openCameraRawReader,
  readCameraRaw,
} from "./camera_raw.ts";
import type { BayerOrder } from "./raw.ts";

const W = 32, H = 24;
/** Black per 2×2 position (row-major), all different so a mix-up shows. */
const BLACK_POS = [60, 61, 62, 63] as const;

/** A mosaic whose value encodes its site: 1000 + 100·position + column. */
function siteMosaic(): Uint16Array {
  const d = new Uint16Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) d[y * W + x] = 1000 + 100 * ((y & 1) * 2 + (x & 1)) + x;
  }
  return d;
}

/** For a CFA, the 2×2 position of each canonical channel R, Gr (on R's row), Gb, B. */
function positions(cfa: BayerOrder): number[] {
  const r = cfa.indexOf("R"), b = cfa.indexOf("B");
  const greens = [0, 1, 2, 3].filter((i) => cfa[i] === "G");
  const gr = greens.find((i) => i >> 1 === r >> 1)!;
  return [r, gr, greens.find((i) => i !== gr)!, b];
}

Deno.test("DNG: CFA, per-channel black, white, as-shot WB, orientation, make and model", async () => {
  const data = siteMosaic();
  const reader = openCameraRawReader();
  try {
    await dngCases(reader, data);
  } finally {
    reader.close();
  }
});

async function dngCases(reader: ReturnType<typeof openCameraRawReader>, data: Uint16Array) {
  for (const cfa of ["RGGB", "BGGR", "GRBG", "GBRG"] as const) {
    for (const orientation of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const bytes = encodeDng({
        width: W,
        height: H,
        data,
        cfa,
        blackLevel: BLACK_POS,
        whiteLevel: 4000,
        asShotNeutral: [0.5, 1, 0.8],
        orientation,
        make: "Acme",
        model: "Phone 1",
      });
      const cr = await reader.decode(bytes, `${cfa}.dng`);
      assert.equal(cr.cfa, cfa);
      assert.deepEqual([...cr.mosaic], [...data], "mosaic is the stored samples");
      assert.deepEqual([...cr.blackLevel], positions(cfa).map((p) => BLACK_POS[p]), cfa);
      assert.equal(cr.whiteLevel, 4000);
      assert.equal(cr.bitDepth, 12);
      assert.deepEqual(cr.whiteBalance, [2, 1, 1.25]);
      assert.equal(cr.orientation, orientation);
      assert.equal(cr.make, "Acme");
      assert.equal(cr.model, "Phone 1");
      if (orientation !== 1) continue;
      // Packed canonical RGGB: the mosaic is cropped to start at the R site.
      const raw = cameraRawToRaw(cr);
      const [oy, ox] = [positions(cfa)[0] >> 1, positions(cfa)[0] & 1];
      assert.equal(raw.width, (W - ox) >> 1);
      assert.equal(raw.height, (H - oy) >> 1);
      const pos = positions(cfa);
      for (let c = 0; c < 4; c++) {
        // Packed pixel (1, 2): mosaic row 2 + oy + (c >> 1), column 4 + ox + (c & 1).
        const y = 2 + oy + (c >> 1), x = 4 + ox + (c & 1);
        assert.equal(((y & 1) * 2) + (x & 1), pos[c], `${cfa} channel ${c} site`);
        const want = (data[y * W + x] - BLACK_POS[pos[c]]) / (4000 - BLACK_POS[pos[c]]);
        assert.ok(Math.abs(raw.data[4 * (1 * raw.width + 2) + c] - want) < 1e-6, `${cfa} ${c}`);
      }
      assert.deepEqual(raw.camera?.whiteBalance, [2, 1, 1.25]);
    }
  }
}

Deno.test("DNG: the camera→sRGB matrix is the pseudo-inverse of the normalised ColorMatrix·sRGB", async () => {
  const cm = [0.6, -0.1, -0.05, -0.4, 1.3, 0.1, -0.05, 0.15, 0.6];
  const cr = await decodeCameraRaw(
    encodeDng({ width: W, height: H, data: siteMosaic(), colorMatrix: cm }),
    "m.dng",
  );
  // Independent reference: Adobe DNG / dcraw convention, computed with numpy.
  const ref = JSON.parse(
    await runPython(
      `import json, sys, numpy as np
cm = np.array(json.loads(sys.argv[1])).reshape(3, 3)
xyz_rgb = np.array([[0.412453, 0.357580, 0.180423], [0.212671, 0.715160, 0.072169],
                    [0.019334, 0.119193, 0.950227]])
cam_rgb = cm @ xyz_rgb
cam_rgb /= cam_rgb.sum(axis=1, keepdims=True)
print(json.dumps(np.linalg.pinv(cam_rgb).ravel().tolist()))`,
      [JSON.stringify(cm)],
    ),
  );
  assert.ok(cr.camToSrgb);
  for (let i = 0; i < 9; i++) assert.ok(Math.abs(cr.camToSrgb[i] - ref[i]) < 2e-4, `m[${i}]`);
});

Deno.test("X-Trans, linear DNG, non-RAW and missing files are errors naming the file", async () => {
  const cases: [() => Promise<unknown>, string, RegExp][] = [
    [
      () =>
        decodeCameraRaw(
          encodeDng({ width: 48, height: 48, data: new Uint16Array(48 * 48), xtrans: true }),
          "fuji.dng",
        ),
      "fuji.dng",
      /X-Trans sensor .* is not supported: Bayer CFA only/,
    ],
    [
      () =>
        decodeCameraRaw(
          encodeDng({ width: 8, height: 8, data: new Uint16Array(8 * 8 * 3), linearRaw: true }),
          "linear.dng",
        ),
      "linear.dng",
      /no Bayer mosaic .*linear\/demosaiced DNG/,
    ],
    [
      () => decodeCameraRaw(new TextEncoder().encode("not a raw file, just text"), "notes.cr2"),
      "notes.cr2",
      /not a camera RAW file LibRaw can read/,
    ],
    [() => readCameraRaw("/nonexistent/IMG_1.NEF"), "/nonexistent/IMG_1.NEF", /cannot read/],
  ];
  for (const [p, file, re] of cases) {
    await assert.rejects(p(), (e: unknown) => {
      assert.ok(e instanceof InputError, String(e));
      assert.equal(e.file, file);
      assert.match(e.message, re);
      return true;
    });
  }
});

// The real Canon CR2 is checked against dcraw in methods/lib/isp/camera_test.ts (one decode for
// the reading and the calibration checks).
