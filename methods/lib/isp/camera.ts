/**
 * The camera-aware classical pipeline, calibrated against dcraw/LibRaw with the same settings:
 * normalised RAW (per-channel black and white already applied) → white balance (as-shot, or
 * grey-world when the file has none) with highlight clipping → demosaic → camera colour matrix to
 * linear sRGB → exposure normalisation → tone curve (sRGB, or dcraw's BT.709 curve). Orientation
 * is a separate step ({@link orientRgb}) because benchmark tiles stay in sensor orientation.
 *
 * Each step follows dcraw 9 (`-w -q 0 -o 1`), so the linear output matches `dcraw -w -q 0 -o 1 -4`
 * and the 8-bit output (curve `bt709`) matches `dcraw -w -q 0`:
 * - white balance: multipliers divided by the smallest one, then each channel clipped at 1
 *   (dcraw's `scale_colors` with highlight mode 0: clipped highlights turn white, not magenta);
 * - colour: `rgb = camToSrgb · cam`, clipped to [0, 1];
 * - exposure `auto`: dcraw's auto-brightness — per channel, the level above which 1% of the
 *   pixels lie (on a 8192-bin histogram of the linear sRGB image); the largest of the three
 *   becomes white.
 * @module
 */
import { OptionError } from "../../../harness/errors.ts";
import type { CameraMeta, RawImage, RgbImage } from "../../../harness/types.ts";
import { applyDemosaicKernels, demosaicKernels, type DemosaicMethod } from "./demosaic.ts";
import { remosaic } from "./mosaic.ts";
import { greyWorldGains } from "./whitebalance.ts";

/** White balance source: the camera's as-shot multipliers, grey-world (auto), or none. */
export type CameraWb = "camera" | "auto" | "none";

/** Exposure rule: dcraw-style auto white point, none, or a fixed shift in EV. */
export type CameraExposure = "auto" | "none" | number;

/** Output transfer curve: sRGB (IEC 61966-2-1), dcraw's BT.709 curve, or linear. */
export type CameraCurve = "srgb" | "bt709" | "linear";

/** Options of {@link cameraPipeline}. */
export interface CameraPipelineOptions {
  /** Demosaicking (default `bilinear`, as `dcraw -q 0`). */
  demosaic?: DemosaicMethod;
  /** White balance (default `camera`; falls back to `auto` when the file has no as-shot WB). */
  wb?: CameraWb;
  /** Exposure (default `auto`; a photo-wide `exposure` in the metadata wins over `auto`). */
  exposure?: CameraExposure;
  /** Share of pixels allowed to clip under `auto` exposure (default 0.01, dcraw's). */
  clipFraction?: number;
  /** Tone curve (default `srgb`). */
  curve?: CameraCurve;
  /** File name used in error messages. */
  file?: string;
}

/** The multipliers the pipeline applies for a WB mode, divided by their minimum. */
export function wbGains(
  raw: RawImage,
  meta: CameraMeta,
  wb: CameraWb,
): [number, number, number] {
  let g: readonly [number, number, number];
  if (wb === "none") g = [1, 1, 1];
  else if (wb === "camera" && meta.whiteBalance) g = meta.whiteBalance;
  else g = packedGreyWorld(raw);
  const min = Math.min(g[0], g[1], g[2]);
  return [g[0] / min, g[1] / min, g[2] / min];
}

/** Grey-world multipliers on the packed channels (G averaged over Gr and Gb). */
function packedGreyWorld(raw: RawImage): [number, number, number] {
  const d = raw.data;
  let r = 0, g = 0, b = 0;
  for (let i = 0; i < d.length; i += 4) {
    r += d[i];
    g += 0.5 * (d[i + 1] + d[i + 2]);
    b += d[i + 3];
  }
  const rgb = { width: 1, height: 1, data: new Float32Array([r, g, b]) };
  return greyWorldGains(rgb);
}

/**
 * Linear sRGB (2H×2W×3, [0, 1]) of a normalised RAW: white balance with highlight clipping,
 * demosaic, colour matrix (identity when the metadata has none), clip. This is what
 * `dcraw -w -q 0 -o 1 -4` writes, divided by 65535.
 */
export function cameraLinear(
  raw: RawImage,
  meta: CameraMeta,
  opts: Pick<CameraPipelineOptions, "demosaic" | "wb" | "file"> = {},
): RgbImage {
  const gains = wbGains(raw, meta, opts.wb ?? "camera");
  const balanced = new Float32Array(raw.data.length);
  const gain4 = [gains[0], gains[1], gains[1], gains[2]];
  for (let i = 0; i < raw.data.length; i++) {
    const v = raw.data[i] * gain4[i & 3];
    balanced[i] = v > 1 ? 1 : v;
  }
  const rgb = applyDemosaicKernels(
    remosaic({ width: raw.width, height: raw.height, data: balanced }),
    demosaicKernels(opts.demosaic ?? "bilinear"),
    opts.file,
  );
  const m = meta.camToSrgb;
  const d = rgb.data;
  for (let i = 0; i < d.length; i += 3) {
    let r = d[i], g = d[i + 1], b = d[i + 2];
    if (m) {
      const r2 = m[0] * r + m[1] * g + m[2] * b;
      const g2 = m[3] * r + m[4] * g + m[5] * b;
      const b2 = m[6] * r + m[7] * g + m[8] * b;
      r = r2, g = g2, b = b2;
    }
    d[i] = r < 0 ? 0 : r > 1 ? 1 : r;
    d[i + 1] = g < 0 ? 0 : g > 1 ? 1 : g;
    d[i + 2] = b < 0 ? 0 : b > 1 ? 1 : b;
  }
  return rgb;
}

/**
 * dcraw's auto-brightness gain: per channel, the histogram level (8192 bins over [0, 1]) above
 * which more than `clipFraction` of the pixels lie; white is the largest of the three levels.
 */
export function autoExposureGain(linear: RgbImage, clipFraction = 0.01): number {
  const hist = [new Uint32Array(8192), new Uint32Array(8192), new Uint32Array(8192)];
  const d = linear.data;
  for (let i = 0; i < d.length; i += 3) {
    for (let c = 0; c < 3; c++) {
      // dcraw bins 16-bit values by `v >> 3`.
      const v = Math.min(65535, Math.max(0, Math.trunc(d[i + c] * 65535)));
      hist[c][v >> 3]++;
    }
  }
  const perc = linear.width * linear.height * clipFraction;
  let white = 0;
  for (let c = 0; c < 3; c++) {
    let val = 0x2000, total = 0;
    while (--val > 32) if ((total += hist[c][val]) > perc) break;
    if (white < val) white = val;
  }
  return white > 0 ? 0x2000 / white : 1;
}

/** dcraw's `gamma_curve(pwr, ts)` parameters: [pwr, ts, g2, toe end, offset]. */
function dcrawGamma(pwr: number, ts: number): [number, number, number, number, number] {
  const g: [number, number, number, number, number] = [pwr, ts, 0, 0, 0];
  const bnd = [0, 0];
  bnd[ts >= 1 ? 1 : 0] = 1;
  if (ts && (ts - 1) * (pwr - 1) <= 0) {
    for (let i = 0; i < 48; i++) {
      g[2] = (bnd[0] + bnd[1]) / 2;
      const test = (Math.pow(g[2] / ts, -pwr) - 1) / pwr - 1 / g[2] > -1;
      bnd[test ? 1 : 0] = g[2];
    }
    g[3] = g[2] / ts;
    g[4] = g[2] * (1 / pwr - 1);
  }
  return g;
}

const BT709 = dcrawGamma(0.45, 4.5);

/** Applies a transfer curve to one linear value in [0, 1]. */
export function encodeCurve(v: number, curve: CameraCurve): number {
  if (v <= 0) return 0;
  if (v >= 1) return 1;
  if (curve === "linear") return v;
  if (curve === "srgb") return v <= 0.0031308 ? 12.92 * v : 1.055 * Math.pow(v, 1 / 2.4) - 0.055;
  const g = BT709;
  return v < g[3] ? v * g[1] : Math.pow(v, g[0]) * (1 + g[4]) - g[4];
}

/** Resolves and checks {@link CameraPipelineOptions}. */
export function resolveCameraOptions(
  opts: CameraPipelineOptions = {},
): Required<Omit<CameraPipelineOptions, "file">> {
  const o = {
    demosaic: opts.demosaic ?? "bilinear",
    wb: opts.wb ?? "camera",
    exposure: opts.exposure ?? "auto",
    clipFraction: opts.clipFraction ?? 0.01,
    curve: opts.curve ?? "srgb",
  };
  if (!["camera", "auto", "none"].includes(o.wb)) {
    throw new OptionError("wb", `unknown mode '${o.wb}' (camera | auto | none)`);
  }
  if (
    typeof o.exposure === "number" ? !Number.isFinite(o.exposure) : !["auto", "none"]
      .includes(o.exposure)
  ) {
    throw new OptionError("exposure", `must be auto, none or a number of EV, got '${o.exposure}'`);
  }
  if (!["srgb", "bt709", "linear"].includes(o.curve)) {
    throw new OptionError("curve", `unknown curve '${o.curve}' (srgb | bt709 | linear)`);
  }
  if (!(o.clipFraction >= 0 && o.clipFraction < 1)) {
    throw new OptionError("clipFraction", `must be in [0, 1), got ${o.clipFraction}`);
  }
  return o;
}

/**
 * Normalised RAW + camera metadata → display sRGB (2H×2W×3, [0, 1]) in sensor orientation.
 * @example
 * ```ts
 * const cr = await readCameraRaw("IMG_0001.CR2");
 * const raw = cameraRawToRaw(cr);
 * const rgb = orientRgb(cameraPipeline(raw, raw.camera!), cr.orientation);
 * ```
 */
export function cameraPipeline(
  raw: RawImage,
  meta: CameraMeta,
  opts: CameraPipelineOptions = {},
): RgbImage {
  const o = resolveCameraOptions(opts);
  const rgb = cameraLinear(raw, meta, { demosaic: o.demosaic, wb: o.wb, file: opts.file });
  return toneMap(rgb, meta, o);
}

/**
 * The display half of {@link cameraPipeline}, in place: exposure gain (fixed EV, none, the
 * photo's stored gain, or the auto white point) then the transfer curve.
 */
export function toneMap(
  rgb: RgbImage,
  meta: CameraMeta,
  opts: Pick<CameraPipelineOptions, "exposure" | "clipFraction" | "curve"> = {},
): RgbImage {
  const o = resolveCameraOptions(opts);
  const gain = typeof o.exposure === "number"
    ? Math.pow(2, o.exposure)
    : o.exposure === "none"
    ? 1
    : meta.exposure ?? autoExposureGain(rgb, o.clipFraction);
  // A 16-bit lookup table, as dcraw's `curve[0x10000]`: one pow per level instead of per value.
  const lut = new Float32Array(65536);
  for (let k = 0; k < 65536; k++) lut[k] = encodeCurve((k / 65535) * gain, o.curve);
  const d = rgb.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    d[i] = lut[v <= 0 ? 0 : v >= 1 ? 65535 : Math.round(v * 65535)];
  }
  return rgb;
}

/**
 * Applies an EXIF orientation (1–8) to an RGB image, as dcraw's `flip_index`: 6 turns the image
 * 90° clockwise, 8 counter-clockwise, 3 by 180°, 2/4/5/7 mirror.
 */
export function orientRgb(img: RgbImage, orientation: number): RgbImage {
  const flip = ({ 1: 0, 2: 1, 3: 3, 4: 2, 5: 4, 6: 6, 7: 7, 8: 5 } as Record<number, number>)[
    orientation
  ] ?? 0;
  if (flip === 0) return img;
  const { width: w, height: h, data } = img;
  const swap = (flip & 4) !== 0;
  const ow = swap ? h : w, oh = swap ? w : h;
  const out = new Float32Array(data.length);
  for (let r = 0; r < oh; r++) {
    for (let c = 0; c < ow; c++) {
      let a = swap ? c : r, b = swap ? r : c;
      if (flip & 2) a = h - 1 - a;
      if (flip & 1) b = w - 1 - b;
      const s = 3 * (a * w + b), t = 3 * (r * ow + c);
      out[t] = data[s];
      out[t + 1] = data[s + 1];
      out[t + 2] = data[s + 2];
    }
  }
  return { width: ow, height: oh, data: out };
}
