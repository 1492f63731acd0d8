/**
 * Test helper: writes minimal, valid DNG files (uncompressed 16-bit CFA, one IFD) so tests can
 * feed LibRaw files with a known CFA pattern, per-channel black level, white level, as-shot
 * neutral, colour matrix and orientation. Only the tags LibRaw needs are written.
 * @module
 */

/** What {@link encodeDng} writes. */
export interface DngSpec {
  /** Mosaic width in pixels (even). */
  readonly width: number;
  /** Mosaic height in pixels (even). */
  readonly height: number;
  /** Row-major sensor values in DN, `width * height`. */
  readonly data: Uint16Array;
  /** CFA of the top-left 2×2 block (default `RGGB`). */
  readonly cfa?: "RGGB" | "BGGR" | "GRBG" | "GBRG";
  /** Black level per 2×2 position, row-major (default 0). */
  readonly blackLevel?: readonly [number, number, number, number];
  /** White level in DN (default 65535). */
  readonly whiteLevel?: number;
  /** AsShotNeutral, camera RGB of a neutral (default `[1, 1, 1]`). */
  readonly asShotNeutral?: readonly [number, number, number];
  /** ColorMatrix1, XYZ → camera, row-major 3×3 (default identity). */
  readonly colorMatrix?: readonly number[];
  /** EXIF orientation 1–8 (default 1). */
  readonly orientation?: number;
  /** Make (default `isp-bench`). */
  readonly make?: string;
  /** Model (default `test-dng`). */
  readonly model?: string;
  /** Write a 6×6 X-Trans CFA instead of a 2×2 Bayer one (to test the rejection). */
  readonly xtrans?: boolean;
  /** Write a demosaiced LinearRaw DNG (3 samples per pixel, `data` of `width * height * 3`). */
  readonly linearRaw?: boolean;
}

/** Fujifilm's X-Trans layout (0 R, 1 G, 2 B), 6×6. */
const XTRANS = [
  [1, 1, 0, 1, 1, 2],
  [1, 1, 2, 1, 1, 0],
  [2, 0, 1, 0, 2, 1],
  [1, 1, 2, 1, 1, 0],
  [1, 1, 0, 1, 1, 2],
  [0, 2, 1, 2, 0, 1],
].flat();

type Entry = { tag: number; type: number; values: readonly number[] | string };

const SHORT = 3, LONG = 4, RATIONAL = 5, BYTE = 1, ASCII = 2, SRATIONAL = 10;
const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 10: 8 };

/** Encodes a DNG file. Colour values use denominators of 10000. */
export function encodeDng(spec: DngSpec): Uint8Array {
  const { width, height, data } = spec;
  const spp = spec.linearRaw ? 3 : 1;
  if (data.length !== width * height * spp) throw new Error("encodeDng: data size mismatch");
  const cfa = spec.cfa ?? "RGGB";
  const colour = { R: 0, G: 1, B: 2 } as Record<string, number>;
  const r = (v: number) => [Math.round(v * 10000), 10000];
  const entries: Entry[] = [
    { tag: 254, type: LONG, values: [0] },
    { tag: 256, type: LONG, values: [width] },
    { tag: 257, type: LONG, values: [height] },
    { tag: 258, type: SHORT, values: Array(spp).fill(16) },
    { tag: 259, type: SHORT, values: [1] },
    { tag: 262, type: SHORT, values: [spec.linearRaw ? 34892 : 32803] },
    { tag: 271, type: ASCII, values: spec.make ?? "isp-bench" },
    { tag: 272, type: ASCII, values: spec.model ?? "test-dng" },
    { tag: 273, type: LONG, values: [0] }, // patched below
    { tag: 274, type: SHORT, values: [spec.orientation ?? 1] },
    { tag: 277, type: SHORT, values: [spp] },
    { tag: 278, type: LONG, values: [height] },
    { tag: 279, type: LONG, values: [width * height * 2 * spp] },
    { tag: 284, type: SHORT, values: [1] },
    ...(spec.linearRaw ? [] : [
      { tag: 33421, type: SHORT, values: spec.xtrans ? [6, 6] : [2, 2] },
      { tag: 33422, type: BYTE, values: spec.xtrans ? XTRANS : [...cfa].map((c) => colour[c]) },
    ]),
    { tag: 50706, type: BYTE, values: [1, 4, 0, 0] },
    { tag: 50708, type: ASCII, values: `${spec.make ?? "isp-bench"} ${spec.model ?? "test-dng"}` },
    ...(spec.linearRaw ? [{ tag: 50714, type: LONG, values: [spec.blackLevel?.[0] ?? 0] }] : [
      { tag: 50713, type: SHORT, values: [2, 2] },
      { tag: 50714, type: LONG, values: [...(spec.blackLevel ?? [0, 0, 0, 0])] },
    ]),
    { tag: 50717, type: LONG, values: [spec.whiteLevel ?? 65535] },
    {
      tag: 50721,
      type: SRATIONAL,
      values: (spec.colorMatrix ?? [1, 0, 0, 0, 1, 0, 0, 0, 1]).flatMap(r),
    },
    { tag: 50728, type: RATIONAL, values: (spec.asShotNeutral ?? [1, 1, 1]).flatMap(r) },
    { tag: 50778, type: SHORT, values: [21] },
  ];
  const count = (e: Entry) =>
    typeof e.values === "string"
      ? e.values.length + 1
      : e.type === RATIONAL || e.type === SRATIONAL
      ? e.values.length / 2
      : e.values.length;
  const ifdSize = 2 + entries.length * 12 + 4;
  let extra = 8 + ifdSize;
  const offsets = entries.map((e) => {
    const size = count(e) * TYPE_SIZE[e.type];
    if (size <= 4) return -1;
    const at = extra;
    extra += size + (size & 1);
    return at;
  });
  const dataAt = extra;
  const buf = new Uint8Array(dataAt + data.length * 2);
  const dv = new DataView(buf.buffer);
  buf.set([0x49, 0x49, 42, 0]);
  dv.setUint32(4, 8, true);
  dv.setUint16(8, entries.length, true);
  entries.forEach((e, i) => {
    const at = 10 + i * 12;
    dv.setUint16(at, e.tag, true);
    dv.setUint16(at + 2, e.type, true);
    dv.setUint32(at + 4, count(e), true);
    const vals = e.tag === 273 ? [dataAt] : e.values;
    const base = offsets[i] < 0 ? at + 8 : offsets[i];
    if (offsets[i] >= 0) dv.setUint32(at + 8, offsets[i], true);
    if (typeof vals === "string") {
      for (let k = 0; k < vals.length; k++) buf[base + k] = vals.charCodeAt(k);
      return;
    }
    vals.forEach((v, k) => {
      if (e.type === BYTE) buf[base + k] = v;
      else if (e.type === SHORT) dv.setUint16(base + 2 * k, v, true);
      else if (e.type === SRATIONAL) dv.setInt32(base + 4 * k, v, true);
      else dv.setUint32(base + 4 * k, v, true);
    });
  });
  dv.setUint32(10 + entries.length * 12, 0, true);
  for (let i = 0; i < data.length; i++) dv.setUint16(dataAt + 2 * i, data[i], true);
  return buf;
}
