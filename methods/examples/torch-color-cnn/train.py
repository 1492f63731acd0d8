"""Trains the colour CNN on the unpaired split the harness wrote, then saves the weights and an
ONNX export of the whole renderer (RAW in, sRGB out).

  train.py --train-dir DIR --model-dir DIR [--seed N] [--device auto|cpu|gpu] [options]

DIR/raw/<name>.npy: float32 (H, W, 4) in [0, 1]; DIR/rgb/<name>.png: 8-bit sRGB (2H x 2W),
from other scenes than the RAW patches. Each step takes a batch of RAW crops and an independent
batch of target crops and matches their colour distributions.
"""
import argparse
import json
import os
import time

import numpy as np
import torch
from PIL import Image

from color_cnn import (RawToRgb, channel_moments, chroma_histogram, device_of, learned_params,
                       luma_histogram, total_variation)

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
p.add_argument("--train-dir", required=True)
p.add_argument("--model-dir", required=True)
p.add_argument("--seed", type=int, default=0)
p.add_argument("--device", default="auto", choices=["auto", "cpu", "gpu"])
p.add_argument("--steps", type=int, default=300)
p.add_argument("--batch", type=int, default=8)
p.add_argument("--crop", type=int, default=128, help="crop side in output pixels")
p.add_argument("--lr", type=float, default=1e-4)
p.add_argument("--weight-decay", type=float, default=1e-4)
p.add_argument("--moment", type=float, default=1.0)
p.add_argument("--luma-hist", type=float, default=1.0)
p.add_argument("--chroma-hist", type=float, default=1.5)
p.add_argument("--tv", type=float, default=0.05)
p.add_argument("--gamma", type=float, default=2.2)
p.add_argument("--white-balance", default="grey-world", choices=["grey-world", "none"])
p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
p.add_argument("--name", default="torch-color-cnn")
a = p.parse_args()

if a.threads > 0:
    torch.set_num_threads(a.threads)
torch.manual_seed(a.seed)
rng = np.random.default_rng(a.seed)
device = device_of(a.device)

raw_dir, rgb_dir = os.path.join(a.train_dir, "raw"), os.path.join(a.train_dir, "rgb")
raw_files = sorted(f for f in os.listdir(raw_dir) if f.endswith(".npy"))
rgb_files = sorted(f for f in os.listdir(rgb_dir) if f.endswith(".png"))
if not raw_files or not rgb_files:
    raise SystemExit(f"empty train split: {len(raw_files)} RAW, {len(rgb_files)} RGB files")


def load_raw(f):
    x = np.load(os.path.join(raw_dir, f))
    if x.dtype != np.float32 or x.ndim != 3 or x.shape[2] != 4:
        raise SystemExit(f"{f}: expected float32 (H, W, 4), got {x.dtype} {x.shape}")
    return x


def load_rgb(f):
    return np.asarray(Image.open(os.path.join(rgb_dir, f)).convert("RGB"), np.float32) / 255


# Crops are taken in output pixels; a RAW crop is half that in packed pixels. Small data (the
# fixtures) gets smaller crops, never an error.
first_raw, first_rgb = load_raw(raw_files[0]), load_rgb(rgb_files[0])
crop = min(a.crop, 2 * first_raw.shape[0], 2 * first_raw.shape[1], *first_rgb.shape[:2]) // 2 * 2


def crop_of(img, side):
    y = rng.integers(0, img.shape[0] - side + 1)
    x = rng.integers(0, img.shape[1] - side + 1)
    return img[y:y + side, x:x + side]


def chw(x):
    return torch.from_numpy(np.ascontiguousarray(x)).permute(2, 0, 1).contiguous()


@torch.no_grad()
def pre_isp_crop(raw):
    # The fixed pre-ISP sees the whole patch, as at inference (grey world is a whole-image
    # statistic); only the CNN runs on the crop.
    rgb = model.pre(chw(raw)[None].to(device))[0]
    y = rng.integers(0, rgb.shape[1] - crop + 1)
    x = rng.integers(0, rgb.shape[2] - crop + 1)
    return rgb[:, y:y + crop, x:x + crop]


def batch():
    srcs = [pre_isp_crop(load_raw(raw_files[i])) for i in rng.integers(0, len(raw_files), a.batch)]
    tgts = [chw(crop_of(load_rgb(rgb_files[i]), crop)) for i in rng.integers(0, len(rgb_files), a.batch)]
    return torch.stack(srcs), torch.stack(tgts).to(device)


model = RawToRgb(a.gamma, a.white_balance == "grey-world").to(device)
opt = torch.optim.AdamW(model.cnn.parameters(), lr=a.lr, weight_decay=a.weight_decay)
print(f"{len(raw_files)} RAW / {len(rgb_files)} RGB patches, crop {crop}, batch {a.batch}, "
      f"{a.steps} steps on {device}, {learned_params(model)} parameters", flush=True)
t0 = time.time()
history = []
for step in range(1, a.steps + 1):
    src, target = batch()
    out = model.cnn(src)
    terms = {
        "moment": a.moment * channel_moments(out, target),
        "luma": a.luma_hist * luma_histogram(out, target),
        "chroma": a.chroma_hist * chroma_histogram(out, target),
        "tv": a.tv * total_variation(out),
    }
    loss = sum(terms.values())
    if not torch.isfinite(loss):
        raise SystemExit(f"step {step}: loss is {loss.item()} ({ {k: v.item() for k, v in terms.items()} })")
    opt.zero_grad()
    loss.backward()
    opt.step()
    history.append(loss.item())
    if step == 1 or step % max(1, a.steps // 10) == 0 or step == a.steps:
        parts = " ".join(f"{k} {v.item():.5f}" for k, v in terms.items())
        print(f"step {step}/{a.steps} loss {loss.item():.5f} ({parts}) {time.time() - t0:.1f} s",
              flush=True)

model = model.cpu().eval()
torch.save(model.state_dict(), os.path.join(a.model_dir, "model.pt"))
params = learned_params(model)
with open(os.path.join(a.model_dir, "train.json"), "w") as f:
    json.dump({"params": params, "gamma": a.gamma, "white_balance": a.white_balance,
               "steps": a.steps, "crop": crop,
               "first_loss": history[0], "last_loss": history[-1],
               "seconds": time.time() - t0}, f, indent=2)

# The ONNX file holds the whole renderer, so the leaderboard can run it without this code.
onnx_path = os.path.join(a.model_dir, "model.onnx")
torch.onnx.export(
    model, torch.rand(1, 4, 8, 8), onnx_path, input_names=["raw"], output_names=["rgb"],
    dynamic_axes={"raw": {0: "n", 2: "h", 3: "w"}, "rgb": {0: "n", 2: "h2", 3: "w2"}},
    opset_version=13)
with open(os.path.join(a.model_dir, "model.json"), "w") as f:
    json.dump({"name": a.name, "description": "7K colour CNN trained by torch-color-cnn",
               "input": "raw", "params": params}, f, indent=2)
print(f"saved {onnx_path} ({params} parameters)", flush=True)
