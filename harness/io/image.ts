/**
 * 8-bit sRGB image files ↔ {@link RgbImage}: PNG (8- and 16-bit, grey, palette, alpha) through
 * fast-png, and JPEG through mozjpeg compiled to WebAssembly (@jsquash/jpeg), which decodes
 * bit-identically to libjpeg-turbo as used by PIL/OpenCV in the challenge's scoring code (jpeg-js
 * differs by up to 32 levels on 4:2:0 chroma). Decoding failures become {@link InputError}s naming
 * the file.
 * @module
 */
import { decode as decodePngRaw, encode as encodePngRaw } from "fast-png";
import { Inflate } from "fflate";
import decodeJpegWasm from "@jsquash/jpeg/decode.js";
import { InputError } from "../errors.ts";
import type { RgbImage } from "../types.ts";

/** Largest image decoded, in megapixels (guards against decompression bombs). */
export const MAX_MEGAPIXELS = 100;

/** Bit depth for PNG output. */
export type PngDepth = 8 | 16;

/** What an image file's header declares, read without decoding any pixel. */
export interface ImageHeader {
  /** Container format, sniffed from the content. */
  readonly format: "png" | "jpeg";
  /** Declared width in pixels. */
  readonly width: number;
  /** Declared height in pixels. */
  readonly height: number;
}

/** Options of {@link decodeImage}. */
export interface DecodeOptions {
  /**
   * Size the image must have (e.g. its target's). Checked from the header before decoding, so a
   * header that lies about the size never makes the decoder allocate for it.
   */
  expect?: { width: number; height: number };
  /** Largest accepted image in megapixels (default {@link MAX_MEGAPIXELS}). */
  maxMegapixels?: number;
}

function isPng(b: Uint8Array): boolean {
  return b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
}

function isJpeg(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
}

/**
 * Decodes PNG or JPEG bytes (sniffed from the content, not the name) into an RGB image in [0, 1].
 * Grey images are replicated to three channels; alpha is dropped.
 *
 * @param bytes the file content
 * @param file name used in error messages
 * @throws {InputError} when the bytes are not a decodable PNG/JPEG
 * @example
 * ```ts
 * const img = decodeImage(await Deno.readFile("a.png"), "a.png");
 * ```
 */
export async function decodeImage(
  bytes: Uint8Array,
  file = "<image>",
  opts: DecodeOptions = {},
): Promise<RgbImage> {
  const head = checkedHeader(bytes, file, opts);
  if (head.format === "png") return decodePng(bytes, file, head);
  return await decodeJpeg(bytes, file, head);
}

/**
 * Reads an image's format and declared size from its header alone (PNG IHDR, JPEG SOFn), without
 * decoding or allocating for the pixels.
 *
 * @throws {InputError} when the bytes are neither PNG nor JPEG or the header is corrupt
 * @example
 * ```ts
 * const { width, height } = imageHeader(await Deno.readFile("a.png"), "a.png");
 * ```
 */
export function imageHeader(bytes: Uint8Array, file = "<image>"): ImageHeader {
  if (isPng(bytes)) return { format: "png", ...pngHeader(bytes, file) };
  if (isJpeg(bytes)) {
    const frame = jpegFrameSize(bytes);
    if (!frame) throw new InputError(file, "corrupt or truncated JPEG (no frame header)");
    if (frame.width === 0 || frame.height === 0) {
      throw new InputError(file, `JPEG frame header declares ${frame.width}×${frame.height}`);
    }
    return { format: "jpeg", ...frame };
  }
  throw new InputError(file, "not a PNG or JPEG file (unrecognised signature)");
}

/** The header, checked against the size limit and the expected size. */
function checkedHeader(bytes: Uint8Array, file: string, opts: DecodeOptions): ImageHeader {
  const head = imageHeader(bytes, file);
  const { width, height } = head;
  const exp = opts.expect;
  if (exp && (exp.width !== width || exp.height !== height)) {
    throw new InputError(
      file,
      `size ${width}×${height} differs from the target's ${exp.width}×${exp.height}`,
    );
  }
  const max = opts.maxMegapixels ?? MAX_MEGAPIXELS;
  if (width * height > max * 1e6) {
    throw new InputError(file, `image ${width}×${height} exceeds ${max} MP`);
  }
  return head;
}

/** Width and height from the IHDR chunk, which the PNG format requires to come first. */
function pngHeader(b: Uint8Array, file: string): { width: number; height: number } {
  const type = String.fromCharCode(b[12], b[13], b[14], b[15]);
  if (b.length < 33 || type !== "IHDR") {
    throw new InputError(file, "corrupt or truncated PNG (no IHDR chunk first)");
  }
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const width = v.getUint32(16);
  const height = v.getUint32(20);
  // The PNG specification caps both at 2^31 − 1; zero is invalid.
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
    throw new InputError(file, `PNG header declares an invalid size ${width}×${height}`);
  }
  return { width, height };
}

/**
 * Inflates the zlib stream of the IDAT chunks in 64 KiB steps, counting the output against the
 * size the (already size-checked) header implies and checking the Adler-32 trailer, which fast-png
 * does not verify (PIL and libpng refuse a PNG whose trailer is wrong). A stream that expands past
 * the declared size stops at that size: nothing is allocated for it.
 */
function checkZlibStream(bytes: Uint8Array, file: string, size: number): void {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const idat: Uint8Array[] = [];
  for (let o = 8; o + 12 <= bytes.length;) {
    const len = v.getUint32(o);
    const type = String.fromCharCode(bytes[o + 4], bytes[o + 5], bytes[o + 6], bytes[o + 7]);
    if (type === "IDAT") idat.push(bytes.subarray(o + 8, Math.min(bytes.length, o + 8 + len)));
    if (type === "IEND") break;
    o += 12 + len;
  }
  const z = new Uint8Array(idat.reduce((n, p) => n + p.length, 0));
  idat.reduce((k, p) => (z.set(p, k), k + p.length), 0);
  if (z.length < 6) throw new InputError(file, "corrupt or truncated PNG (no image data)");
  let a = 1;
  let b = 0;
  let got = 0;
  let over = false;
  const inflater = new Inflate((chunk) => {
    got += chunk.length;
    if (got > size) over = true;
    if (over) return;
    // 5552 is the longest run that cannot overflow before the modulo (zlib's NMAX).
    for (let i = 0; i < chunk.length;) {
      const end = Math.min(chunk.length, i + 5552);
      for (; i < end; i++) {
        a += chunk[i];
        b += a;
      }
      a %= 65521;
      b %= 65521;
    }
  });
  const body = z.subarray(2, z.length - 4);
  try {
    for (let o = 0; o < body.length && !over; o += 1 << 16) {
      inflater.push(body.subarray(o, o + (1 << 16)), o + (1 << 16) >= body.length);
    }
  } catch (e) {
    throw new InputError(file, `corrupt or truncated PNG (${(e as Error).message})`, { cause: e });
  }
  if (over) throw new InputError(file, `corrupt PNG (image data expands past its ${size} bytes)`);
  if (got < size) throw new InputError(file, "corrupt or truncated PNG (image data ends early)");
  const t = z.length - 4;
  const trailer = ((z[t] << 24) | (z[t + 1] << 16) | (z[t + 2] << 8) | z[t + 3]) >>> 0;
  if ((((b << 16) | a) >>> 0) !== trailer) {
    throw new InputError(file, "corrupt PNG (zlib Adler-32 checksum mismatch)");
  }
}

/** Size of the filtered scanlines (zlib's payload) of a PNG, Adam7 passes included. */
function filteredSize(width: number, height: number, bitsPerPixel: number, adam7: boolean): number {
  const rows = (w: number, h: number) =>
    w === 0 || h === 0 ? 0 : h * (1 + Math.ceil((w * bitsPerPixel) / 8));
  if (!adam7) return rows(width, height);
  // Adam7: [x0, y0, dx, dy] of each pass.
  const passes = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [
    1,
    0,
    2,
    2,
  ], [0, 1, 1, 2]];
  let total = 0;
  for (const [x0, y0, dx, dy] of passes) {
    total += rows(Math.ceil((width - x0) / dx), Math.ceil((height - y0) / dy));
  }
  return total;
}

function decodePng(bytes: Uint8Array, file: string, head: ImageHeader): RgbImage {
  // IHDR: bit depth at 24, colour type at 25, interlace at 28.
  const depth = bytes[24];
  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[bytes[25]];
  if (!channels || ![1, 2, 4, 8, 16].includes(depth)) {
    throw new InputError(file, `corrupt PNG (colour type ${bytes[25]}, bit depth ${depth})`);
  }
  const adam7 = bytes[28] === 1;
  checkZlibStream(bytes, file, filteredSize(head.width, head.height, depth * channels, adam7));
  let png: ReturnType<typeof decodePngRaw>;
  try {
    png = decodePngRaw(bytes, { checkCrc: true });
  } catch (e) {
    throw new InputError(file, `corrupt or truncated PNG (${(e as Error).message})`, { cause: e });
  }
  const { width, height } = png;
  if (!png.palette && png.depth !== 8 && png.depth !== 16) {
    throw new InputError(file, `unsupported PNG bit depth ${png.depth} (expected 8 or 16)`);
  }
  const n = width * height;
  const out = new Float32Array(n * 3);
  if (png.palette) {
    const pal = png.palette;
    const idx = png.data;
    const bits = png.depth;
    const perByte = 8 / bits;
    const rowBytes = Math.ceil(width / perByte);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let i: number;
        if (bits === 8) i = idx[y * width + x];
        else {
          const byte = idx[y * rowBytes + Math.floor(x / perByte)];
          const shift = 8 - bits * ((x % perByte) + 1);
          i = (byte >> shift) & ((1 << bits) - 1);
        }
        const c = pal[i];
        if (!c) throw new InputError(file, `palette index ${i} out of range`);
        const o = (y * width + x) * 3;
        out[o] = c[0] / 255;
        out[o + 1] = c[1] / 255;
        out[o + 2] = c[2] / 255;
      }
    }
    return { width, height, data: out };
  }
  const ch = png.channels;
  if (png.depth !== 8 && png.depth !== 16) {
    throw new InputError(file, `unsupported PNG bit depth ${png.depth} (expected 8 or 16)`);
  }
  const scale = 1 / (png.depth === 16 ? 65535 : 255);
  const src = png.data;
  if (src.length < n * ch) throw new InputError(file, "truncated PNG pixel data");
  for (let i = 0; i < n; i++) {
    if (ch >= 3) {
      out[3 * i] = src[ch * i] * scale;
      out[3 * i + 1] = src[ch * i + 1] * scale;
      out[3 * i + 2] = src[ch * i + 2] * scale;
    } else {
      const v = src[ch * i] * scale;
      out[3 * i] = v;
      out[3 * i + 1] = v;
      out[3 * i + 2] = v;
    }
  }
  return { width, height, data: out };
}

/** Frame size from the first SOFn marker, read before decoding to refuse oversized images. */
function jpegFrameSize(b: Uint8Array): { width: number; height: number } | undefined {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return undefined;
    const marker = b[i + 1];
    const len = (b[i + 2] << 8) | b[i + 3];
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 &&
      marker !== 0xcc;
    if (isSof) return { height: (b[i + 5] << 8) | b[i + 6], width: (b[i + 7] << 8) | b[i + 8] };
    i += 2 + len;
  }
  return undefined;
}

/** True when an end-of-image marker closes the data (libjpeg pads truncated files silently). */
function hasEoi(b: Uint8Array): boolean {
  for (let i = b.length - 2; i >= Math.max(0, b.length - 4096); i--) {
    if (b[i] === 0xff && b[i + 1] === 0xd9) return true;
  }
  return false;
}

/**
 * Most pixels one byte of JPEG can carry. Even a flat 8×8 block costs a few bits per channel
 * (about 128 pixels per byte for an all-black 4:2:0 file), so 1024 leaves 8× headroom while
 * refusing a small file whose frame header claims a large image before the decoder pads it out.
 */
const JPEG_MAX_PIXELS_PER_BYTE = 1024;

async function decodeJpeg(bytes: Uint8Array, file: string, head: ImageHeader): Promise<RgbImage> {
  if (head.width * head.height > bytes.length * JPEG_MAX_PIXELS_PER_BYTE) {
    throw new InputError(
      file,
      `JPEG of ${bytes.length} bytes cannot hold the ${head.width}×${head.height} it declares`,
    );
  }
  if (!hasEoi(bytes)) throw new InputError(file, "truncated JPEG (no end-of-image marker)");
  let img: { width: number; height: number; data: ArrayLike<number> };
  try {
    img = await decodeJpegWasm(bytes.slice().buffer);
  } catch (e) {
    throw new InputError(file, `corrupt JPEG (${(e as Error).message})`, { cause: e });
  }
  const n = img.width * img.height;
  const out = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    out[3 * i] = img.data[4 * i] / 255;
    out[3 * i + 1] = img.data[4 * i + 1] / 255;
    out[3 * i + 2] = img.data[4 * i + 2] / 255;
  }
  return { width: img.width, height: img.height, data: out };
}

/**
 * Quantises an RGB image to integers: `floor(v·max + 0.5)` after clipping to [0, 1]
 * (the challenge's rounding). NaN or ∞ is an error, never silently written.
 */
export function quantize(
  img: RgbImage,
  depth: PngDepth = 8,
  file = "<image>",
): Uint8Array | Uint16Array {
  const max = depth === 16 ? 65535 : 255;
  const out = depth === 16 ? new Uint16Array(img.data.length) : new Uint8Array(img.data.length);
  for (let i = 0; i < img.data.length; i++) {
    const v = img.data[i];
    if (!Number.isFinite(v)) {
      throw new InputError(file, `non-finite value ${v} at pixel ${Math.floor(i / 3)}`);
    }
    out[i] = Math.floor(Math.min(1, Math.max(0, v)) * max + 0.5);
  }
  return out;
}

/**
 * Encodes an RGB image as a PNG (8-bit by default).
 * @example
 * ```ts
 * await Deno.writeFile("out.png", encodePng(img));
 * ```
 */
export function encodePng(img: RgbImage, depth: PngDepth = 8, file = "<image>"): Uint8Array {
  return encodePngRaw({
    width: img.width,
    height: img.height,
    data: quantize(img, depth, file),
    depth,
    channels: 3,
  });
}

/** Reads and decodes a PNG or JPEG file. */
export async function readImage(path: string): Promise<RgbImage> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    throw new InputError(path, `cannot read: ${(e as Error).message}`, { cause: e });
  }
  return await decodeImage(bytes, path);
}

/** Encodes and writes a PNG file. */
export async function writePng(path: string, img: RgbImage, depth: PngDepth = 8): Promise<void> {
  await Deno.writeFile(path, encodePng(img, depth, path));
}
