/**
 * NumPy `.npy` reading and writing (format versions 1.0, 2.0 and 3.0; C order only). The header is
 * validated field by field and the payload length checked, so a truncated or foreign file fails
 * with a clear {@link InputError} instead of yielding garbage.
 * @module
 */
import { InputError } from "../errors.ts";

/** Element types read and written: uint8, uint16 and float32. */
export type NpyDtype = "uint8" | "uint16" | "float32";

/** A decoded `.npy` array. */
export interface NdArray {
  /** Element type. */
  readonly dtype: NpyDtype;
  /** Shape, C (row-major) order. */
  readonly shape: readonly number[];
  /** The elements, in C order. */
  readonly data: Uint8Array | Uint16Array | Float32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const DESCR: Record<string, { dtype: NpyDtype; size: number; little: boolean }> = {
  "|u1": { dtype: "uint8", size: 1, little: true },
  "<u1": { dtype: "uint8", size: 1, little: true },
  ">u1": { dtype: "uint8", size: 1, little: true },
  "<u2": { dtype: "uint16", size: 2, little: true },
  ">u2": { dtype: "uint16", size: 2, little: false },
  "<f4": { dtype: "float32", size: 4, little: true },
  ">f4": { dtype: "float32", size: 4, little: false },
};

/** What a `.npy` header declares, read without touching the payload. */
export interface NpyHeader {
  /** Element type. */
  readonly dtype: NpyDtype;
  /** Shape, C order. */
  readonly shape: readonly number[];
  /** Byte offset of the payload. */
  readonly dataStart: number;
  /** Payload size in bytes that the header implies. */
  readonly dataBytes: number;
  /** Byte order of multi-byte elements. */
  readonly littleEndian: boolean;
}

/**
 * Parses only the header of a `.npy` file (the first bytes suffice), so its shape can be checked
 * before any payload is read or allocated.
 *
 * @throws {InputError} on a bad magic, header, dtype or Fortran order
 * @example
 * ```ts
 * const { shape } = npyHeader(bytes, "a.npy");
 * ```
 */
export function npyHeader(bytes: Uint8Array, file = "<npy>"): NpyHeader {
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) {
    throw new InputError(file, "not a .npy file (bad magic bytes)");
  }
  const major = bytes[6];
  if (major < 1 || major > 3) throw new InputError(file, `unsupported .npy version ${major}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major > 1 && bytes.length < 12) throw new InputError(file, "truncated .npy header");
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const dataStart = headerStart + headerLen;
  if (bytes.length < dataStart) throw new InputError(file, "truncated .npy header");
  // numpy writes headers of about 128 bytes; a huge one is not a real array file.
  if (headerLen > 65536) throw new InputError(file, `.npy header of ${headerLen} bytes`);
  const header = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(
    bytes.subarray(headerStart, dataStart),
  );
  const descrMatch = header.match(/'descr'\s*:\s*'([^']*)'/);
  const fortranMatch = header.match(/'fortran_order'\s*:\s*(True|False)/);
  const shapeMatch = header.match(/'shape'\s*:\s*\(([^)]*)\)/);
  if (!header.trimStart().startsWith("{") || !descrMatch || !fortranMatch || !shapeMatch) {
    throw new InputError(file, `malformed .npy header ${JSON.stringify(header.trim())}`);
  }
  const spec = DESCR[descrMatch[1]];
  if (!spec) {
    throw new InputError(
      file,
      `unsupported dtype '${descrMatch[1]}' (expected uint8, uint16 or float32)`,
    );
  }
  if (fortranMatch[1] === "True") {
    throw new InputError(file, "Fortran-order arrays are not supported");
  }
  const shape = shapeMatch[1].split(",").map((s) => s.trim()).filter((s) => s.length > 0).map(
    (s) => {
      if (!/^\d{1,15}L?$/.test(s)) throw new InputError(file, `bad shape entry '${s}'`);
      return parseInt(s, 10);
    },
  );
  const count = shape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(count * spec.size)) {
    throw new InputError(file, `shape (${shape.join(", ")}) is too large`);
  }
  return {
    dtype: spec.dtype,
    shape,
    dataStart,
    dataBytes: count * spec.size,
    littleEndian: spec.little,
  };
}

/**
 * Parses the bytes of a `.npy` file. The header is checked first, and the payload length against
 * it, so nothing is allocated beyond what the file holds.
 *
 * @param bytes the whole file
 * @param file the file name, used in error messages
 * @throws {InputError} on a bad magic, header, dtype, Fortran order or a truncated payload
 * @example
 * ```ts
 * const arr = decodeNpy(await Deno.readFile("train/raw/s1_0.npy"), "s1_0.npy");
 * console.log(arr.shape); // [128, 128, 4]
 * ```
 */
export function decodeNpy(bytes: Uint8Array, file = "<npy>"): NdArray {
  const h = npyHeader(bytes, file);
  const have = bytes.length - h.dataStart;
  if (have < h.dataBytes) {
    throw new InputError(file, `truncated .npy data: ${have} bytes for ${h.dataBytes} expected`);
  }
  if (have > h.dataBytes) {
    throw new InputError(file, `.npy data has ${have - h.dataBytes} trailing bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = h.shape.reduce((a, b) => a * b, 1);
  return {
    dtype: h.dtype,
    shape: h.shape,
    data: readElements(view, h.dataStart, count, { dtype: h.dtype, little: h.littleEndian }),
  };
}

function readElements(
  view: DataView,
  offset: number,
  count: number,
  spec: { dtype: NpyDtype; little: boolean },
): Uint8Array | Uint16Array | Float32Array {
  if (spec.dtype === "uint8") {
    return new Uint8Array(
      view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + count),
    );
  }
  if (spec.dtype === "uint16") {
    const out = new Uint16Array(count);
    for (let i = 0; i < count; i++) out[i] = view.getUint16(offset + 2 * i, spec.little);
    return out;
  }
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, spec.little);
  return out;
}

/**
 * Encodes an array as a version 1.0 `.npy` file (little-endian, C order), as `numpy.save` does.
 *
 * @example
 * ```ts
 * await Deno.writeFile("a.npy", encodeNpy({ dtype: "uint16", shape: [2, 2], data: new Uint16Array(4) }));
 * ```
 */
export function encodeNpy(arr: NdArray): Uint8Array {
  const count = arr.shape.reduce((a, b) => a * b, 1);
  if (arr.data.length !== count) {
    throw new RangeError(`shape ${arr.shape} needs ${count} elements, got ${arr.data.length}`);
  }
  const descr = arr.dtype === "uint8" ? "|u1" : arr.dtype === "uint16" ? "<u2" : "<f4";
  const shape = arr.shape.length === 1 ? `(${arr.shape[0]},)` : `(${arr.shape.join(", ")})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const unpadded = 10 + header.length + 1;
  header += " ".repeat((64 - (unpadded % 64)) % 64) + "\n";
  const size = arr.dtype === "uint8" ? 1 : arr.dtype === "uint16" ? 2 : 4;
  const out = new Uint8Array(10 + header.length + count * size);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const start = 10 + header.length;
  if (arr.dtype === "uint8") out.set(arr.data as Uint8Array, start);
  else if (arr.dtype === "uint16") {
    for (let i = 0; i < count; i++) view.setUint16(start + 2 * i, arr.data[i], true);
  } else {
    for (let i = 0; i < count; i++) view.setFloat32(start + 4 * i, arr.data[i], true);
  }
  return out;
}

/** Largest `.npy` file read (default 2 GiB): a RAW of 100 MP as float32 fits in it. */
export const MAX_NPY_BYTES = 2 * 2 ** 30;

/**
 * Reads and decodes a `.npy` file; errors name the path. Only regular files are read, and only
 * up to `maxBytes`, so a path to a device or a huge file fails fast instead of reading forever.
 */
export async function readNpy(path: string, maxBytes = MAX_NPY_BYTES): Promise<NdArray> {
  let bytes: Uint8Array;
  try {
    const info = await Deno.stat(path);
    if (!info.isFile) throw new InputError(path, "not a regular file");
    if (info.size > maxBytes) {
      throw new InputError(path, `file of ${info.size} bytes is over the ${maxBytes}-byte limit`);
    }
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(path, `cannot read: ${(e as Error).message}`, { cause: e });
  }
  return decodeNpy(bytes, path);
}

/** Encodes and writes a `.npy` file. */
export async function writeNpy(path: string, arr: NdArray): Promise<void> {
  await Deno.writeFile(path, encodeNpy(arr));
}
