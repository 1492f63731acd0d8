/**
 * Camera RAW files (phone DNG, CR2, NEF, ARW, Bayer RAF, … — whatever LibRaw reads) → the Bayer
 * mosaic and the metadata a camera-aware pipeline needs. Decoding is LibRaw's, compiled to
 * WebAssembly (npm `libraw-wasm`, run in a module worker); nothing here parses a vendor format.
 *
 * Two things LibRaw's JS build does not report are derived here, each by a documented rule:
 * - the per-channel black level of non-DNG files, from the masked sensor border exactly as
 *   dcraw/LibRaw's `crop_masked_pixels` does (Canon's header has no black level), falling back to
 *   the Canon maker-note `ChannelBlackLevel`, then to LibRaw's global `black`;
 * - the per-channel black level of DNG files, from the DNG tags `BlackLevel`,
 *   `BlackLevelRepeatDim`, `BlackLevelDeltaH/V` of the raw IFD (DNG is TIFF, its tags are public).
 * @module
 */
import LibRaw from "libraw-wasm";
import { InputError } from "../errors.ts";
import type { CameraMeta, RawImage } from "../types.ts";
import type { BayerOrder } from "./raw.ts";

/** A decoded camera RAW file: the visible Bayer mosaic in sensor orientation and its metadata. */
export interface CameraRaw {
  /** The file read. */
  readonly file: string;
  /** Visible mosaic width in pixels. */
  readonly width: number;
  /** Visible mosaic height in pixels. */
  readonly height: number;
  /** `width * height` sensor values in DN, row-major, black level included. */
  readonly mosaic: Uint16Array;
  /** Colour filter of the top-left 2×2 block of the visible mosaic. */
  readonly cfa: BayerOrder;
  /** Black level in DN per colour channel R, Gr, Gb, B (Gr shares rows with R). */
  readonly blackLevel: readonly [number, number, number, number];
  /** White (saturation) level in DN. */
  readonly whiteLevel: number;
  /** Bits per sample as stored by the camera (LibRaw `raw_bps`). */
  readonly bitDepth: number;
  /** As-shot white-balance multipliers R, G, B (G = 1); absent when the file has none. */
  readonly whiteBalance?: readonly [number, number, number];
  /** Camera RGB → linear sRGB, row-major 3×3 (LibRaw `rgb_cam`); absent when unknown. */
  readonly camToSrgb?: readonly number[];
  /** XYZ (D65) → camera RGB, row-major 3×3 (LibRaw `cam_xyz`, Adobe's ColorMatrix); may be absent. */
  readonly xyzToCam?: readonly number[];
  /** Camera make. */
  readonly make: string;
  /** Camera model. */
  readonly model: string;
  /** EXIF orientation 1–8 (1 = as stored). */
  readonly orientation: number;
}

/** Camera RAW file extensions picked up from folders by `render` and `import`. */
export const CAMERA_RAW_EXT =
  /\.(dng|cr2|cr3|nef|nrw|arw|srf|sr2|raf|orf|rw2|pef|srw|3fr|iiq|crw|erf|kdc|mrw|x3f|rwl)$/i;

const LETTERS = ["R", "G", "B", "G"];

/** LibRaw `flip` → EXIF orientation (LibRaw maps EXIF o to flip "50132467"[o & 7]). */
const FLIP_TO_EXIF: Record<number, number> = { 0: 1, 1: 2, 3: 3, 2: 4, 4: 5, 6: 6, 7: 7, 5: 8 };

/** LibRaw's filter-pattern colour (0 R, 1 G, 2 B, 3 G2) at a mosaic site. */
function filterColour(filters: number, row: number, col: number): number {
  return (filters >>> ((((row << 1) & 14) + (col & 1)) << 1)) & 3;
}

/** Reads per-channel DNG black levels (R, Gr, Gb, B order via `cfaAt`), or undefined. */
export function dngBlackLevels(
  bytes: Uint8Array,
  cfaAt: (row: number, col: number) => number,
): [number, number, number, number] | undefined {
  if (bytes.length < 8) return undefined;
  const le = bytes[0] === 0x49;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (o: number) => dv.getUint16(o, le);
  const u32 = (o: number) => dv.getUint32(o, le);
  const SIZE: Record<number, number> = { 1: 1, 3: 2, 4: 4, 5: 8, 10: 8, 13: 4 };
  type Tag = { type: number; count: number; at: number };
  const values = (t: Tag): number[] => {
    const size = SIZE[t.type] ?? 0;
    const base = size * t.count <= 4 ? t.at : u32(t.at);
    const out: number[] = [];
    for (let i = 0; i < t.count && base + (i + 1) * size <= bytes.length; i++) {
      const o = base + i * size;
      if (t.type === 1) out.push(bytes[o]);
      else if (t.type === 3) out.push(u16(o));
      else if (t.type === 4 || t.type === 13) out.push(u32(o));
      else if (t.type === 5) out.push(u32(o) / (u32(o + 4) || 1));
      else if (t.type === 10) out.push(dv.getInt32(o, le) / (dv.getInt32(o + 4, le) || 1));
    }
    return out;
  };
  const ifds: Map<number, Tag>[] = [];
  const seen = new Set<number>();
  const walk = (off: number, depth: number) => {
    while (off > 0 && off + 2 <= bytes.length && !seen.has(off) && depth < 4) {
      seen.add(off);
      const n = u16(off);
      const tags = new Map<number, Tag>();
      for (let i = 0; i < n && off + 2 + i * 12 + 12 <= bytes.length; i++) {
        const e = off + 2 + i * 12;
        tags.set(u16(e), { type: u16(e + 2), count: u32(e + 4), at: e + 8 });
      }
      ifds.push(tags);
      const sub = tags.get(330);
      if (sub) { for (const s of values(sub)) walk(s, depth + 1); }
      const next = off + 2 + n * 12;
      off = next + 4 <= bytes.length ? u32(next) : 0;
    }
  };
  walk(u32(4), 0);
  const rawIfd = ifds.find((t) => t.has(33422) || t.get(262) && values(t.get(262)!)[0] === 32803);
  if (!rawIfd) return undefined;
  const black = rawIfd.get(50714);
  const dim = rawIfd.get(50713) ? values(rawIfd.get(50713)!) : [1, 1];
  const bl = black ? values(black) : [0];
  const mean = (t?: Tag) => {
    const v = t ? values(t) : [];
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0;
  };
  const delta = mean(rawIfd.get(50715)) + mean(rawIfd.get(50716));
  const [dr, dc] = [dim[0] || 1, dim[1] || 1];
  const at = (r: number, c: number) => bl[(r % dr) * dc + (c % dc)] ?? bl[0] ?? 0;
  const out: [number, number, number, number] = [0, 0, 0, 0];
  // Each canonical channel takes the black of the 2×2 site that carries its colour.
  const sites: [number, number][] = [[0, 0], [0, 1], [1, 0], [1, 1]];
  const colourOf = sites.map(([r, c]) => cfaAt(r, c));
  const canonical = canonicalSites(colourOf);
  for (let ch = 0; ch < 4; ch++) {
    const [r, c] = sites[canonical[ch]];
    out[ch] = at(r, c) + delta;
  }
  return out;
}

/**
 * For each canonical channel R, Gr, Gb, B, the index (0..3, row-major) of the 2×2 site holding
 * it, given the colour (0 R, 1 G, 2 B) of each site. Gr is the green on R's row.
 */
function canonicalSites(colours: readonly number[]): [number, number, number, number] {
  const r = colours.indexOf(0);
  const b = colours.indexOf(2);
  const rRow = r >> 1;
  const greens = [0, 1, 2, 3].filter((i) => colours[i] === 1);
  const gr = greens.find((i) => i >> 1 === rRow) ?? greens[0];
  const gb = greens.find((i) => i !== gr) ?? greens[1];
  return [r, gr, gb, b];
}

/** The four-letter CFA name of a 2×2 block given colour indices (0 R, 1 G, 2 B). */
function cfaName(colours: readonly number[]): BayerOrder | undefined {
  const name = colours.map((c) => "RGB"[c]).join("");
  return (["RGGB", "BGGR", "GRBG", "GBRG"] as const).find((o) => o === name);
}

type Meta = Record<string, unknown> & {
  width: number;
  height: number;
  raw_width: number;
  raw_height: number;
  top_margin: number;
  left_margin: number;
  flip: number;
  camera_make: string;
  camera_model: string;
  filters?: number;
  colors?: number;
  is_foveon?: number;
  dng_version?: number;
  cdesc?: string;
  color_data?: {
    black: number;
    maximum: number;
    raw_bps: number;
    cam_mul: number[];
    rgb_cam: number[][];
    cam_xyz: number[][];
    dng_levels?: { dng_whitelevel: number[] };
  };
  canon?: { ChannelBlackLevel?: number[] };
};

/**
 * A reusable decoder: one LibRaw worker for many files (starting one costs ~0.4 s of WebAssembly
 * compilation; a reused one decodes a small file in ~10 ms). Close it when done, or the worker
 * keeps the process alive.
 */
export interface CameraRawReader {
  /** Decodes a file's bytes. */
  decode(bytes: Uint8Array, file?: string): Promise<CameraRaw>;
  /** Reads and decodes a file. */
  read(path: string): Promise<CameraRaw>;
  /** Ends the worker. */
  close(): void;
}

/**
 * Opens a {@link CameraRawReader}.
 * @example
 * ```ts
 * const reader = openCameraRawReader();
 * try {
 *   for (const f of files) console.log((await reader.read(f)).cfa);
 * } finally {
 *   reader.close();
 * }
 * ```
 */
export function openCameraRawReader(): CameraRawReader {
  let lr: LibRaw | undefined;
  const reader: CameraRawReader = {
    decode: (bytes, file = "<raw>") => decodeWith(lr ??= new LibRaw(), bytes, file),
    read: async (path) => reader.decode(await readBytes(path), path),
    close: () => {
      lr?.dispose();
      lr = undefined;
    },
  };
  return reader;
}

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    throw new InputError(path, `cannot read: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Decodes a camera RAW file's bytes with LibRaw (a one-shot worker; see
 * {@link openCameraRawReader} for many files).
 *
 * @param bytes the file content
 * @param file name used in error messages
 * @throws {InputError} for X-Trans, Foveon, non-Bayer (linear DNG, sRAW) and unreadable files
 */
export async function decodeCameraRaw(bytes: Uint8Array, file = "<raw>"): Promise<CameraRaw> {
  const reader = openCameraRawReader();
  try {
    return await reader.decode(bytes, file);
  } finally {
    reader.close();
  }
}

async function decodeWith(lr: LibRaw, bytes: Uint8Array, file: string): Promise<CameraRaw> {
  let meta: Meta | undefined;
  let sensor:
    | {
      raw_width: number;
      raw_height: number;
      width: number;
      height: number;
      top_margin: number;
      left_margin: number;
      data: Uint16Array;
    }
    | undefined;
  try {
    // LibRaw takes ownership of the buffer it is sent: hand it a copy.
    await lr.open(bytes.slice(), {});
    meta = (await lr.metadata(true)) as Meta | undefined;
    if (meta && meta.width > 0 && !meta.is_foveon && meta.filters && meta.filters > 9) {
      sensor = await lr.rawImageData();
    }
  } catch (e) {
    throw new InputError(file, `LibRaw cannot read it: ${(e as Error).message}`, { cause: e });
  }
  if (!meta || !(meta.width > 0) || !meta.color_data) {
    throw new InputError(file, "not a camera RAW file LibRaw can read");
  }
  const camera = `${meta.camera_make} ${meta.camera_model}`.trim();
  if (meta.is_foveon) throw new InputError(file, `Foveon sensor (${camera}) is not supported`);
  if (meta.filters === 9) {
    throw new InputError(file, `X-Trans sensor (${camera}) is not supported: Bayer CFA only`);
  }
  if (!meta.filters || meta.filters <= 9 || (meta.colors ?? 3) !== 3) {
    throw new InputError(
      file,
      `no Bayer mosaic (${camera}): linear/demosaiced DNG, sRAW and 4-colour sensors are not supported`,
    );
  }
  if (!sensor || !sensor.data || sensor.data.length < sensor.raw_width * sensor.raw_height) {
    throw new InputError(file, `LibRaw could not unpack the sensor data (${camera})`);
  }
  // The sensor block's sizes: the metadata's width/height are swapped for portrait orientations.
  const { width, height, top_margin: tm, left_margin: lm, raw_width: rw } = sensor;
  const filters = meta.filters;
  const cdesc = meta.cdesc ?? "RGBG";
  const colourAt = (r: number, c: number) => {
    const letter = cdesc[filterColour(filters, r, c)] ?? LETTERS[filterColour(filters, r, c)];
    return letter === "R" ? 0 : letter === "B" ? 2 : 1;
  };
  const block = [colourAt(0, 0), colourAt(0, 1), colourAt(1, 0), colourAt(1, 1)];
  const cfa = cfaName(block);
  if (!cfa) throw new InputError(file, `unsupported CFA pattern ${block.join("")} (${camera})`);

  const mosaic = new Uint16Array(width * height);
  for (let y = 0; y < height; y++) {
    const src = (tm + y) * rw + lm;
    mosaic.set(sensor.data.subarray(src, src + width), y * width);
  }

  const cd = meta.color_data;
  const isDng = (meta.dng_version ?? 0) > 0;
  const blackLevel = isDng
    ? dngBlackLevels(bytes, colourAt) ?? uniform(cd.black)
    : maskedBlack(sensor, sensor.data, colourAt) ??
      canonBlack(meta.canon?.ChannelBlackLevel) ?? uniform(cd.black);
  const dngWhite = cd.dng_levels?.dng_whitelevel?.[0] ?? 0;
  const whiteLevel = cd.maximum > 0 ? cd.maximum : dngWhite > 0 ? dngWhite : 65535;

  const mul = cd.cam_mul;
  const g = mul[1] > 0 ? mul[1] : 0;
  const whiteBalance: [number, number, number] | undefined = g > 0 && mul[0] > 0 && mul[2] > 0
    ? [mul[0] / g, 1, mul[2] / g]
    : undefined;
  const m3 = (m: number[][]) => [0, 1, 2].flatMap((r) => [0, 1, 2].map((c) => m[r]?.[c] ?? 0));
  const camToSrgb = m3(cd.rgb_cam);
  const xyzToCam = m3(cd.cam_xyz);
  const isIdentity = camToSrgb.every((v, i) => Math.abs(v - (i % 4 === 0 ? 1 : 0)) < 1e-6);
  return {
    file,
    width,
    height,
    mosaic,
    cfa,
    blackLevel,
    whiteLevel,
    // DNG containers store 16 bits; the significant depth is what the white level needs.
    bitDepth: Math.min(cd.raw_bps || 16, Math.ceil(Math.log2(whiteLevel + 1))),
    whiteBalance,
    camToSrgb: isIdentity ? undefined : camToSrgb,
    xyzToCam: xyzToCam.some((v) => v !== 0) ? xyzToCam : undefined,
    make: meta.camera_make,
    model: meta.camera_model,
    orientation: FLIP_TO_EXIF[meta.flip] ?? 1,
  };
}

function uniform(b: number): [number, number, number, number] {
  return [b, b, b, b];
}

/** Canon maker-note ChannelBlackLevel is in R, G, G2, B order; map to R, Gr, Gb, B. */
function canonBlack(levels: number[] | undefined): [number, number, number, number] | undefined {
  if (!levels || levels.length < 4 || levels.every((v) => !v)) return undefined;
  return [levels[0], levels[1], levels[2], levels[3]];
}

/**
 * dcraw's masked-border black level for files with dark columns beside the image (Canon CR2 and
 * others): the mean (floored) per CFA site over the rows of the image, columns 2 … left_margin−2
 * and left_margin+width+2 … raw_width; undefined when there is no border or it is all zero.
 */
function maskedBlack(
  meta: {
    width: number;
    height: number;
    top_margin: number;
    left_margin: number;
    raw_width: number;
  },
  data: Uint16Array,
  colourAt: (r: number, c: number) => number,
): [number, number, number, number] | undefined {
  const { width, height, top_margin: tm, left_margin: lm, raw_width: rw } = meta;
  const ranges: [number, number][] = [[2, lm - 2], [lm + width + 2, rw]];
  const sum = [0, 0, 0, 0], cnt = [0, 0, 0, 0];
  let zero = 0;
  const block = [colourAt(0, 0), colourAt(0, 1), colourAt(1, 0), colourAt(1, 1)];
  const canonical = canonicalSites(block);
  const chanOfSite = [0, 0, 0, 0];
  canonical.forEach((site, ch) => (chanOfSite[site] = ch));
  for (const [c0, c1] of ranges) {
    for (let row = tm; row < tm + height; row++) {
      for (let col = Math.max(c0, 0); col < Math.min(c1, rw); col++) {
        const v = data[row * rw + col];
        const site = (((row - tm) & 1) << 1) | ((col - lm) & 1);
        const ch = chanOfSite[site];
        sum[ch] += v;
        cnt[ch]++;
        if (v === 0) zero++;
      }
    }
  }
  const total = cnt[0] + cnt[1] + cnt[2] + cnt[3];
  if (!(cnt.every((n) => n > 0) && zero < total)) return undefined;
  return [0, 1, 2, 3].map((c) => Math.floor(sum[c] / cnt[c])) as [number, number, number, number];
}

/**
 * Reads a camera RAW file (DNG, CR2, NEF, ARW, Bayer RAF, …) with LibRaw.
 *
 * @throws {InputError} when the file is missing, unreadable, X-Trans, Foveon or not Bayer
 * @example
 * ```ts
 * const cr = await readCameraRaw("IMG_0001.CR2");
 * console.log(cr.cfa, cr.blackLevel, cr.whiteLevel, cr.whiteBalance, cr.make, cr.model);
 * ```
 */
export async function readCameraRaw(path: string): Promise<CameraRaw> {
  return await decodeCameraRaw(await readBytes(path), path);
}

/** Row/column offset of the R site inside the top-left 2×2 block of each CFA. */
export const R_OFFSET: Record<BayerOrder, [number, number]> = {
  RGGB: [0, 0],
  GRBG: [0, 1],
  GBRG: [1, 0],
  BGGR: [1, 1],
};

/** Camera metadata of a decoded file, as carried by {@link RawImage.camera}. */
export function cameraMeta(cr: CameraRaw): CameraMeta {
  return {
    whiteBalance: cr.whiteBalance,
    camToSrgb: cr.camToSrgb,
    orientation: cr.orientation,
    make: cr.make,
    model: cr.model,
  };
}

/**
 * Packs a camera mosaic into a normalised canonical-RGGB {@link RawImage}: the mosaic is cropped
 * to start at an R site (one row and/or column dropped for GRBG, GBRG and BGGR), each channel has
 * its black level subtracted and is divided by `white − black`, clipped to [0, 1].
 */
export function cameraRawToRaw(cr: CameraRaw): RawImage {
  const [oy, ox] = R_OFFSET[cr.cfa];
  const width = (cr.width - ox) >> 1;
  const height = (cr.height - oy) >> 1;
  const data = new Float32Array(width * height * 4);
  const scale = cr.blackLevel.map((b) => 1 / (cr.whiteLevel - b));
  const w = cr.width;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = (2 * y + oy) * w + 2 * x + ox;
      const v = [cr.mosaic[s], cr.mosaic[s + 1], cr.mosaic[s + w], cr.mosaic[s + w + 1]];
      const d = 4 * (y * width + x);
      for (let c = 0; c < 4; c++) {
        const n = (v[c] - cr.blackLevel[c]) * scale[c];
        data[d + c] = n < 0 ? 0 : n > 1 ? 1 : n;
      }
    }
  }
  return { width, height, data, camera: cameraMeta(cr) };
}
