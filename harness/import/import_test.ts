import assert from "node:assert/strict";
import { join } from "node:path";
import { encode as encodePngRaw } from "fast-png";
import encodeJpeg from "@jsquash/jpeg/encode.js";
import { InputError, OptionError } from "../errors.ts";
import { openDataset } from "../io/dataset.ts";
import { readNpy, writeNpy } from "../io/npy.ts";
import { readImage } from "../io/image.ts";
import { encodeDng } from "../testing/dng.ts";
import { main as importMain } from "../cli/import.ts";
import { importDataset } from "./build.ts";

/** A 16-bit single-channel PNG mosaic whose value encodes site and position. */
function mosaicPng(w: number, h: number, seed: number): { png: Uint8Array; m: Uint16Array } {
  const m = new Uint16Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      m[y * w + x] = (seed * 37 + y * 13 + x * 7 + ((y & 1) * 2 + (x & 1)) * 200) % 1024;
    }
  }
  return { png: encodePngRaw({ width: w, height: h, data: m, channels: 1, depth: 16 }), m };
}

async function jpeg(w: number, h: number, shade: number): Promise<Uint8Array> {
  const d = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) d.set([shade, (i * 3) & 255, 255 - shade, 255], 4 * i);
  const buf = await encodeJpeg({ width: w, height: h, data: d, colorSpace: "srgb" } as ImageData, {
    quality: 95,
  });
  return new Uint8Array(buf);
}

async function write(path: string, bytes: Uint8Array) {
  await Deno.mkdir(join(path, ".."), { recursive: true });
  await Deno.writeFile(path, bytes);
}

async function names(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) out.push(e.name);
  return out.sort();
}

const scenes = (files: string[]) => new Set(files.map((f) => f.replace(/_\d+\.\w+$/, "")));

Deno.test("zrr: PyNET layout, RGGB packing and the 4·255 white level, disjoint train halves", async () => {
  const root = await Deno.makeTempDir();
  const mosaics = new Map<string, Uint16Array>();
  for (const [split, n] of [["train", 8], ["test", 2]] as const) {
    for (let i = 0; i < n; i++) {
      const { png, m } = mosaicPng(32, 32, i + (split === "test" ? 50 : 0));
      mosaics.set(`${split}-${i}`, m);
      await write(join(root, "in", split, "huawei_raw", `${i}.png`), png);
      await write(join(root, "in", split, "canon", `${i}.jpg`), await jpeg(32, 32, 20 * i));
    }
  }
  const out = join(root, "ds");
  const res = await importDataset({ format: "zrr", input: join(root, "in"), out, patch: 8 });
  const meta = JSON.parse(await Deno.readTextFile(join(out, "dataset.json")));
  assert.deepEqual(
    [meta.bayerOrder, meta.blackLevel, meta.whiteLevel, meta.bitDepth],
    ["RGGB", [0, 0, 0, 0], 1020, 10],
  );
  // 10 paired photos: 2 val, 2 test, 6 train split 3 RAW / 3 targets; 16×16 packed → 4 tiles.
  assert.deepEqual(res.photos, { trainRaw: 3, trainRgb: 3, val: 2, test: 2 });
  const trainRaw = await names(join(out, "train/raw"));
  const trainRgb = await names(join(out, "train/rgb"));
  assert.equal(trainRaw.length, 12);
  assert.equal(trainRgb.length, 12);
  assert.equal([...scenes(trainRaw)].filter((s) => scenes(trainRgb).has(s)).length, 0);
  // A tile against the loader: extract_bayer_channels takes R = raw[0::2, 0::2],
  // raw[0::2, 1::2], raw[1::2, 0::2], B = raw[1::2, 1::2], divided by 4·255.
  const tile = trainRaw[1]; // <scene>_1: packed columns 8..15 of row block 0
  const scene = tile.replace(/_1\.npy$/, "");
  const m = mosaics.get(scene)!;
  const ds = await openDataset(out);
  const raw = await ds.train.raws.find((s) => `${s.name}.npy` === tile)!.load();
  for (const [y, x] of [[0, 0], [3, 5], [7, 7]]) {
    const my = 2 * y, mx = 2 * (x + 8);
    const want = [
      m[my * 32 + mx],
      m[my * 32 + mx + 1],
      m[(my + 1) * 32 + mx],
      m[(my + 1) * 32 + mx + 1],
    ];
    for (let c = 0; c < 4; c++) {
      assert.ok(Math.abs(raw.data[4 * (y * 8 + x) + c] - Math.min(want[c], 1020) / 1020) < 1e-7);
    }
  }
  // Paired val and hidden test targets at twice the RAW tile size, same stems.
  assert.deepEqual(
    (await names(join(out, "val/raw"))).map((f) => f.replace(".npy", "")),
    (await names(join(out, "val/rgb"))).map((f) => f.replace(".png", "")),
  );
  assert.equal((await names(join(out, "hidden/test/rgb"))).length, 8);
  const t = await readImage(join(out, "val/rgb", (await names(join(out, "val/rgb")))[0]));
  assert.deepEqual([t.width, t.height], [16, 16]);
  const truth = JSON.parse(await Deno.readTextFile(join(out, "hidden/truth.json")));
  assert.equal(truth.mode, "scenes");
  assert.equal(Object.keys(truth.rawScenes).filter((s) => s in truth.rgbScenes).length, 0);
  await Deno.remove(root, { recursive: true });
});

Deno.test("mai and ntire layouts import with their loaders' levels", async () => {
  const root = await Deno.makeTempDir();
  for (const split of ["train", "val"]) {
    for (let i = 0; i < 3; i++) {
      await write(join(root, "mai", split, "mediatek_raw", `${i}.png`), mosaicPng(16, 16, i).png);
      const rgb = { width: 16, height: 16, data: new Float32Array(16 * 16 * 3).fill(i / 4) };
      const { encodePng } = await import("../io/image.ts");
      await write(join(root, "mai", split, "fujifilm", `${i}.png`), encodePng(rgb));
    }
  }
  const mai = await importDataset({
    format: "mai",
    input: join(root, "mai"),
    out: join(root, "m"),
  });
  // 6 pairs: round(6·0.2) = 1 val, 1 test, 4 train in halves.
  assert.deepEqual(mai.photos, { trainRaw: 2, trainRgb: 2, val: 1, test: 1 });
  assert.equal(
    JSON.parse(await Deno.readTextFile(join(root, "m", "dataset.json"))).whiteLevel,
    1020,
  );

  // NTIRE: train RAW and JPEGs are unpaired already; val raws+jpegs are paired by stem.
  const npy = (v: number) =>
    Uint16Array.from({ length: 8 * 8 * 4 }, (_, i) => (v * 97 + i * 5) % 1024);
  for (let i = 0; i < 3; i++) {
    await Deno.mkdir(join(root, "nt", "train", "raws"), { recursive: true });
    await writeNpy(join(root, "nt", "train", "raws", `a${i}_0.npy`), {
      dtype: "uint16",
      shape: [8, 8, 4],
      data: npy(i),
    });
    await write(join(root, "nt", "train", "jpegs", `b${i}_0.jpg`), await jpeg(16, 16, 40 * i));
    await Deno.mkdir(join(root, "nt", "val", "raws"), { recursive: true });
    await writeNpy(join(root, "nt", "val", "raws", `v${i}_0.npy`), {
      dtype: "uint16",
      shape: [8, 8, 4],
      data: npy(10 + i),
    });
    await write(join(root, "nt", "val", "jpegs", `v${i}_0.jpg`), await jpeg(16, 16, 60 * i));
  }
  const nt = await importDataset({
    format: "ntire",
    input: join(root, "nt"),
    out: join(root, "n"),
  });
  // 3 train RAW + 3 train JPEGs as given; 3 val pairs: 1 val, 1 test, 1 into train RAW.
  assert.deepEqual(nt.photos, { trainRaw: 4, trainRgb: 3, val: 1, test: 1 });
  const meta = JSON.parse(await Deno.readTextFile(join(root, "n", "dataset.json")));
  assert.deepEqual([meta.whiteLevel, meta.blackLevel], [1023, [0, 0, 0, 0]]);
  // Train RAW is copied count for count (R, Gr, Gb, B as the baseline loader reads it).
  const copied = await readNpy(join(root, "n", "train", "raw", "train-a1_0_0.npy"));
  assert.deepEqual([...copied.data], [...npy(1)]);
  await Deno.remove(root, { recursive: true });
});

/** A folder of DNGs (smooth colour gradients) and targets for some of them. */
async function cameraFolder(root: string) {
  for (let i = 0; i < 6; i++) {
    const W = 64, H = 48;
    const data = new Uint16Array(W * H);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const site = (y & 1) * 2 + (x & 1);
        data[y * W + x] = 64 + Math.round((x * 40 + y * 20 + i * 150 + site * 300) % 3000);
      }
    }
    const dng = encodeDng({
      width: W,
      height: H,
      data,
      blackLevel: [64, 64, 64, 64],
      whiteLevel: 4095,
      asShotNeutral: [0.5, 1, 0.7],
      orientation: i === 2 ? 6 : 1,
    });
    await write(join(root, "raw", `IMG_${i}.dng`), dng);
    if (i < 5) await write(join(root, "jpg", `IMG_${i}.jpg`), await jpeg(64, 48, 30 * i));
  }
  await write(join(root, "jpg", "other.jpg"), await jpeg(64, 48, 200));
}

Deno.test("camera-raw: metadata in dataset.json, determinism, no overwrite, --force, resume", async () => {
  const root = await Deno.makeTempDir();
  await cameraFolder(root);
  const opts = {
    format: "camera-raw" as const,
    input: join(root, "raw"),
    targets: join(root, "jpg"),
    patch: 8,
  };
  const a = join(root, "a"), b = join(root, "b"), c = join(root, "c");
  const ra = await importDataset({ ...opts, out: a, seed: 1 });
  await importDataset({ ...opts, out: b, seed: 1 });
  await importDataset({ ...opts, out: c, seed: 4 });
  // 5 pairs: 1 val, 1 test, 3 train cut 2 RAW / 1 target; + 1 RAW-only, + 1 target-only.
  assert.deepEqual(ra.photos, { trainRaw: 3, trainRgb: 2, val: 1, test: 1 });
  const listing = async (d: string) => {
    const out: string[] = [];
    for (const sub of ["train/raw", "train/rgb", "val/raw", "test/raw"]) {
      out.push(...(await names(join(d, sub))).map((n) => `${sub}/${n}`));
    }
    return out;
  };
  assert.deepEqual(await listing(a), await listing(b), "same seed, same dataset");
  assert.equal(
    await Deno.readTextFile(join(a, "dataset.json")),
    await Deno.readTextFile(join(b, "dataset.json")),
  );
  assert.notDeepEqual(await listing(a), await listing(c), "another seed, another split");
  const meta = JSON.parse(await Deno.readTextFile(join(a, "dataset.json")));
  assert.deepEqual([meta.blackLevel, meta.whiteLevel, meta.bitDepth], [[64, 64, 64, 64], 4095, 12]);
  const img0 = meta.images.IMG_0;
  // LibRaw keeps multipliers in float32.
  assert.deepEqual(img0.whiteBalance, [2, 1, Math.fround(1 / 0.7)]);
  assert.equal(img0.camToSrgb.length, 9);
  assert.ok(img0.exposure > 0);
  assert.equal(meta.images.IMG_2.orientation, 6);
  // Tiles carry their photo's metadata when read back.
  const ds = await openDataset(a);
  const first = await ds.train.raws[0].load();
  assert.ok(first.camera?.whiteBalance && first.camera.exposure);

  // Never overwrite: other options into an existing import fail; --force replaces it.
  await assert.rejects(
    importDataset({ ...opts, out: a, seed: 2 }),
    (e: unknown) => e instanceof OptionError && /--force/.test(e.message),
  );
  await Deno.writeTextFile(join(c, "notes.txt"), "mine");
  await importDataset({ ...opts, out: c, seed: 1, force: true });
  assert.deepEqual(await listing(c), await listing(a));
  assert.equal(await Deno.stat(join(c, "notes.txt")).catch(() => null), null);

  // Resume: an interrupted import (a tile and dataset.json missing) completes with same options.
  const tile = join(a, "train/raw", (await names(join(a, "train/raw")))[0]);
  const bytes = await Deno.readFile(tile);
  await Deno.remove(tile);
  await Deno.remove(join(a, "dataset.json"));
  const resumed = await importDataset({ ...opts, out: a, seed: 1 });
  assert.ok(resumed.resumed > 0);
  assert.deepEqual(await Deno.readFile(tile), bytes);
  assert.deepEqual(await listing(a), await listing(b));
  await Deno.remove(root, { recursive: true });
});

Deno.test("import CLI: help, usage errors (exit 2) and input errors (exit 1) in one line", async () => {
  const root = await Deno.makeTempDir();
  const errors: string[] = [];
  const origError = console.error, origLog = console.log;
  console.error = (m: string) => errors.push(String(m));
  console.log = () => {};
  try {
    assert.equal(await importMain(["--help"]), 0);
    assert.equal(await importMain(["--bogus"]), 2);
    assert.equal(await importMain(["--format", "tiff", "--in", root, "--out", join(root, "o")]), 2);
    assert.match(errors.at(-1)!, /--format: unknown 'tiff'/);
    assert.equal(
      await importMain(["--format", "zrr", "--in", root, "--out", join(root, "o"), "--patch", "x"]),
      2,
    );
    assert.equal(await importMain(["--format", "zrr", "--in", root, "--out", join(root, "o")]), 1);
    assert.match(errors.at(-1)!, /expected train\/huawei_raw\/ or test\/huawei_raw\//);
    assert.equal(
      await importMain(["--format", "camera-raw", "--in", root, "--out", join(root, "o")]),
      1,
    );
    assert.match(errors.at(-1)!, /no camera RAW files/);
  } finally {
    console.error = origError;
    console.log = origLog;
  }
  await assert.rejects(
    importDataset({ format: "camera-raw", input: join(root, "missing"), out: join(root, "p") }),
    InputError,
  );
  await Deno.remove(root, { recursive: true });
});
