/**
 * Test support: a PNG file built chunk by chunk with valid CRCs, for inputs no encoder writes —
 * a header that lies about the size, a truncated or oversized zlib stream, a bad Adler-32.
 * @module
 */

function crc32(b: Uint8Array): number {
  let c = ~0;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * An RGB PNG whose IHDR says `width`×`height` at `bitDepth` and whose single IDAT holds `idat`
 * as given (any bytes: the header is not checked against it).
 * @example
 * ```ts
 * const liar = pngFile(1e9, 1, Uint8Array.of(0x78, 0x9c)); // ~60 bytes claiming 10⁹ pixels
 * ```
 */
export function pngFile(width: number, height: number, idat: Uint8Array, bitDepth = 8): Uint8Array {
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr.set([bitDepth, 2, 0, 0, 0], 8); // RGB, no interlace
  const parts = [
    Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a),
    chunk("IHDR", ihdr),
    chunk("IDAT", idat),
    chunk("IEND", new Uint8Array()),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((k, p) => (out.set(p, k), k + p.length), 0);
  return out;
}
