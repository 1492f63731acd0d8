/**
 * Seeded generators of hostile inputs: mutated PNG, JPEG, npy and zip files and score-CLI option
 * sets. Each case is a name and a function that feeds the input to the code under test; a case is
 * handled when it returns or throws one of the typed user errors. The same seed gives the same
 * cases, so any failure can be replayed by its index.
 * @module
 */
import { zipSync } from "fflate";
import { decodeBase64 } from "./base64.ts";
import { InputError, OptionError } from "../errors.ts";
import { decodeImage, encodePng } from "../io/image.ts";
import { decodeNpy, encodeNpy } from "../io/npy.ts";
import { listZip, readZip } from "../io/zip.ts";
import { Rng } from "../random.ts";
import type { RgbImage } from "../types.ts";

/** One generated input. */
export interface FuzzCase {
  /** Family and a short description, e.g. `png:ihdr-lie`. */
  readonly name: string;
  /** Feeds the input to the code under test. */
  run(): Promise<unknown>;
}

/** Kinds of case. */
export type FuzzFamily = "png" | "jpeg" | "npy" | "zip" | "cli";

/** A 24×16 baseline JPEG written by PIL (quality 80), the seed of the JPEG mutations. */
const JPEG_24x16 =
  "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAARCAAQABgDASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDyHwzoP3Pkr1XQNGSGNXkXAHt19qNA0ZIY1eRcAe3X2rsbaCC0tJL/AFKRLe0gXczN0Uf1J4GByTgCunM8zhlUFTprmrS2X6v9F1Pn6tWVaVkFtBBaWkl/qUiW9pAu5mboo/qTwMDknAFFcDrusXXi2/RVR4NLhbMFuepPTe/qx/IA4HckrjwnCTxcPb4+bdSWrtb/ACf4aLZH1WD4Ypukni5NSfRNaeTunqf/2Q==";

/** Whether an error is one of the typed errors a user is meant to see. */
export function isUserError(e: unknown): boolean {
  return e instanceof InputError || e instanceof OptionError;
}

function image(rng: Rng): RgbImage {
  const width = 1 + rng.int(48);
  const height = 1 + rng.int(48);
  const data = new Float32Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = rng.next();
  return { width, height, data };
}

/** Byte-level mutations shared by every format. */
function mutate(rng: Rng, src: Uint8Array, protect = 0): { bytes: Uint8Array; how: string } {
  const b = src.slice();
  switch (rng.int(5)) {
    case 0: {
      const n = 1 + rng.int(8);
      for (let k = 0; k < n; k++) b[protect + rng.int(b.length - protect)] ^= 1 << rng.int(8);
      return { bytes: b, how: `flip${n}` };
    }
    case 1:
      return { bytes: b.subarray(0, rng.int(b.length)), how: "truncate" };
    case 2: {
      const at = protect + rng.int(b.length - protect);
      b.fill(0xff, at, Math.min(b.length, at + 1 + rng.int(16)));
      return { bytes: b, how: "ff-run" };
    }
    case 3: {
      const extra = new Uint8Array(1 + rng.int(64));
      for (let i = 0; i < extra.length; i++) extra[i] = rng.int(256);
      const out = new Uint8Array(b.length + extra.length);
      out.set(b);
      out.set(extra, b.length);
      return { bytes: out, how: "append" };
    }
    default: {
      const at = protect + rng.int(b.length - protect);
      return { bytes: b.copyWithin(at, rng.int(b.length)), how: "copy-within" };
    }
  }
}

function setU32(b: Uint8Array, at: number, v: number, little = false) {
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(at, v >>> 0, little);
}

function pngCase(rng: Rng, i: number): FuzzCase {
  const img = image(rng);
  const png = encodePng(img, rng.int(2) ? 16 : 8);
  const kind = rng.int(4);
  let bytes: Uint8Array;
  let how: string;
  if (kind === 0) {
    // A header that lies about the size (CRC left wrong or not: both must fail cleanly).
    bytes = png.slice();
    const big = [1e9, 2 ** 31 - 1, 65535, 0, 1 + rng.int(1e5)][rng.int(5)];
    setU32(bytes, 16 + 4 * rng.int(2), big);
    how = `ihdr-${big}`;
  } else ({ bytes, how } = mutate(rng, png, kind === 1 ? 33 : 8));
  const expect = rng.int(2) ? { width: img.width, height: img.height } : undefined;
  return {
    name: `png#${i}:${how}${expect ? ":expect" : ""}`,
    run: () => decodeImage(bytes, `p${i}.png`, { expect }),
  };
}

function jpegCase(rng: Rng, i: number): FuzzCase {
  const jpeg = decodeBase64(JPEG_24x16);
  let bytes: Uint8Array;
  let how: string;
  if (rng.int(4) === 0) {
    // SOF0 at offset 0x9e in this file: height then width, 16-bit big-endian.
    bytes = jpeg.slice();
    const sof = bytes.findIndex((v, k) => v === 0xff && bytes[k + 1] === 0xc0);
    const v = [65535, 0, 1 + rng.int(65535)][rng.int(3)];
    bytes[sof + 5 + 2 * rng.int(2)] = v >> 8;
    bytes[sof + 6 + 2 * rng.int(2)] = v & 255;
    how = `sof-${v}`;
  } else ({ bytes, how } = mutate(rng, jpeg, 2));
  const expect = rng.int(2) ? { width: 24, height: 16 } : undefined;
  return {
    name: `jpeg#${i}:${how}${expect ? ":expect" : ""}`,
    run: () => decodeImage(bytes, `j${i}.jpg`, { expect }),
  };
}

function npyCase(rng: Rng, i: number): FuzzCase {
  const dtype = (["uint8", "uint16", "float32"] as const)[rng.int(3)];
  const shape = [1 + rng.int(8), 1 + rng.int(8), 4];
  const n = shape[0] * shape[1] * 4;
  const data = dtype === "uint8"
    ? new Uint8Array(n)
    : dtype === "uint16"
    ? new Uint16Array(n)
    : new Float32Array(n);
  const npy = encodeNpy({ dtype, shape, data });
  let bytes: Uint8Array;
  let how: string;
  if (rng.int(3) === 0) {
    // Rewrite the header text: huge or malformed shapes, foreign dtypes.
    const head = new TextDecoder("latin1").decode(npy.subarray(10, 10 + (npy[8] | npy[9] << 8)));
    const lies = [
      ["(", "(99999999999, 99999999, "],
      ["(", "(-1, "],
      ["'descr': '", "'descr': '<f8"],
      ["False", "True"],
      ["'shape'", "'shap'"],
      ["(", "(1e9, "],
    ];
    const [from, to] = lies[rng.int(lies.length)];
    const text = head.replace(from, to);
    bytes = new Uint8Array(10 + text.length + npy.length - 10 - head.length);
    bytes.set(npy.subarray(0, 10));
    bytes[8] = text.length & 255;
    bytes[9] = text.length >> 8;
    for (let k = 0; k < text.length; k++) bytes[10 + k] = text.charCodeAt(k) & 255;
    bytes.set(npy.subarray(10 + head.length), 10 + text.length);
    how = `header:${to.trim()}`;
  } else ({ bytes, how } = mutate(rng, npy));
  return { name: `npy#${i}:${how}`, run: () => Promise.resolve(decodeNpy(bytes, `n${i}.npy`)) };
}

function zipCase(rng: Rng, i: number): FuzzCase {
  const names = ["a.png", "dir/b.png", "../evil.png", "/abs.png", "C:x.png", "\x1b[31mred.png"];
  // Draws happen now (so the sequence is fixed by the seed); bytes are built when the case runs,
  // so the suite never holds more than one case's archive.
  const entries = Array.from({ length: 1 + rng.int(4) }, (_, k) => ({
    name: `${k}-${names[rng.int(names.length)]}`,
    // A bomb of 2 MiB of zeros is twice the 1 MiB entry limit used here.
    size: rng.int(6) === 0 ? 2 * 2 ** 20 : rng.int(2000),
  }));
  const level = rng.int(2) ? 0 : 6;
  const kind = rng.int(3);
  const lie = [0, 1, 0xffffffff][rng.int(3)];
  const mut = new Rng(rng.int(2 ** 31), `zip:${i}`);
  const how = kind === 0 ? "cd-size-lie" : kind === 1 ? "as-built" : "mutated";
  const limits = { maxEntryBytes: 2 ** 20, maxTotalBytes: 4 * 2 ** 20, maxEntries: 16 };
  return {
    name: `zip#${i}:${how}`,
    run: () =>
      Promise.resolve().then(() => {
        const files: Record<string, Uint8Array> = {};
        entries.forEach((e, k) => (files[e.name] = new Uint8Array(e.size).fill(k)));
        let bytes: Uint8Array = zipSync(files, { level: level as 0 | 6 });
        if (kind === 0) {
          // Lie in the central directory's declared size.
          const cd = bytes.findIndex((v, k) =>
            v === 0x50 && bytes[k + 1] === 0x4b && bytes[k + 2] === 1 && bytes[k + 3] === 2
          );
          if (cd >= 0) setU32(bytes, cd + 24, lie, true);
        } else if (kind === 2) bytes = mutate(mut, bytes).bytes;
        listZip(bytes, `z${i}.zip`, limits);
        return readZip(bytes, `z${i}.zip`, limits);
      }),
  };
}

/**
 * The generated cases of one family. The CLI family needs a scratch folder with the small case of
 * `cli_cases.ts`, so it is built there.
 */
export function formatCases(family: Exclude<FuzzFamily, "cli">, seed: number, n: number) {
  const rng = new Rng(seed, `fuzz:${family}`);
  const make = { png: pngCase, jpeg: jpegCase, npy: npyCase, zip: zipCase }[family];
  return Array.from({ length: n }, (_, i) => make(rng, i));
}
