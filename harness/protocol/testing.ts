/**
 * Test support: a tiny synthetic dataset in the fixture layout (a few 8×8 packed RAW patches,
 * 16×16 targets, public val targets, hidden test targets and train truth), written in
 * milliseconds so protocol and CLI tests stay fast.
 * @module
 */
import { join } from "node:path";
import { makeLayoutDirs } from "../io/dataset.ts";
import { writePng } from "../io/image.ts";
import { encodeRaw } from "../io/raw.ts";
import { createRng } from "../random.ts";
import type { RawImage, RgbImage } from "../types.ts";

/** The "target camera" of the tiny dataset: a fixed, simple rendering of a RAW patch. */
export function tinyTarget(raw: RawImage): RgbImage {
  const w = raw.width * 2, h = raw.height * 2;
  const data = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = ((y >> 1) * raw.width + (x >> 1)) * 4;
      const r = raw.data[p], g = (raw.data[p + 1] + raw.data[p + 2]) / 2, b = raw.data[p + 3];
      const o = (y * w + x) * 3;
      data[o] = Math.min(1, Math.sqrt(r) * 1.1);
      data[o + 1] = Math.sqrt(g);
      data[o + 2] = Math.min(1, Math.sqrt(b) * 0.9);
    }
  }
  return { width: w, height: h, data };
}

function randomRaw(seed: number, size: number): RawImage {
  const rng = createRng(seed);
  const data = new Float32Array(size * size * 4);
  for (let i = 0; i < data.length; i++) data[i] = 0.05 + 0.6 * rng.next();
  return { width: size, height: size, data };
}

/** Options of {@link writeTinyDataset}. */
export interface TinyDatasetOptions {
  /** Packed RAW size (default 8: targets are 16×16). */
  size?: number;
  /** Counts per split (default train 4, val 3, test 2). */
  train?: number;
  val?: number;
  test?: number;
}

/**
 * Writes the tiny dataset into `root` and returns the paths of its hidden target files.
 * @example
 * ```ts
 * const { hiddenFiles } = await writeTinyDataset(await Deno.makeTempDir());
 * ```
 */
export async function writeTinyDataset(
  root: string,
  opts: TinyDatasetOptions = {},
): Promise<{ hiddenFiles: string[] }> {
  const size = opts.size ?? 8;
  await makeLayoutDirs(root);
  await Deno.writeTextFile(join(root, "dataset.json"), JSON.stringify({ name: "tiny" }));
  const hiddenFiles: string[] = [];
  let seed = 1;
  for (let i = 0; i < (opts.train ?? 4); i++) {
    const raw = randomRaw(seed++, size);
    await Deno.writeFile(join(root, "train/raw", `rawscene_${i}.npy`), encodeRaw(raw));
    const truth = join(root, "hidden/train/rgb", `rawscene_${i}.png`);
    await writePng(truth, tinyTarget(raw));
    hiddenFiles.push(truth);
    // Train RGB comes from other scenes: unpaired.
    await writePng(
      join(root, "train/rgb", `rgbscene_${i}.png`),
      tinyTarget(randomRaw(seed++, size)),
    );
  }
  for (let i = 0; i < (opts.val ?? 3); i++) {
    const raw = randomRaw(seed++, size);
    await Deno.writeFile(join(root, "val/raw", `val_${i}.npy`), encodeRaw(raw));
    await writePng(join(root, "val/rgb", `val_${i}.png`), tinyTarget(raw));
  }
  for (let i = 0; i < (opts.test ?? 2); i++) {
    const raw = randomRaw(seed++, size);
    await Deno.writeFile(join(root, "test/raw", `test_${i}.npy`), encodeRaw(raw));
    const gt = join(root, "hidden/test/rgb", `test_${i}.png`);
    await writePng(gt, tinyTarget(raw));
    hiddenFiles.push(gt);
  }
  return { hiddenFiles };
}

/** Captured bench output: the `io` to pass to `bench`, and what it wrote to each stream. */
export interface CapturedIo {
  /** Pass to `bench(args, io)`. */
  readonly io: { stdout(text: string): void; stderr(text: string): void };
  /** Everything written to stdout. */
  stdout(): string;
  /** Everything written to stderr. */
  stderr(): string;
}

/**
 * Captures the bench's two output streams for assertions.
 * @example
 * ```ts
 * const c = captureIo();
 * assert.equal(await bench(["--help"], c.io), 0);
 * assert.match(c.stdout(), /usage/);
 * ```
 */
export function captureIo(): CapturedIo {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: (t) => out.push(t), stderr: (t) => err.push(t) },
    stdout: () => out.join(""),
    stderr: () => err.join(""),
  };
}
