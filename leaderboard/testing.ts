/**
 * Test support for the leaderboard: a tiny dataset in the fixture layout whose targets have a
 * known pattern, prediction zips with an exact, hand-computable PSNR, and an opened, migrated
 * store per engine.
 * @module
 */
import { join } from "node:path";
import { zipSync } from "fflate";
import { encodePng } from "../harness/io/image.ts";
import { encodeRaw } from "../harness/io/raw.ts";
import { migrate } from "../harness/store/migrate.ts";
import { RESULTS_MIGRATIONS, saveRun } from "../harness/store/results.ts";
import { bootstrapMean } from "../harness/stats/bootstrap.ts";
import type { Db, ImageScore } from "../harness/store/types.ts";
import type { RgbImage } from "../harness/types.ts";
import { LEADERBOARD_MIGRATIONS } from "./schema.ts";

/** A generated dataset. */
export interface TinyDataset {
  /** Root folder. */
  readonly dir: string;
  /** Validation stems. */
  readonly val: readonly string[];
  /** Hidden test stems. */
  readonly test: readonly string[];
  /** Side of the target images (RAW is half of it). */
  readonly size: number;
}

/**
 * Target pattern: 8-bit levels in [20, 229], so an offset of up to ±20 levels never clips and
 * the PSNR of a shifted prediction is exactly `20·log10(255 / k)`.
 */
export function targetLevels(index: number, size: number): Uint8Array {
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      for (let c = 0; c < 3; c++) {
        out[3 * (y * size + x) + c] = 20 + ((x * 7 + y * 13 + c * 50 + index * 17) % 210);
      }
    }
  }
  return out;
}

function fromLevels(levels: Uint8Array, size: number, offset = 0): RgbImage {
  const data = Float32Array.from(levels, (v) => (v + offset) / 255);
  return { width: size, height: size, data };
}

/** PNG of image `index` shifted by `offset` 8-bit levels. */
export function shiftedPng(index: number, size: number, offset: number): Uint8Array {
  return encodePng(fromLevels(targetLevels(index, size), size, offset));
}

/** Writes a dataset with `val` paired images and `test` hidden targets. */
export async function makeTinyDataset(
  dir: string,
  opts: { val?: number; test?: number; size?: number } = {},
): Promise<TinyDataset> {
  const size = opts.size ?? 64;
  const val = Array.from({ length: opts.val ?? 6 }, (_, i) => `valscene_${i}`);
  const test = Array.from({ length: opts.test ?? 4 }, (_, i) => `testscene_${i}`);
  for (const d of ["train/raw", "train/rgb", "val/raw", "val/rgb", "test/raw", "hidden/test/rgb"]) {
    await Deno.mkdir(join(dir, d), { recursive: true });
  }
  const raw = (i: number) => {
    const h = size / 2;
    const data = new Float32Array(h * h * 4);
    for (let k = 0; k < data.length; k++) data[k] = ((k * 31 + i * 7) % 1000) / 1023;
    return encodeRaw({ width: h, height: h, data });
  };
  for (const [i, s] of val.entries()) {
    await Deno.writeFile(join(dir, "val/raw", `${s}.npy`), raw(i));
    await Deno.writeFile(join(dir, "val/rgb", `${s}.png`), shiftedPng(i, size, 0));
  }
  for (const [i, s] of test.entries()) {
    await Deno.writeFile(join(dir, "test/raw", `${s}.npy`), raw(100 + i));
    await Deno.writeFile(join(dir, "hidden/test/rgb", `${s}.png`), shiftedPng(100 + i, size, 0));
  }
  await Deno.writeFile(join(dir, "train/raw", "trainscene_0.npy"), raw(50));
  await Deno.writeFile(join(dir, "train/rgb", "other_0.png"), shiftedPng(50, size, 0));
  return { dir, val, test, size };
}

/**
 * A result zip for a phase: every image shifted by `offset` levels (the same for all, or one per
 * image). Its expected per-image PSNR is `20·log10(255 / |offset|)`.
 */
export function predictionZip(
  ds: TinyDataset,
  phase: "val" | "test",
  offset: number | ((i: number) => number),
): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  const names = phase === "val" ? ds.val : ds.test;
  names.forEach((s, i) => {
    const k = typeof offset === "number" ? offset : offset(i);
    files[`${s}.png`] = shiftedPng(phase === "val" ? i : 100 + i, ds.size, k);
  });
  return zipSync(files, { level: 1 });
}

/** Applies the results and leaderboard migrations. */
export async function migrateAll(db: Db): Promise<void> {
  await migrate(db, [...RESULTS_MIGRATIONS, ...LEADERBOARD_MIGRATIONS]);
}

/** A method name that would run script if it were not escaped. */
export const XSS = `<img src=x onerror=alert(1)>`;

/** Per-image PSNR of the seeded harness methods, chosen so the ranking is known by hand. */
export const BASE = [30, 31, 29, 30.5, 30.2, 29.8];
/** Seeded methods. */
export const METHODS: Record<string, { psnr: number[]; usesTruth?: boolean; params: number }> = {
  // b − a alternates −0.01 / +0.005: a is ahead by 0.0025 dB on average, but a paired bootstrap
  // cannot separate them → they share rank 2.
  "method-a": { psnr: BASE, params: 7055 },
  "method-b": { psnr: BASE.map((v, i) => v + (i % 2 ? 0.005 : -0.01)), params: 3060 },
  // 5 dB below on every image: separated from a and b.
  [XSS]: { psnr: BASE.map((v) => v - 5), params: 0 },
  // An upper bound 10 dB above: rank 1, flagged.
  oracle: { psnr: BASE.map((v) => v + 10), usesTruth: true, params: 100 },
};

/**
 * Seeds harness results for four methods on the validation images: an upper bound (rank 1), two
 * methods a paired bootstrap cannot separate (shared rank 2), and one far below (rank 4).
 */
export async function seedMethods(db: Db, ds: TinyDataset): Promise<void> {
  for (const [name, m] of Object.entries(METHODS)) {
    const scores: ImageScore[] = m.psnr.map((p, i) => ({
      image: ds.val[i],
      psnr: p,
      ssim: 0.9,
      deltaE2000: 5,
    }));
    const iv = (k: "psnr" | "ssim" | "deltaE2000") => bootstrapMean(scores.map((s) => s[k]));
    await saveRun(db, {
      run: {
        method: name,
        phase: "val",
        seed: 0,
        options: { lr: 1e-3 },
        datasetHash: "tiny",
        datasetId: "tiny",
        params: m.params,
        usesTruth: m.usesTruth ?? false,
        msPerMegapixel: 10 + m.params / 1000,
      },
      scores,
      aggregate: { psnr: iv("psnr"), ssim: iv("ssim"), deltaE2000: iv("deltaE2000") },
      method: {
        name,
        description: `desc of ${name} <script>alert(2)</script>`,
        params: m.params,
        usesTruth: m.usesTruth ?? false,
        optionSpec: { lr: { type: "number", default: 1e-4, description: "learning rate" } },
      },
    });
  }
}
