import assert from "node:assert/strict";
import { join } from "node:path";
import { InputError } from "../errors.ts";
import { encodeNpy } from "./npy.ts";
import { writePng } from "./image.ts";
import { openDataset, parsePatchName, stem } from "./dataset.ts";

const raw = (v: number) =>
  encodeNpy({ dtype: "uint16", shape: [2, 3, 4], data: new Uint16Array(24).fill(v) });
const rgb = { width: 6, height: 4, data: new Float32Array(72).fill(0.5) };

async function put(root: string, rel: string, kind: "raw" | "rgb", v = 512) {
  const p = join(root, rel);
  await Deno.mkdir(join(p, ".."), { recursive: true });
  if (kind === "raw") await Deno.writeFile(p, raw(v));
  else await writePng(p, rgb);
}

Deno.test("NTIRE layout (train/raws, train/jpegs, test/raws) opens with lazy samples", async () => {
  const root = await Deno.makeTempDir();
  await put(root, "train/raws/s1_0.npy", "raw", 1023);
  await put(root, "train/raws/s1_1.npy", "raw");
  await put(root, "train/jpegs/t9_0.png", "rgb");
  await put(root, "test/raws/q_0.npy", "raw");
  const ds = await openDataset(root);
  assert.deepEqual(ds.train.raws.map((s) => s.name), ["s1_0", "s1_1"]);
  assert.deepEqual(ds.train.rgbs.map((s) => s.name), ["t9_0"]);
  assert.equal(ds.val.raws.length, 0);
  assert.equal(ds.test.raws.length, 1);
  assert.equal(ds.test.targets.size, 0);
  const r = await ds.train.raws[0].load();
  assert.equal(r.width, 3);
  assert.ok(r.data.every((v) => v === 1));
  await Deno.remove(root, { recursive: true });
});

Deno.test("fixture layout with dataset.json, hidden targets and train truth", async () => {
  const root = await Deno.makeTempDir();
  await Deno.writeTextFile(
    join(root, "dataset.json"),
    JSON.stringify({ name: "x", blackLevel: 64 }),
  );
  await put(root, "train/raw/r1_0.npy", "raw", 64);
  await put(root, "train/rgb/t1_0.png", "rgb");
  await put(root, "val/raw/v_0.npy", "raw");
  await put(root, "val/rgb/v_0.png", "rgb");
  await put(root, "test/raw/x_0.npy", "raw");
  await put(root, "hidden/test/rgb/x_0.png", "rgb");
  await put(root, "hidden/train/rgb/r1_0.png", "rgb");
  await Deno.writeTextFile(join(root, "hidden/truth.json"), "{}");
  const ds = await openDataset(root);
  assert.equal(ds.rawOptions.blackLevel, 64);
  assert.ok((await ds.train.raws[0].load()).data.every((v) => v === 0));
  assert.deepEqual([...ds.val.targets.keys()], ["v_0"]);
  assert.deepEqual([...ds.test.targets.keys()], ["x_0"]);
  assert.deepEqual([...ds.trainTruth.keys()], ["r1_0"]);
  assert.equal(ds.truthPath, join(root, "hidden/truth.json"));
  assert.equal((await ds.val.targets.get("v_0")!.load()).width, 6);
  await Deno.remove(root, { recursive: true });
});

Deno.test("missing folders, bad dataset.json and duplicate stems are named errors", async () => {
  const root = await Deno.makeTempDir();
  await assert.rejects(openDataset(join(root, "nope")), /nope: dataset folder does not exist/);
  await assert.rejects(
    openDataset(root),
    (e: unknown) => e instanceof InputError && /expected train\/raw/.test(e.message),
  );
  await put(root, "train/raw/a_0.npy", "raw");
  await put(root, "train/rgb/b_0.png", "rgb");
  await Deno.copyFile(join(root, "train/rgb/b_0.png"), join(root, "train/rgb/b_0.jpg"));
  await assert.rejects(openDataset(root), /duplicate stem 'b_0'/);
  await Deno.remove(join(root, "train/rgb/b_0.jpg"));
  await Deno.writeTextFile(join(root, "dataset.json"), "{not json");
  await assert.rejects(openDataset(root), /dataset.json: unreadable/);
  await Deno.remove(root, { recursive: true });
});

Deno.test("patch names split into scene and index; stems drop one extension", () => {
  assert.deepEqual(parsePatchName("scene_12_34"), { scene: "scene_12", index: 34 });
  assert.equal(parsePatchName("noindex"), undefined);
  assert.equal(stem("a/b/c.d.png"), "c.d");
});

Deno.test("a camera RAW or other file in a RAW folder is an error naming it", async () => {
  const root = await Deno.makeTempDir();
  await put(root, "train/raw/s1_0.npy", "raw");
  await put(root, "train/rgb/t_0.png", "rgb");
  await Deno.writeFile(join(root, "train/raw/IMG_0001.CR2"), new Uint8Array(16));
  await assert.rejects(openDataset(root), (e: unknown) => {
    assert.ok(e instanceof InputError);
    assert.equal(e.file, join(root, "train/raw/IMG_0001.CR2"));
    assert.match(
      e.message,
      /camera RAW file in a packed-RAW folder: .*deno task import --format camera-raw/,
    );
    return true;
  });
  await Deno.remove(join(root, "train/raw/IMG_0001.CR2"));
  await Deno.writeFile(join(root, "train/raw/notes.txt"), new Uint8Array(4));
  await assert.rejects(openDataset(root), /notes\.txt: not a packed RAW \.npy file/);
  await Deno.remove(root, { recursive: true });
});

Deno.test("dataset.json: per-channel black, bitDepth, per-scene camera metadata, bad fields", async () => {
  const root = await Deno.makeTempDir();
  await put(root, "train/raw/IMG_7_0.npy", "raw", 2000);
  await put(root, "train/rgb/t_0.png", "rgb");
  const images = {
    IMG_7: { whiteBalance: [2, 1, 1.5], camToSrgb: [1, 0, 0, 0, 1, 0, 0, 0, 1], exposure: 1.5 },
  };
  await Deno.writeTextFile(
    join(root, "dataset.json"),
    JSON.stringify({ blackLevel: [100, 200, 300, 400], bitDepth: 12, images }),
  );
  const ds = await openDataset(root);
  assert.equal(ds.rawOptions.whiteLevel, 4095);
  const r = await ds.train.raws[0].load();
  const want = [100, 200, 300, 400].map((b) => (2000 - b) / (4095 - b));
  want.forEach((w, c) => assert.ok(Math.abs(r.data[c] - w) < 1e-6));
  assert.deepEqual(r.camera?.whiteBalance, [2, 1, 1.5]);
  assert.equal(r.camera?.exposure, 1.5);
  for (
    const [bad, re] of [
      [{ blackLevel: [1, 2] }, /"blackLevel" must be a number or four numbers/],
      [{ bitDepth: 20 }, /"bitDepth" must be an integer 1–16/],
      [{ bayerOrder: "RGBG" }, /"bayerOrder" must be one of/],
      [{ images: { IMG_7: { whiteBalance: [1, 0] } } }, /images\.IMG_7\.whiteBalance/],
    ] as const
  ) {
    await Deno.writeTextFile(join(root, "dataset.json"), JSON.stringify(bad));
    await assert.rejects(openDataset(root), (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.equal(e.file, join(root, "dataset.json"));
      assert.match(e.message, re);
      return true;
    });
  }
  // A value above the declared range names the field to set.
  await Deno.writeTextFile(join(root, "dataset.json"), "{}");
  await assert.rejects(
    (await openDataset(root)).train.raws[0].load(),
    /IMG_7_0\.npy: value 2000 at \(0, 0\) exceeds the white level 1023: set "whiteLevel" \(or "bitDepth"\) in .*dataset\.json/,
  );
  await Deno.remove(root, { recursive: true });
});
