/**
 * Test helper: the real camera RAW file Debian ships (package `rawtran-doc`: a Canon EOS 30D CR2,
 * GPL-3+, © Filip Hroch) and Debian's dcraw as the reference decoder/renderer.
 * @module
 */

/** The Canon EOS 30D CR2 of Debian's `rawtran-doc`. */
export const CANON_CR2 = "/usr/share/doc/rawtran/IMG_5952.CR2";

/** Fails with the install hint when the real CR2 or dcraw is missing. */
export async function requireCameraFiles(): Promise<void> {
  for (const [path, pkg] of [[CANON_CR2, "rawtran-doc"], ["/usr/bin/dcraw", "dcraw"]]) {
    if (!(await Deno.stat(path).catch(() => undefined))) {
      throw new Error(`${path} is missing: apt-get install ${pkg} (listed in .ci/run)`);
    }
  }
}

/** Runs dcraw with `args` on `file`, returning stdout (a PNM) and stderr. */
export async function dcraw(
  args: readonly string[],
  file: string,
): Promise<{ out: Uint8Array; err: string }> {
  const res = await new Deno.Command("/usr/bin/dcraw", {
    args: [...args, "-c", file],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!res.success) {
    throw new Error(`dcraw ${args.join(" ")} failed: ${new TextDecoder().decode(res.stderr)}`);
  }
  return { out: res.stdout, err: new TextDecoder().decode(res.stderr) };
}

/** A decoded binary PNM (P5 grey or P6 RGB, 8- or 16-bit big-endian). */
export interface Pnm {
  /** Width. */
  readonly width: number;
  /** Height. */
  readonly height: number;
  /** Samples per pixel (1 or 3). */
  readonly channels: number;
  /** Maximum sample value. */
  readonly max: number;
  /** Samples, row-major, interleaved. */
  readonly data: Uint16Array;
}

/** Parses a binary PNM as dcraw writes it. */
export function parsePnm(bytes: Uint8Array): Pnm {
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, 64));
  const m = head.match(/^P([56])\s+(\d+)\s+(\d+)\s+(\d+)\s/);
  if (!m) throw new Error("not a binary PNM");
  const channels = m[1] === "6" ? 3 : 1;
  const [width, height, max] = [+m[2], +m[3], +m[4]];
  const off = m[0].length;
  const n = width * height * channels;
  const data = new Uint16Array(n);
  if (max > 255) {
    for (let i = 0, o = off; i < n; i++, o += 2) data[i] = (bytes[o] << 8) | bytes[o + 1];
  } else {
    data.set(bytes.subarray(off, off + n));
  }
  return { width, height, channels, max, data };
}

/** A P6 PNM as an RGB image in [0, 1]. */
export function pnmToRgb(p: Pnm): { width: number; height: number; data: Float32Array } {
  const data = new Float32Array(p.data.length);
  const inv = 1 / p.max;
  for (let i = 0; i < data.length; i++) data[i] = p.data[i] * inv;
  return { width: p.width, height: p.height, data };
}
