"""Torch anchor for bench/cnn_bench.ts: seconds per training step of the 7,055-parameter colour CNN
(same network, the same §7 losses and AdamW) at the bench's shapes and thread count.
Usage: cnn_anchor.py N H W THREADS STEPS -> prints JSON {"median": s, "times": [s per step]}."""
import json
import sys
import time

import torch
import torch.nn.functional as F

n, h, w, threads, steps = (int(a) for a in sys.argv[1:6])
torch.set_num_threads(threads)
torch.manual_seed(42)

KY = torch.tensor([0.299, 0.587, 0.114])
KU = torch.tensor([-0.14713, -0.28886, 0.436])
KV = torch.tensor([0.615, -0.51499, -0.10001])


class Net(torch.nn.Module):
    def __init__(self, c=128):
        super().__init__()
        self.c1 = torch.nn.Conv2d(3, c, 3, padding=1, padding_mode="reflect")
        self.c2 = torch.nn.Conv2d(c, 3, 3, padding=1, padding_mode="reflect")
        self.head = torch.nn.Conv2d(3, 3, 1)
        with torch.no_grad():
            self.head.weight.copy_(torch.eye(3).reshape(3, 3, 1, 1))
            self.head.bias.zero_()

    def forward(self, x):
        return torch.clamp(self.head(x + self.c2(F.relu(self.c1(x)))), 0, 1)


def soft(v, bins, sigma):
    c = torch.linspace(0, 1, bins)
    wts = torch.exp(-0.5 * ((v[..., None] - c) / sigma) ** 2)
    return wts / wts.sum(-1, keepdim=True)


def hists(img):
    flat = img.flatten(2)  # N,3,P
    y = torch.einsum("c,ncp->np", KY, flat)
    u = torch.einsum("c,ncp->np", KU, flat) + 0.5
    v = torch.einsum("c,ncp->np", KV, flat) + 0.5
    hy = soft(y, 64, 0.02).mean(1)
    huv = torch.einsum("npi,npj->nij", soft(u, 32, 0.03), soft(v, 32, 0.03)) / y.shape[1]
    return hy, huv


SX = torch.tensor([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]]) / 8
K = torch.stack([SX, SX.t()])[:, None].repeat(3, 1, 1, 1)


def gram(img):
    g = F.conv2d(img, K, groups=3)
    f = torch.cat([img[:, :, 1:-1, 1:-1], g[:, 0::2], g[:, 1::2]], 1).flatten(2)
    return f @ f.transpose(1, 2) / (f.shape[1] * f.shape[2])


def loss(o, t):
    m = F.l1_loss(o.mean((0, 2, 3)), t.mean((0, 2, 3))) + F.l1_loss(o.std((0, 2, 3)), t.std((0, 2, 3)))
    hyo, huvo = hists(o)
    hyt, huvt = hists(t)
    g = ((gram(o) - gram(t)) ** 2).mean((1, 2)).mean()
    o2, t2 = F.avg_pool2d(o, 2), F.avg_pool2d(t, 2)
    g = g + ((gram(o2) - gram(t2)) ** 2).mean((1, 2)).mean()
    tv = (o[:, :, 1:] - o[:, :, :-1]).abs().mean() + (o[:, :, :, 1:] - o[:, :, :, :-1]).abs().mean()
    return (m + ((hyo - hyt) ** 2).mean() + 1.5 * ((huvo - huvt) ** 2).mean() + g + 0.05 * tv)


net = Net()
opt = torch.optim.AdamW(net.parameters(), lr=1e-4, weight_decay=1e-4)
src = torch.rand(n, 3, h, w)
tgt = torch.rand(n, 3, h, w)


def step():
    opt.zero_grad()
    l = loss(net(src), tgt)
    l.backward()
    opt.step()


for _ in range(3):
    step()
times = []
for _ in range(steps):
    t0 = time.perf_counter()
    step()
    times.append(time.perf_counter() - t0)
print(json.dumps({"median": sorted(times)[len(times) // 2], "times": times, "threads": threads}))
