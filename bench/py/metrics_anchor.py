#!/usr/bin/python3
"""scikit-image 0.19 anchor for isp-bench's metrics (metrics/*.ts).

Two sub-commands, both printing one JSON document on stdout:

  pairs OUTDIR
      Builds reproducible pred/gt pairs from scikit-image's own photographs (astronaut, chelsea,
      coffee, rocket, colorwheel, immunohistochemistry, hubble_deep_field), distorted in ways a
      learned ISP gets wrong (blur, colour cast, real JPEG compression, gamma + noise), at several
      sizes (odd sizes, an exactly 11x11 crop, one 10x13 crop below the SSIM window), plus
      scikit-image's own published SSIM test case (camera + seeded noise). Writes 8-bit PNGs and
      prints the list.

  score LIST_JSON [--repeat N]
      Scores every pair with scikit-image (PSNR, SSIM in the NTIRE convention and in the
      skimage-default convention, mean CIEDE2000 of rgb2lab), the pooled (torchmetrics-style)
      PSNR over all pairs, and, with --repeat N, times N
      passes of each metric's loop over all pairs with time.perf_counter (images preloaded as
      float64), reporting every pass's wall seconds and process CPU seconds
      (time.process_time, which a loaded machine disturbs less).

Values that JSON cannot hold (inf) are written as strings; an SSIM that scikit-image refuses
(image below the window) is null with the error text.
"""
import json
import math
import os
import sys
import time

import numpy as np
from PIL import Image
from skimage import data, filters
from skimage.color import deltaE_ciede2000, rgb2lab
from skimage.metrics import peak_signal_noise_ratio, structural_similarity


def quantize(x):
    return np.floor(np.clip(x, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def jpeg(u8, quality):
    # A real JPEG round trip (PIL/libjpeg) gives genuine blocking and ringing artefacts.
    import io
    buf = io.BytesIO()
    Image.fromarray(u8).save(buf, format="JPEG", quality=quality)
    buf.seek(0)
    return np.asarray(Image.open(buf).convert("RGB"))


def make_pairs(outdir):
    rng = np.random.default_rng(20260)
    photos = {
        "astronaut": data.astronaut(),
        "chelsea": data.chelsea(),
        "coffee": data.coffee(),
        "rocket": data.rocket(),
        "colorwheel": data.colorwheel(),
        "ihc": data.immunohistochemistry(),
        "hubble": data.hubble_deep_field(),
    }

    def blur(x):
        return filters.gaussian(x, sigma=1.2, channel_axis=-1)

    def cast(x):
        return x * np.array([1.06, 0.97, 0.9]) + np.array([0.01, -0.02, 0.03])

    def gamma_noise(x):
        return np.power(x, 0.8) + rng.normal(0.0, 0.02, x.shape)

    def jpeg30(x):
        return jpeg(quantize(x), 30) / 255.0

    def blur_cast(x):
        return cast(blur(x))

    # (name, photo, crop y0, x0, h, w (None = whole), distortion)
    plan = [
        ("astronaut_blur", "astronaut", 0, 0, None, None, blur),
        ("chelsea_cast", "chelsea", 0, 0, None, None, cast),
        ("coffee_jpeg_97x133", "coffee", 101, 203, 97, 133, jpeg30),
        ("rocket_gamma_noise", "rocket", 0, 0, None, None, gamma_noise),
        ("colorwheel_blur_cast", "colorwheel", 0, 0, None, None, blur_cast),
        ("ihc_jpeg_255x257", "ihc", 40, 60, 255, 257, jpeg30),
        ("hubble_cast_11x11", "hubble", 300, 400, 11, 11, cast),
        ("astronaut_noise_16x23", "astronaut", 200, 180, 16, 23, gamma_noise),
        ("chelsea_blur_10x13", "chelsea", 120, 200, 10, 13, blur),
    ]
    os.makedirs(outdir, exist_ok=True)
    pairs = []
    for name, photo, y0, x0, h, w, distort in plan:
        img = photos[photo]
        if h is not None:
            img = img[y0:y0 + h, x0:x0 + w]
        gt = img.astype(np.float64) / 255.0
        pred = quantize(distort(gt))
        pairs.append(write_pair(outdir, name, pred, img))
    # Identical images: PSNR is +inf.
    pairs.append(write_pair(outdir, "chelsea_identical", photos["chelsea"], photos["chelsea"]))
    # scikit-image's own SSIM test case (skimage/metrics/tests/test_structural_similarity.py):
    # camera with seeded Gaussian noise, grey (replicated to RGB when decoded).
    np.random.seed(5)
    cam = data.camera()
    cam_noisy = np.clip(cam + 20.0 * np.random.randn(*cam.shape), 0, 255).astype(cam.dtype)
    pairs.append(write_pair(outdir, "camera_noisy_skimage_test", cam_noisy, cam))
    return pairs


def write_pair(outdir, name, pred_u8, gt_u8):
    pred_path = os.path.join(outdir, name + "_pred.png")
    gt_path = os.path.join(outdir, name + "_gt.png")
    Image.fromarray(pred_u8).save(pred_path)
    Image.fromarray(gt_u8).save(gt_path)
    return {"name": name, "pred": pred_path, "gt": gt_path,
            "width": int(gt_u8.shape[1]), "height": int(gt_u8.shape[0])}


def load(path):
    # As the challenge scores: 8-bit sRGB as float in [0, 1]; grey replicated to RGB.
    return np.asarray(Image.open(path).convert("RGB")).astype(np.float64) / 255.0


def psnr(pred, gt):
    return peak_signal_noise_ratio(gt, pred, data_range=1)


def ssim_ntire(pred, gt):
    return structural_similarity(gt, pred, channel_axis=-1, data_range=1, gaussian_weights=True,
                                 sigma=1.5, use_sample_covariance=False)


def ssim_default(pred, gt):
    return structural_similarity(gt, pred, channel_axis=-1, data_range=1)


def de2000(pred, gt):
    return float(deltaE_ciede2000(rgb2lab(gt), rgb2lab(pred)).mean())


def num(v):
    v = float(v)
    return v if math.isfinite(v) else str(v)


def score(list_path, repeat):
    with open(list_path) as f:
        pairs = json.load(f)
    imgs = [(load(p["pred"]), load(p["gt"])) for p in pairs]
    results = []
    with np.errstate(divide="ignore"):
        for p, (pred, gt) in zip(pairs, imgs):
            r = {"name": p["name"], "psnr": num(psnr(pred, gt)), "de2000": num(de2000(pred, gt))}
            for key, fn in (("ssim", ssim_ntire), ("ssim_default", ssim_default)):
                try:
                    r[key] = num(fn(pred, gt))
                except ValueError as e:
                    r[key] = None
                    r[key + "_error"] = str(e)
            results.append(r)
    # torchmetrics' pooled PSNR: squared errors and value counts summed over all pairs first.
    sse = sum(float(np.sum((a - b) ** 2)) for a, b in imgs)
    count = sum(a.size for a, _ in imgs)
    out = {"results": results, "pooled_psnr": num(10 * math.log10(count / sse))}
    if repeat > 0:
        timing = {"megapixels": sum(g.shape[0] * g.shape[1] for _, g in imgs) / 1e6,
                  "repeat": repeat}
        for key, fn in (("psnr", psnr), ("ssim", ssim_ntire), ("de2000", de2000)):
            usable = [(a, b) for a, b in imgs if key != "ssim" or min(b.shape[:2]) >= 11]
            with np.errstate(divide="ignore"):
                for a, b in usable:  # warm-up
                    fn(a, b)
                passes, cpu = [], []
                for _ in range(repeat):
                    t0, c0 = time.perf_counter(), time.process_time()
                    for a, b in usable:
                        fn(a, b)
                    passes.append(time.perf_counter() - t0)
                    cpu.append(time.process_time() - c0)
            mp = sum(b.shape[0] * b.shape[1] for _, b in usable) / 1e6
            timing[key] = {"passes": passes, "cpu": cpu, "megapixels": mp}
        out["timing"] = timing
    return out


def main(argv):
    if len(argv) >= 2 and argv[0] == "pairs":
        print(json.dumps(make_pairs(argv[1])))
    elif len(argv) >= 2 and argv[0] == "score":
        repeat = int(argv[3]) if len(argv) >= 4 and argv[2] == "--repeat" else 0
        print(json.dumps(score(argv[1], repeat)))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
