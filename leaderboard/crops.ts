/**
 * Side-by-side crops of validation images (input preview / output / target) as PNG. Only images
 * found by listing the dataset's public `val` folders can be served: names from the URL are looked
 * up in that listing and never joined into a path, so nothing under `hidden/` is reachable.
 * @module
 */
import { join } from "node:path";
import { stem } from "../harness/io/dataset.ts";
import { decodeImage, encodePng } from "../harness/io/image.ts";
import { readRaw } from "../harness/io/raw.ts";
import { canonicalOptions, getRun } from "../harness/store/results.ts";
import type { Db } from "../harness/store/types.ts";
import type { RawImage, RgbImage } from "../harness/types.ts";

/** Public validation files of one image. */
export interface ValFiles {
  /** Packed RAW input (`val/raw/<stem>.npy`). */
  readonly raw?: string;
  /** Target (`val/rgb/<stem>.png`). */
  readonly target?: string;
}

async function listDir(dir: string, ext: RegExp): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) if (e.isFile && ext.test(e.name)) out.push(e.name);
  } catch {
    // A missing folder just means no such files.
  }
  return out.sort();
}

/** Lists the validation images of a dataset, keyed by stem. */
export async function listValImages(dataDir: string): Promise<Map<string, ValFiles>> {
  const out = new Map<string, { raw?: string; target?: string }>();
  for (const d of ["raw", "raws"]) {
    for (const f of await listDir(join(dataDir, "val", d), /\.npy$/i)) {
      out.set(stem(f), { ...out.get(stem(f)), raw: join(dataDir, "val", d, f) });
    }
  }
  for (const d of ["rgb", "jpegs", "gt", "targets"]) {
    for (const f of await listDir(join(dataDir, "val", d), /\.(png|jpe?g)$/i)) {
      out.set(stem(f), { ...out.get(stem(f)), target: join(dataDir, "val", d, f) });
    }
  }
  return out;
}

/**
 * A quick classical preview of a RAW at output size (2H×2W): per Bayer cell R, mean of the two
 * greens, B, gamma 1/2.2, each cell drawn as 2×2 pixels. No white balance or colour matrix: it
 * shows what the ISP starts from.
 */
export function rawPreview(raw: RawImage): RgbImage {
  const w = raw.width * 2;
  const h = raw.height * 2;
  const data = new Float32Array(w * h * 3);
  const g = 1 / 2.2;
  for (let y = 0; y < raw.height; y++) {
    for (let x = 0; x < raw.width; x++) {
      const i = 4 * (y * raw.width + x);
      const r = raw.data[i] ** g;
      const gr = ((raw.data[i + 1] + raw.data[i + 2]) / 2) ** g;
      const b = raw.data[i + 3] ** g;
      for (let dy = 0; dy < 2; dy++) {
        for (let dx = 0; dx < 2; dx++) {
          const o = 3 * ((2 * y + dy) * w + 2 * x + dx);
          data[o] = r;
          data[o + 1] = gr;
          data[o + 2] = b;
        }
      }
    }
  }
  return { width: w, height: h, data };
}

/** The centred `size`×`size` crop (or the whole image when smaller). */
export function centreCrop(img: RgbImage, size: number): RgbImage {
  const w = Math.min(size, img.width);
  const h = Math.min(size, img.height);
  const x0 = Math.floor((img.width - w) / 2);
  const y0 = Math.floor((img.height - h) / 2);
  const data = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const src = 3 * ((y0 + y) * img.width + x0);
    data.set(img.data.subarray(src, src + 3 * w), 3 * y * w);
  }
  return { width: w, height: h, data };
}

/** Crop kinds. */
export type CropKind = "input" | "output" | "target";

/** Options of {@link renderCrop}. */
export interface CropOptions {
  /** Crop side in output pixels (default 192). */
  size?: number;
  /** Dataset RAW options (black/white level, order). */
  rawOptions?: Parameters<typeof readRaw>[1];
}

/**
 * PNG bytes of one crop: `input` from the RAW preview, `target` from the validation target,
 * `output` from the given prediction bytes.
 */
export async function renderCrop(
  kind: CropKind,
  files: ValFiles,
  output: Uint8Array | undefined,
  opts: CropOptions = {},
): Promise<Uint8Array | undefined> {
  const size = opts.size ?? 192;
  let img: RgbImage | undefined;
  if (kind === "input" && files.raw) img = rawPreview(await readRaw(files.raw, opts.rawOptions));
  else if (kind === "target" && files.target) {
    img = await decodeImage(await Deno.readFile(files.target), "target");
  } else if (kind === "output" && output) img = await decodeImage(output, "output");
  return img ? encodePng(centreCrop(img, size)) : undefined;
}

/**
 * The validation prediction a harness run wrote (`<outDir>/<method>-seed<seed>-<hash>/pred/val/
 * <stem>.png`, the bench's layout), or `undefined`. `image` must come from {@link listValImages}.
 */
export async function runOutput(
  db: Db,
  outDir: string,
  runId: string,
  image: string,
): Promise<Uint8Array | undefined> {
  const run = await getRun(db, runId);
  if (!run) return undefined;
  // The bench names run folders by the first 4 bytes of SHA-256(options JSON + dataset hash).
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(canonicalOptions(run.options) + run.datasetHash),
  );
  const hash = Array.from(
    new Uint8Array(digest).slice(0, 4),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
  const file = join(outDir, `${run.method}-seed${run.seed}-${hash}`, "pred", "val", `${image}.png`);
  return await Deno.readFile(file).catch(() => undefined);
}
