/**
 * Agreement with scikit-image 0.19 on real photographs (scikit-image's own data photos,
 * distorted reproducibly in Python, written as PNG and read back with readImage), and with the
 * published SSIM references in scikit-image's test suite.
 */
import assert from "node:assert/strict";
import { InputError } from "../harness/errors.ts";
import { readImage } from "../harness/io/image.ts";
import type { RgbImage } from "../harness/types.ts";
import { deltaE2000 } from "./ciede2000.ts";
import { pooledPsnr, psnr } from "./psnr.ts";
import {
  type AnchorPair,
  type AnchorReport,
  makeAnchorPairs,
  scoreWithSkimage,
} from "./skimage_anchor.ts";
import { ssim } from "./ssim.ts";

const TOLERANCE = 1e-4;

interface Loaded extends AnchorPair {
  readonly predImg: RgbImage;
  readonly gtImg: RgbImage;
}

async function setup(): Promise<{ pairs: Loaded[]; ref: AnchorReport; dir: string }> {
  const dir = await Deno.makeTempDir({ prefix: "metrics_skimage_" });
  const list = await makeAnchorPairs(dir);
  const ref = await scoreWithSkimage(dir);
  const pairs = await Promise.all(
    list.map(async (p) => ({
      ...p,
      predImg: await readImage(p.pred),
      gtImg: await readImage(p.gt),
    })),
  );
  return { pairs, ref, dir };
}

Deno.test("metrics agree with scikit-image on real photographs", async (t) => {
  const { pairs, ref, dir } = await setup();
  try {
    assert.ok(pairs.length >= 10);
    const sizes = new Set(pairs.map((p) => `${p.width}x${p.height}`));
    assert.ok(sizes.has("11x11") && sizes.has("13x10") && sizes.has("451x300"));

    await t.step("PSNR (per image and pooled)", () => {
      pairs.forEach((p, i) => {
        const want = ref.results[i].psnr;
        const got = psnr(p.predImg, p.gtImg);
        if (want === Infinity) assert.equal(got, Infinity, p.name);
        else assert.ok(Math.abs(got - want) <= TOLERANCE, `${p.name}: ${got} vs ${want}`);
      });
      assert.ok(pairs.some((_, i) => ref.results[i].psnr === Infinity));
      const pooled = pooledPsnr(pairs.map((p) => ({ pred: p.predImg, gt: p.gtImg })));
      assert.ok(Math.abs(pooled - ref.pooled_psnr) <= TOLERANCE, `${pooled} vs ${ref.pooled_psnr}`);
    });

    await t.step("SSIM, NTIRE convention (Gaussian 11×11 σ 1.5, population covariance)", () => {
      pairs.forEach((p, i) => {
        const want = ref.results[i].ssim;
        if (want === null) {
          // scikit-image refuses images below the window; so do we, with an InputError.
          assert.match(ref.results[i].ssim_error ?? "", /win_size exceeds image extent/);
          assert.throws(() => ssim(p.predImg, p.gtImg), InputError);
          return;
        }
        const got = ssim(p.predImg, p.gtImg);
        assert.ok(Math.abs(got - want) <= TOLERANCE, `${p.name}: ${got} vs ${want}`);
      });
      assert.ok(ref.results.some((r) => r.ssim === null));
    });

    await t.step("SSIM, skimage-default profile (7×7 box, sample covariance)", () => {
      pairs.forEach((p, i) => {
        const want = ref.results[i].ssim_default;
        assert.ok(want !== null, p.name);
        const got = ssim(p.predImg, p.gtImg, { profile: "skimage-default" });
        assert.ok(Math.abs(got - want) <= TOLERANCE, `${p.name}: ${got} vs ${want}`);
      });
    });

    await t.step("ΔE2000 (rgb2lab + deltaE_ciede2000, mean)", () => {
      pairs.forEach((p, i) => {
        const want = ref.results[i].de2000;
        const got = deltaE2000(p.predImg, p.gtImg);
        assert.ok(Math.abs(got - want) <= TOLERANCE, `${p.name}: ${got} vs ${want}`);
      });
    });

    await t.step("SSIM: published references from scikit-image's test suite", () => {
      // camera.png + Gaussian noise (σ 20, np.random.seed(5)) as in
      // skimage/metrics/tests/test_structural_similarity.py (0.19.3).
      const cam = pairs.find((p) => p.name === "camera_noisy_skimage_test")!;
      // test_mssim_vs_legacy: the default convention gave 0.3674518327910367 in skimage 0.17.
      const legacy = ssim(cam.predImg, cam.gtImg, { profile: "skimage-default" });
      assert.ok(Math.abs(legacy - 0.3674518327910367) < 1e-6, `${legacy}`);
      // test_gaussian_structural_similarity_vs_IPOL: the IPOL article's imdiff (Wang et al.'s
      // Gaussian SSIM, an independent implementation) gives 0.357959091663361; skimage asserts
      // 3 decimals.
      const ipol = ssim(cam.predImg, cam.gtImg);
      assert.ok(Math.abs(ipol - 0.357959091663361) < 1e-3, `${ipol}`);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
