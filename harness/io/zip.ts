/**
 * Safe in-memory reading of submission zips (Codabench style). Nothing is extracted to disk paths
 * taken from the archive: entries are returned as bytes. Entry names with `..` segments, absolute
 * paths or drive letters are rejected, and inflation is counted byte by byte against limits, so a
 * zip bomb fails early whatever sizes its headers declare.
 * @module
 */
import { Unzip, UnzipInflate, UnzipPassThrough } from "fflate";
import { InputError } from "../errors.ts";

/** Limits applied while reading a zip. */
export interface ZipLimits {
  /** Most entries accepted (default 20,000). */
  maxEntries?: number;
  /** Largest uncompressed entry in bytes (default 256 MiB). */
  maxEntryBytes?: number;
  /** Largest total uncompressed size in bytes (default 2 GiB). */
  maxTotalBytes?: number;
}

/** One file of an archive. */
export interface ZipEntry {
  /** Path inside the archive, `/`-separated. */
  readonly name: string;
  /** Uncompressed content. */
  readonly data: Uint8Array;
}

/** Why an entry name is unsafe, or undefined when it is fine. */
export function unsafeEntryName(name: string): string | undefined {
  const n = name.replaceAll("\\", "/");
  if (n.startsWith("/")) return "absolute path";
  if (/^[A-Za-z]:/.test(n)) return "drive-letter path";
  if (n.split("/").some((seg) => seg === "..")) return "'..' path segment";
  if (n.includes("\0")) return "NUL byte in name";
  return undefined;
}

const CHUNK = 1 << 16;

/**
 * Entry count declared by the end-of-central-directory record, or undefined for zip64 archives
 * (count 0xFFFF). Throws when the record is missing: the archive is truncated or not a zip.
 */
function declaredEntryCount(bytes: Uint8Array, file: string): number | undefined {
  const stop = Math.max(0, bytes.length - 22 - 0xffff);
  for (let i = bytes.length - 22; i >= stop; i--) {
    if (bytes[i] === 0x50 && bytes[i + 1] === 0x4b && bytes[i + 2] === 5 && bytes[i + 3] === 6) {
      const count = bytes[i + 10] | (bytes[i + 11] << 8);
      return count === 0xffff ? undefined : count;
    }
  }
  throw new InputError(file, "truncated or corrupt zip (no end-of-central-directory record)");
}

/** An entry as the central directory declares it (nothing inflated). */
export interface ZipListing {
  /** Path inside the archive, `/`-separated. */
  readonly name: string;
  /** Declared compressed size in bytes. */
  readonly compressedBytes: number;
  /** Declared uncompressed size in bytes (a claim: {@link readZip} counts the real bytes). */
  readonly declaredBytes: number;
}

/**
 * Lists a zip's entries from its central directory only: no entry is inflated, so this costs
 * microseconds per entry whatever the archive expands to. Names are checked as in
 * {@link readZip}, and the declared sizes against `limits`. Meant for a first check of an upload
 * on a server's request thread; the sizes are claims, which {@link readZip} enforces while
 * inflating.
 *
 * @throws {InputError} on a corrupt or zip64 archive, an unsafe name, or declared sizes past a limit
 * @example
 * ```ts
 * const names = listZip(bytes, "sub.zip").map((e) => e.name);
 * ```
 */
export function listZip(bytes: Uint8Array, file = "<zip>", limits: ZipLimits = {}): ZipListing[] {
  const maxEntries = limits.maxEntries ?? 20_000;
  const maxEntry = limits.maxEntryBytes ?? 256 * 2 ** 20;
  const maxTotal = limits.maxTotalBytes ?? 2 * 2 ** 30;
  if (bytes.length < 22 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) {
    throw new InputError(file, "not a zip archive (bad signature)");
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (v.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) {
    throw new InputError(file, "truncated or corrupt zip (no end-of-central-directory record)");
  }
  const count = v.getUint16(eocd + 10, true);
  const cdSize = v.getUint32(eocd + 12, true);
  const cdStart = v.getUint32(eocd + 16, true);
  if (count === 0xffff || cdStart === 0xffffffff) {
    throw new InputError(file, "zip64 archives are not accepted (submissions are far below 4 GiB)");
  }
  if (count > maxEntries) throw new InputError(file, `more than ${maxEntries} entries`);
  if (cdStart + cdSize > eocd) throw new InputError(file, "corrupt zip (central directory)");
  const out: ZipListing[] = [];
  let total = 0;
  const dec = new TextDecoder();
  for (let o = cdStart, k = 0; k < count; k++) {
    if (o + 46 > eocd || v.getUint32(o, true) !== 0x02014b50) {
      throw new InputError(file, `corrupt zip (central directory entry ${k + 1})`);
    }
    const compressedBytes = v.getUint32(o + 20, true);
    const declaredBytes = v.getUint32(o + 24, true);
    const nameLen = v.getUint16(o + 28, true);
    const extra = v.getUint16(o + 30, true);
    const comment = v.getUint16(o + 32, true);
    if (o + 46 + nameLen > eocd) throw new InputError(file, "corrupt zip (entry name)");
    const name = dec.decode(bytes.subarray(o + 46, o + 46 + nameLen)).replaceAll("\\", "/");
    o += 46 + nameLen + extra + comment;
    const where = `${file}!${name}`;
    const bad = unsafeEntryName(name);
    if (bad) throw new InputError(where, `unsafe entry name (${bad})`);
    if (declaredBytes === 0xffffffff || compressedBytes === 0xffffffff) {
      throw new InputError(where, "zip64 entries are not accepted");
    }
    if (declaredBytes > maxEntry) {
      throw new InputError(
        where,
        `declares ${declaredBytes} bytes, over the ${maxEntry}-byte limit`,
      );
    }
    total += declaredBytes;
    if (total > maxTotal) {
      throw new InputError(file, `declares more than the total limit of ${maxTotal} bytes`);
    }
    out.push({ name, compressedBytes, declaredBytes });
  }
  return out;
}

/**
 * Reads every file entry of a zip held in memory.
 *
 * @param bytes the archive
 * @param file the archive's name for error messages
 * @throws {InputError} on a corrupt archive, an unsafe name or expansion past a limit
 * @example
 * ```ts
 * for (const e of readZip(await Deno.readFile("sub.zip"), "sub.zip")) console.log(e.name, e.data.length);
 * ```
 */
export function readZip(bytes: Uint8Array, file = "<zip>", limits: ZipLimits = {}): ZipEntry[] {
  const maxEntries = limits.maxEntries ?? 20_000;
  const maxEntry = limits.maxEntryBytes ?? 256 * 2 ** 20;
  const maxTotal = limits.maxTotalBytes ?? 2 * 2 ** 30;
  if (bytes.length < 22 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) {
    throw new InputError(file, "not a zip archive (bad signature)");
  }
  const declared = declaredEntryCount(bytes, file);
  const entries: ZipEntry[] = [];
  let seen = 0;
  let dirs = 0;
  let total = 0;
  let failure: InputError | undefined;
  const unzip = new Unzip((f) => {
    if (failure) return;
    seen++;
    const where = `${file}!${f.name}`;
    const bad = unsafeEntryName(f.name);
    if (bad) {
      failure = new InputError(where, `unsafe entry name (${bad})`);
      return;
    }
    if (f.name.endsWith("/")) {
      dirs++;
      return;
    }
    if (entries.length >= maxEntries) {
      failure = new InputError(file, `more than ${maxEntries} entries`);
      return;
    }
    if (f.compression !== 0 && f.compression !== 8) {
      failure = new InputError(where, `unsupported compression method ${f.compression}`);
      return;
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    f.ondata = (err, chunk, final) => {
      if (failure) return;
      if (err) {
        failure = new InputError(where, `corrupt entry (${err.message})`);
        return;
      }
      size += chunk.length;
      total += chunk.length;
      if (size > maxEntry) {
        failure = new InputError(where, `expands past the per-entry limit of ${maxEntry} bytes`);
        f.terminate();
        return;
      }
      if (total > maxTotal) {
        failure = new InputError(file, `expands past the total limit of ${maxTotal} bytes`);
        f.terminate();
        return;
      }
      chunks.push(chunk);
      if (final) {
        const data = new Uint8Array(size);
        let o = 0;
        for (const c of chunks) {
          data.set(c, o);
          o += c.length;
        }
        entries.push({ name: f.name.replaceAll("\\", "/"), data });
      }
    };
    f.start();
  });
  unzip.register(UnzipInflate);
  unzip.register(UnzipPassThrough);
  try {
    for (let o = 0; o < bytes.length && !failure; o += CHUNK) {
      unzip.push(bytes.subarray(o, Math.min(bytes.length, o + CHUNK)), o + CHUNK >= bytes.length);
    }
  } catch (e) {
    if (!failure) {
      failure = new InputError(file, `corrupt zip (${(e as Error).message})`, { cause: e });
    }
  }
  if (failure) throw failure;
  if (declared !== undefined && declared !== seen) {
    throw new InputError(file, `corrupt zip: ${seen} entries readable, ${declared} declared`);
  }
  if (entries.length + dirs !== seen) {
    throw new InputError(file, "truncated zip: an entry's data ends early");
  }
  return entries;
}
