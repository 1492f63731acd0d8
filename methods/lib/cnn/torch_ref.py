"""PyTorch reference for the colour CNN tests: the same network and losses written with torch ops
(autograd gives the gradients). Usage: torch_ref.py DIR. Reads DIR/cfg.json and raw little-endian
float64 tensors DIR/NAME.f64 (shapes from cfg.json "shapes"), writes DIR/res_NAME.f64."""
import json
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
D = sys.argv[1]
cfg = json.load(open(f"{D}/cfg.json"))
dt = torch.float64 if cfg.get("dtype", "float64") == "float64" else torch.float32


def load(name):
    a = np.fromfile(f"{D}/{name}.f64", dtype="<f8").reshape(cfg["shapes"][name])
    return torch.tensor(a, dtype=dt)


KY = [0.299, 0.587, 0.114]
KU = [-0.14713, -0.28886, 0.436]
KV = [0.615, -0.51499, -0.10001]


def yuv(img):  # img N,3,H,W
    r, g, b = img[:, 0], img[:, 1], img[:, 2]
    y = KY[0] * r + KY[1] * g + KY[2] * b
    u = KU[0] * r + KU[1] * g + KU[2] * b + 0.5
    v = KV[0] * r + KV[1] * g + KV[2] * b + 0.5
    return y.flatten(1), u.flatten(1), v.flatten(1)


def soft(v, bins, sigma):  # v N,P -> N,P,bins normalised
    c = torch.linspace(0, 1, bins, dtype=dt)
    w = torch.exp(-0.5 * ((v[..., None] - c) / sigma) ** 2)
    return w / w.sum(-1, keepdim=True)


def hist_y(img):
    y, _, _ = yuv(img)
    return soft(y, 64, 0.02).mean(1)


def hist_uv(img):
    _, u, v = yuv(img)
    pu, pv = soft(u, 32, 0.03), soft(v, 32, 0.03)
    return torch.einsum("npi,npj->nij", pu, pv).flatten(1) / u.shape[1]


def feats(img):  # N,3,h,w -> N,9,K
    sx = torch.tensor([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=dt) / 8
    sy = sx.t().contiguous()
    k = torch.stack([sx, sy])[:, None].repeat(3, 1, 1, 1)  # (6,1,3,3): R-x,R-y,G-x,...
    g = F.conv2d(img, k, groups=3)
    gx, gy = g[:, 0::2], g[:, 1::2]
    centre = img[:, :, 1:-1, 1:-1]
    return torch.cat([centre, gx, gy], 1).flatten(2)


def gram(img):
    f = feats(img)
    return f @ f.transpose(1, 2) / (f.shape[1] * f.shape[2])


def gram_loss(o, t):
    total = 0
    for s in range(2):
        if s == 1:
            o, t = F.avg_pool2d(o, 2), F.avg_pool2d(t, 2)
        if o.shape[2] <= 2 or o.shape[3] <= 2:
            continue
        total = total + ((gram(o) - gram(t)) ** 2).mean(dim=(1, 2))
    return total.mean()


def terms(o, t):
    return {
        "moment": F.l1_loss(o.mean(dim=(0, 2, 3)), t.mean(dim=(0, 2, 3)))
        + F.l1_loss(o.std(dim=(0, 2, 3)), t.std(dim=(0, 2, 3))),
        "histY": ((hist_y(o) - hist_y(t)) ** 2).mean(1).mean(),
        "histUV": ((hist_uv(o) - hist_uv(t)) ** 2).mean(1).mean(),
        "gram": gram_loss(o, t),
        "tv": (o[:, :, 1:] - o[:, :, :-1]).abs().mean() + (o[:, :, :, 1:] - o[:, :, :, :-1]).abs().mean(),
        "pixelL1": (o - t).abs().mean(),
    }


def net(x, p):
    xp = F.pad(x, (1, 1, 1, 1), mode="reflect")
    h = F.relu(F.conv2d(xp, p["w1"], p["b1"]))
    hp = F.pad(h, (1, 1, 1, 1), mode="reflect")
    y = x + F.conv2d(hp, p["w2"], p["b2"])
    return torch.clamp(F.conv2d(y, p["wh"].reshape(3, 3, 1, 1), p["bh"]), 0, 1)


mode = cfg["mode"]
lw = cfg["weights"]
res = {}
if mode == "loss":  # loss terms and gradient w.r.t. the "output" image directly
    o = load("out").permute(0, 3, 1, 2).requires_grad_(True)
    t = load("tgt").permute(0, 3, 1, 2)
    tt = terms(o, t)
    for k, v in tt.items():  # each term's own gradient
        (gk,) = torch.autograd.grad(v, o, retain_graph=True)
        res["grad_" + k] = gk.permute(0, 2, 3, 1).numpy()
    total = sum(lw[k] * v for k, v in tt.items())
    total.backward()
    res["terms"] = np.array([float(tt[k]) for k in ["moment", "histY", "histUV", "gram", "tv", "pixelL1"]])
    res["grad"] = o.grad.permute(0, 2, 3, 1).numpy()
elif mode == "net":
    C = cfg["hidden"]
    shapes = {"w1": (C, 3, 3, 3), "b1": (C,), "w2": (3, C, 3, 3), "b2": (3,), "wh": (3, 3), "bh": (3,)}
    p = {k: load(k).reshape(s).requires_grad_(True) for k, s in shapes.items()}
    x = load("src").permute(0, 3, 1, 2)
    t = load("tgt").permute(0, 3, 1, 2)
    o = net(x, p)
    tt = terms(o, t)
    total = sum(lw[k] * v for k, v in tt.items())
    total.backward()
    res["out"] = o.detach().permute(0, 2, 3, 1).numpy()
    res["total"] = np.array([float(total)])
    for k in shapes:
        res["g_" + k] = p[k].grad.numpy()
    if cfg.get("adamw"):
        opt = torch.optim.AdamW(list(p.values()), **cfg["adamw"])
        opt.step()
        for k in shapes:
            res["new_" + k] = p[k].detach().numpy()
for k, v in res.items():
    np.asarray(v, dtype="<f8").tofile(f"{D}/res_{k}.f64")
