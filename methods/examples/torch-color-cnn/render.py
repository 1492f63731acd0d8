"""Renders every RAW of a folder with a trained model: INPUT/<stem>.npy -> OUTPUT/<stem>.png.

  render.py --model-dir DIR --input-dir INPUT --output-dir OUTPUT [--device auto|cpu|gpu]

Inputs are float32 (H, W, 4) in [0, 1]; outputs are 8-bit sRGB PNGs of 2H x 2W, quantised as
floor(255 x + 0.5) like the challenge's scoring.
"""
import argparse
import json
import os

import numpy as np
import torch
from PIL import Image

from color_cnn import RawToRgb, device_of

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
p.add_argument("--model-dir", required=True)
p.add_argument("--input-dir", required=True)
p.add_argument("--output-dir", required=True)
p.add_argument("--device", default="auto", choices=["auto", "cpu", "gpu"])
p.add_argument("--threads", type=int, default=0)
a = p.parse_args()

if a.threads > 0:
    torch.set_num_threads(a.threads)
device = device_of(a.device)
info = json.load(open(os.path.join(a.model_dir, "train.json")))
model = RawToRgb(info["gamma"], info["white_balance"] == "grey-world")
model.load_state_dict(torch.load(os.path.join(a.model_dir, "model.pt"), map_location="cpu"))
model = model.to(device).eval()

names = sorted(f for f in os.listdir(a.input_dir) if f.endswith(".npy"))
with torch.no_grad():
    for f in names:
        raw = np.load(os.path.join(a.input_dir, f))
        x = torch.from_numpy(raw.astype(np.float32)).permute(2, 0, 1)[None].to(device)
        rgb = model(x)[0].permute(1, 2, 0).cpu().numpy()
        q = np.floor(np.clip(rgb, 0, 1) * 255 + 0.5).astype(np.uint8)
        Image.fromarray(q).save(os.path.join(a.output_dir, f[:-4] + ".png"))
print(f"rendered {len(names)} images", flush=True)
