"""A small external method for the plug-in tests: 'trains' a per-channel gain from the train
split and renders sqrt(raw) nearest-upsampled times that gain. `--fault` makes it misbehave in
one chosen way, so every failure path of the harness can be exercised."""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
from PIL import Image

p = argparse.ArgumentParser()
p.add_argument("step", choices=["train", "render"])
p.add_argument("--train-dir")
p.add_argument("--model-dir", required=True)
p.add_argument("--input-dir")
p.add_argument("--output-dir")
p.add_argument("--seed", type=int, default=0)
p.add_argument("--fault", default="none")
p.add_argument("--onnx", default="", help="an ONNX file copied into the model folder")
a = p.parse_args()


def render(raw):
    rgb = np.stack([raw[..., 0], (raw[..., 1] + raw[..., 2]) / 2, raw[..., 3]], -1)
    return np.sqrt(np.clip(rgb, 0, 1)).repeat(2, 0).repeat(2, 1)


if a.step == "train":
    raws = sorted(os.listdir(os.path.join(a.train_dir, "raw")))
    rgbs = sorted(os.listdir(os.path.join(a.train_dir, "rgb")))
    x = [np.load(os.path.join(a.train_dir, "raw", f)) for f in raws]
    info = {
        "raws": raws,
        "rgbs": rgbs,
        "dtype": str(x[0].dtype),
        "shape": list(x[0].shape),
        "max": float(max(v.max() for v in x)),
        "truth": os.path.isdir(os.path.join(a.train_dir, "truth")),
        "cwd": os.getcwd(),
        "seed": a.seed,
        "env": os.environ.get("FAKE_ENV", ""),
    }
    print("training on", len(raws), "raws")
    if a.fault == "train-exit":
        print("something broke in training", file=sys.stderr)
        sys.exit(3)
    target = np.mean([np.asarray(Image.open(os.path.join(a.train_dir, "rgb", f)), np.float64) / 255
                      for f in rgbs], axis=(0, 1, 2))
    scale = 1.0 if x[0].dtype == np.float32 else 1 / 1023
    mine = np.mean([render(v * scale) for v in x], axis=(0, 1, 2))
    if a.onnx:
        shutil.copyfile(a.onnx, os.path.join(a.model_dir, "model.onnx"))
    json.dump({"gain": (target / mine).tolist(), "info": info},
              open(os.path.join(a.model_dir, "model.json"), "w"))
    sys.exit(0)

gain = np.array(json.load(open(os.path.join(a.model_dir, "model.json")))["gain"])
names = sorted(os.listdir(a.input_dir))
if a.fault == "hang":
    # A grandchild that outlives nothing: its pid is written so the test can check it died.
    child = subprocess.Popen(["sleep", "300"])
    open(os.path.join(a.model_dir, "grandchild.pid"), "w").write(str(child.pid))
    time.sleep(300)
for i, f in enumerate(names):
    raw = np.load(os.path.join(a.input_dir, f))
    scale = 1.0 if raw.dtype == np.float32 else 1 / 1023
    out = np.clip(render(raw * scale) * gain, 0, 1)
    stem = f[:-4]
    if a.fault == "missing" and i == 0:
        continue
    if a.fault == "size":
        out = out[::2, ::2]
    if a.fault == "nan" and i == 1:
        out = out.astype(np.float32)
        out[0, 0, 0] = np.nan
        np.save(os.path.join(a.output_dir, stem + ".npy"), out)
        continue
    if a.fault == "npy":
        np.save(os.path.join(a.output_dir, stem + ".npy"), out.astype(np.float32))
        continue
    Image.fromarray(np.floor(out * 255 + 0.5).astype(np.uint8)).save(
        os.path.join(a.output_dir, stem + ".png"))
if a.fault == "extra":
    open(os.path.join(a.output_dir, "notes.txt"), "w").write("not an image")
if a.fault == "render-exit":
    sys.exit(1)
