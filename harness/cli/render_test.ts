import assert from "node:assert/strict";
import { join } from "node:path";
import { encodeDng } from "../testing/dng.ts";
import { cameraRawToRaw, decodeCameraRaw } from "../io/camera_raw.ts";
import { quantize, readImage } from "../io/image.ts";
import { writeNpy } from "../io/npy.ts";
import { cameraPipeline, orientRgb } from "../../methods/lib/isp/camera.ts";
import { preIsp } from "../../methods/lib/isp/preisp.ts";
import { exportPreIspOnnx } from "../../methods/lib/onnx/export.ts";
import { main } from "./render.ts";

/** Runs the CLI with console output captured; returns the exit code and the stderr lines. */
async function run(args: string[]): Promise<{ code: number; err: string[] }> {
  const err: string[] = [];
  const [e, l] = [console.error, console.log];
  console.error = (m: string) => err.push(String(m));
  console.log = () => {};
  try {
    return { code: await main([...args, "--quiet"]), err };
  } finally {
    [console.error, console.log] = [e, l];
  }
}

function gradientDng(orientation: number): Uint8Array {
  const W = 32, H = 24;
  const data = new Uint16Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      data[y * W + x] = 100 + x * 60 + y * 30 + ((y & 1) * 2 + (x & 1)) * 150;
    }
  }
  return encodeDng({
    width: W,
    height: H,
    data,
    blackLevel: [64, 64, 64, 64],
    whiteLevel: 4095,
    asShotNeutral: [0.5, 1, 0.7],
    colorMatrix: [0.6, -0.1, -0.05, -0.4, 1.3, 0.1, -0.05, 0.15, 0.6],
    orientation,
  });
}

Deno.test("render: a DNG to an oriented PNG equal to the camera pipeline; folders; ONNX models", async () => {
  const dir = await Deno.makeTempDir();
  const bytes = gradientDng(6);
  await Deno.writeFile(join(dir, "a.dng"), bytes);
  assert.equal((await run(["--in", join(dir, "a.dng"), "--out", join(dir, "a.png")])).code, 0);
  const png = await readImage(join(dir, "a.png"));
  const raw = cameraRawToRaw(await decodeCameraRaw(bytes, "a.dng"));
  const want = orientRgb(cameraPipeline(raw, raw.camera!), 6);
  assert.deepEqual([png.width, png.height], [24, 32], "portrait after orientation 6");
  assert.deepEqual(quantize(png), quantize(want));

  // A folder: camera RAW and .npy (levels from the dataset.json above it), one PNG each.
  await Deno.mkdir(join(dir, "in/train/raw"), { recursive: true });
  await Deno.writeFile(join(dir, "in/train/raw/b.dng"), gradientDng(1));
  const npy = Uint16Array.from({ length: 8 * 8 * 4 }, (_, i) => 150 + ((i * 37) % 3000));
  await writeNpy(join(dir, "in/train/raw/c_0.npy"), {
    dtype: "uint16",
    shape: [8, 8, 4],
    data: npy,
  });
  await Deno.writeTextFile(
    join(dir, "in/dataset.json"),
    JSON.stringify({ whiteLevel: 4095, blackLevel: [100, 100, 100, 100] }),
  );
  assert.equal((await run(["--in", join(dir, "in/train/raw"), "--out", join(dir, "out")])).code, 0);
  const outs = [];
  for await (const e of Deno.readDir(join(dir, "out"))) outs.push(e.name);
  assert.deepEqual(outs.sort(), ["b.png", "c_0.png"]);
  assert.equal((await readImage(join(dir, "out/c_0.png"))).width, 16);

  // --model: the exported pre-ISP as ONNX renders like the TS pre-ISP.
  await exportPreIspOnnx(join(dir, "pre.onnx"));
  const res = await run([
    "--in",
    join(dir, "in/train/raw/c_0.npy"),
    "--out",
    join(dir, "m.png"),
    "--model",
    join(dir, "pre.onnx"),
  ]);
  assert.equal(res.code, 0, res.err.join("\n"));
  const { readRaw } = await import("../io/raw.ts");
  const r = await readRaw(join(dir, "in/train/raw/c_0.npy"), { whiteLevel: 4095, blackLevel: 100 });
  const m = await readImage(join(dir, "m.png"));
  const ref = quantize(preIsp(r));
  const got = quantize(m);
  let maxDiff = 0;
  for (let i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - ref[i]));
  assert.ok(maxDiff <= 1, `ONNX render differs by ${maxDiff} levels`);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("render CLI: help, usage errors exit 2, input errors exit 1, each one line", async () => {
  assert.equal((await run(["--help"])).code, 0);
  assert.equal((await run(["--in", "x", "--out", "y", "--bogus"])).code, 2);
  let r = await run(["--in", "x", "--out", "y", "--exposure", "bright"]);
  assert.equal(r.code, 2);
  assert.deepEqual(r.err, [
    "error: --exposure: expected auto, none or a number of EV, got 'bright'",
  ]);
  r = await run(["--in", "x", "--out", "y", "--wb", "daylight"]);
  assert.deepEqual([r.code, r.err], [2, [
    "error: --wb: unknown mode 'daylight' (camera | auto | none)",
  ]]);
  r = await run(["--in", "x", "--out", "y", "--method", "cnn-unpaired"]);
  assert.equal(r.code, 2);
  assert.match(
    r.err[0],
    /--method: 'cnn-unpaired' needs training; render a trained model with --model/,
  );
  r = await run(["--in", "/nonexistent/raws", "--out", "y"]);
  assert.deepEqual([r.code, r.err], [1, ["error: /nonexistent/raws: does not exist"]]);
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(join(dir, "notes.dng"), "text, not a raw file");
  r = await run(["--in", join(dir, "notes.dng"), "--out", join(dir, "o.png")]);
  assert.deepEqual([r.code, r.err], [1, [
    `error: ${join(dir, "notes.dng")}: not a camera RAW file LibRaw can read`,
  ]]);
  await Deno.remove(dir, { recursive: true });
});
