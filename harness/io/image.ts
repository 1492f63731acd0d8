/**
 * 8-bit sRGB image files ↔ {@link RgbImage}: PNG (8- and 16-bit, grey, palette, alpha) through
 * fast-png, and JPEG through mozjpeg compiled to WebAssembly (@jsquash/jpeg), which decodes
 * bit-identically to libjpeg-turbo as used by PIL/OpenCV in the challenge's scoring code (jpeg-js
 * differs by up to 32 levels on 4:2:0 chroma). Decoding failures become {@link InputError}s naming
 * the file.
 * @module
 */
import { decode as decodePngRaw, encode as encodePngRaw } from "fast-png";
import decodeJpegWasm from "@jsquash/jpeg/decode.js";
import { InputError } from "../errors.ts";
import type { RgbImage } from "../types.ts";

/** Largest image decoded, in megapixels (guards against decompression bombs). */
export const MAX_MEGAPIXELS = 100;

/** Bit depth for PNG output. */
export type PngDepth = 8 | 16;

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
export async function decodeImage(bytes: Uint8Array, file = "<image>"): Promise<RgbImage> {
  if (isPng(bytes)) return decodePng(bytes, file);
  if (isJpeg(bytes)) return await decodeJpeg(bytes, file);
  throw new InputError(file, "not a PNG or JPEG file (unrecognised signature)");
}

function decodePng(bytes: Uint8Array, file: string): RgbImage {
  let png: ReturnType<typeof decodePngRaw>;
  try {
    png = decodePngRaw(bytes, { checkCrc: true });
  } catch (e) {
    throw new InputError(file, `corrupt or truncated PNG (${(e as Error).message})`, { cause: e });
  }
  const { width, height } = png;
  if (width * height > MAX_MEGAPIXELS * 1e6) {
    throw new InputError(file, `image ${width}×${height} exceeds ${MAX_MEGAPIXELS} MP`);
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

async function decodeJpeg(bytes: Uint8Array, file: string): Promise<RgbImage> {
  const frame = jpegFrameSize(bytes);
  if (!frame) throw new InputError(file, "corrupt or truncated JPEG (no frame header)");
  if (frame.width * frame.height > MAX_MEGAPIXELS * 1e6) {
    throw new InputError(file, `image ${frame.width}×${frame.height} exceeds ${MAX_MEGAPIXELS} MP`);
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
