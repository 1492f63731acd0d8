import assert from "node:assert/strict";
import { join } from "node:path";
import { runPython } from "./testing/python.ts";
import { main } from "./cli/score.ts";
import { scoreSubmission } from "./score.ts";

/**
 * Builds targets from real photos (skimage's public-domain data) and predictions distorted in
 * Python, plus skimage's own per-image scores as the reference.
 */
async function makeCase(): Promise<{ dir: string; ref: Record<string, number[]> }> {
  const dir = await Deno.makeTempDir();
  const out = await runPython(
    `
import sys, os, json, zipfile, numpy as np
from PIL import Image
from skimage import data
from skimage.metrics import peak_signal_noise_ratio, structural_similarity
from skimage.color import rgb2lab, deltaE_ciede2000
d = sys.argv[1]
os.makedirs(os.path.join(d, "gt")); os.makedirs(os.path.join(d, "pred"))
rng = np.random.default_rng(1)
ref = {}
for k, img in enumerate([data.astronaut(), data.chelsea(), data.coffee()]):
    gt = img[40:136, 60:188]
    pred = np.clip(gt.astype(float) * [1.05, 0.97, 0.9] + rng.normal(0, 4, gt.shape), 0, 255).round().astype(np.uint8)
    name = "img_%d" % k
    Image.fromarray(gt).save(os.path.join(d, "gt", name + ".png"))
    Image.fromarray(pred).save(os.path.join(d, "pred", name + ".png"))
    g, p = gt / 255.0, pred / 255.0
    ref[name] = [peak_signal_noise_ratio(g, p, data_range=1),
                 structural_similarity(g, p, channel_axis=-1, data_range=1, gaussian_weights=True, sigma=1.5, use_sample_covariance=False),
                 float(np.mean(deltaE_ciede2000(rgb2lab(g), rgb2lab(p))))]
with zipfile.ZipFile(os.path.join(d, "sub.zip"), "w", zipfile.ZIP_DEFLATED) as z:
    for f in sorted(os.listdir(os.path.join(d, "pred"))): z.write(os.path.join(d, "pred", f), "results/" + f)
    z.writestr("readme.txt", "method: test")
    z.writestr("__MACOSX/results/._img_0.png", "junk")
print(json.dumps(ref))
`,
    [dir],
  );
  return { dir, ref: JSON.parse(out) };
}

async function cli(args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  const res = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./cli/score.ts", import.meta.url).pathname, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: res.code, stdout: dec.decode(res.stdout), stderr: dec.decode(res.stderr) };
}

Deno.test("scoring a folder and a zip gives skimage's numbers per image and in the mean", async () => {
  const { dir, ref } = await makeCase();
  for (const pred of ["pred", "sub.zip"]) {
    const r = await scoreSubmission(join(dir, pred), join(dir, "gt"), { progress: false });
    assert.equal(r.images.length, 3);
    for (const s of r.images) {
      const [p, ss, de] = ref[s.image];
      assert.ok(Math.abs(s.psnr - p) < 1e-4, `${s.image} psnr ${s.psnr} vs ${p}`);
      assert.ok(Math.abs(s.ssim - ss) < 1e-4, `${s.image} ssim ${s.ssim} vs ${ss}`);
      assert.ok(Math.abs(s.deltaE2000 - de) < 1e-4, `${s.image} dE ${s.deltaE2000} vs ${de}`);
    }
    const meanPsnr = Object.values(ref).reduce((a, v) => a + v[0], 0) / 3;
    assert.ok(Math.abs(r.summary.psnr.mean - meanPsnr) < 1e-4);
    assert.ok(r.summary.psnr.lo <= r.summary.psnr.mean && r.summary.psnr.mean <= r.summary.psnr.hi);
    // Pooled PSNR from the mean MSE (equal sizes): 10·log10(1 / mean(10^(−psnr/10))).
    const pooled = -10 *
      Math.log10(Object.values(ref).reduce((a, v) => a + 10 ** (-v[0] / 10), 0) / 3);
    assert.ok(Math.abs(r.summary.psnrPooled - pooled) < 1e-6);
  }
  const z = await scoreSubmission(join(dir, "sub.zip"), join(dir, "gt"), { progress: false });
  assert.deepEqual([...z.ignored].sort(), ["__MACOSX/results/._img_0.png", "readme.txt"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("identical predictions report a capped, flagged PSNR, never NaN", async () => {
  const { dir } = await makeCase();
  const r = await scoreSubmission(join(dir, "gt"), join(dir, "gt"), { progress: false });
  assert.equal(r.summary.cappedImages, 3);
  assert.ok(
    r.images.every((s) => s.psnr === 100 && s.psnrCapped && s.ssim === 1 && s.deltaE2000 === 0),
  );
  assert.equal(r.summary.psnrPooled, 100);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("score CLI writes JSON and CSV, and bad inputs exit non-zero without touching outputs", async () => {
  const { dir } = await makeCase();
  const out = join(dir, "report.json");
  const csv = join(dir, "scores.csv");
  const ok = await cli([
    "--pred",
    join(dir, "sub.zip"),
    "--gt",
    join(dir, "gt"),
    "--out",
    out,
    "--csv",
    csv,
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /PSNR\s+\d+\.\d{3}\s+\[/);
  assert.match(ok.stderr, /scoring \[#+\] 3\/3/);
  const report = JSON.parse(await Deno.readTextFile(out));
  assert.equal(report.images.length, 3);
  assert.deepEqual(Object.keys(report.summary.psnr), ["mean", "lo", "hi"]);
  assert.equal((await Deno.readTextFile(csv)).trim().split("\n").length, 4);
  const stdoutJson = await cli([
    "--pred",
    join(dir, "pred"),
    "--gt",
    join(dir, "gt"),
    "--out",
    "-",
    "--quiet",
  ]);
  assert.equal(JSON.parse(stdoutJson.stdout).summary.count, 3);

  // Bad inputs: each fails with the file and the problem, and report.json stays as it was.
  const before = await Deno.readTextFile(out);
  await Deno.mkdir(join(dir, "missing"));
  await Deno.copyFile(join(dir, "pred", "img_0.png"), join(dir, "missing", "img_0.png"));
  await Deno.mkdir(join(dir, "extra"));
  for (const f of ["img_0", "img_1", "img_2", "img_9"]) {
    await Deno.copyFile(
      join(dir, "pred", `${f === "img_9" ? "img_0" : f}.png`),
      join(dir, "extra", `${f}.png`),
    );
  }
  await Deno.mkdir(join(dir, "small"));
  for (const f of ["img_0", "img_1", "img_2"]) {
    await Deno.copyFile(join(dir, "pred", `${f}.png`), join(dir, "small", `${f}.png`));
  }
  await runPython(
    `import sys; from PIL import Image; Image.new("RGB", (10, 10)).save(sys.argv[1])`,
    [join(dir, "small", "img_1.png")],
  );
  await Deno.mkdir(join(dir, "corrupt"));
  for (const f of ["img_0", "img_1", "img_2"]) {
    await Deno.copyFile(join(dir, "pred", `${f}.png`), join(dir, "corrupt", `${f}.png`));
  }
  const bytes = await Deno.readFile(join(dir, "corrupt", "img_2.png"));
  await Deno.writeFile(join(dir, "corrupt", "img_2.png"), bytes.subarray(0, bytes.length >> 1));
  await runPython(
    `import sys, zipfile; z = zipfile.ZipFile(sys.argv[1], "w"); z.writestr("../../img_0.png", b"x"); z.close()`,
    [join(dir, "evil.zip")],
  );
  const cases: [string[], RegExp][] = [
    [["--pred", join(dir, "missing")], /missing predictions for 2 images: img_1, img_2/],
    [["--pred", join(dir, "extra")], /1 images match no target: img_9/],
    [
      ["--pred", join(dir, "small")],
      /small\/img_1.png: size 10×10 differs from the target.s 128×96/,
    ],
    [["--pred", join(dir, "corrupt")], /corrupt\/img_2.png: corrupt or truncated PNG/],
    [["--pred", join(dir, "evil.zip")], /evil.zip!..\/..\/img_0.png: unsafe entry name/],
    [["--pred", join(dir, "nope.zip")], /nope.zip: predictions not found/],
    [["--pred", join(dir, "pred"), "--seed", "x"], /--seed: expected a whole number/],
    [[], /--pred: required/],
  ];
  for (const [args, re] of cases) {
    const full = args.includes("--pred") ? [...args, "--gt", join(dir, "gt"), "--out", out] : args;
    const r = await cli(full);
    assert.equal(r.code, 2, `${args}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
  assert.equal(await Deno.readTextFile(out), before);
  assert.equal(await main(["--bogus"]), 2);
  await Deno.remove(dir, { recursive: true });
});
