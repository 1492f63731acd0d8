"""The model of the torch-color-cnn example: a fixed pre-ISP followed by the 7,055-parameter
colour CNN, and the distribution losses it is trained with. Read top to bottom.

Input everywhere: packed RAW (N, 4, H, W), channels R, Gr, Gb, B, float in [0, 1] (black level
subtracted and divided by the range). Output: sRGB (N, 3, 2H, 2W) in [0, 1].
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class PreIsp(nn.Module):
    """Re-mosaic, bilinear demosaic, optional grey-world white balance, clip, gamma. No weights:
    everything here is fixed."""

    def __init__(self, gamma: float = 2.2, grey_world: bool = True):
        super().__init__()
        self.gamma = gamma
        self.grey_world = grey_world
        # Packed channel k lands at (k // 2, k % 2) of each 2x2 block (RGGB). For each output
        # colour keep only its packed channels; pixel_shuffle then yields three sparse planes.
        keep = torch.tensor([[1, 0, 0, 0], [0, 1, 1, 0], [0, 0, 0, 1]], dtype=torch.float32)
        self.register_buffer("keep", keep.reshape(1, 12, 1, 1))
        rb = torch.tensor([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype=torch.float32) / 4
        g = torch.tensor([[0, 1, 0], [1, 4, 1], [0, 1, 0]], dtype=torch.float32) / 4
        self.register_buffer("kernels", torch.stack([rb, g, rb]).unsqueeze(1))

    def forward(self, raw: torch.Tensor) -> torch.Tensor:
        sparse = F.pixel_shuffle(raw.repeat(1, 3, 1, 1) * self.keep, 2)
        # Reflection keeps the Bayer phase at the borders (row -1 mirrors row 1).
        rgb = F.conv2d(F.pad(sparse, (1, 1, 1, 1), mode="reflect"), self.kernels, groups=3)
        if self.grey_world:
            # Phone RAW is green-heavy; equal channel means per image remove most of the cast,
            # leaving the CNN the camera-to-camera colour differences rather than white balance.
            mean = rgb.mean(dim=(2, 3), keepdim=True).clamp_min(1e-6)
            rgb = rgb * (mean[:, 1:2] / mean)
        return rgb.clamp(0, 1).pow(1 / self.gamma)


class ColorCnn(nn.Module):
    """h = ReLU(conv3x3(x; 3->128)); y = x + conv3x3(h; 128->3); out = clamp(conv1x1(y), 0, 1).

    3*128*9+128 + 128*3*9+3 + 9+3 = 7,055 parameters.
    """

    def __init__(self, hidden: int = 128):
        super().__init__()
        self.conv1 = nn.Conv2d(3, hidden, 3, padding=1, padding_mode="reflect")
        self.conv2 = nn.Conv2d(hidden, 3, 3, padding=1, padding_mode="reflect")
        self.head = nn.Conv2d(3, 3, 1)
        with torch.no_grad():
            # Start close to the pre-ISP's own rendering: a small residual and an identity head,
            # so the first steps refine colour instead of undoing random noise.
            self.conv2.weight.mul_(0.1)
            self.conv2.bias.zero_()
            self.head.weight.copy_(torch.eye(3).reshape(3, 3, 1, 1))
            self.head.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x + self.conv2(F.relu(self.conv1(x)))
        return self.head(y).clamp(0, 1)


class RawToRgb(nn.Module):
    """The whole renderer, as exported to ONNX: input `raw` (N,4,H,W), output `rgb` (N,3,2H,2W)."""

    def __init__(self, gamma: float = 2.2, grey_world: bool = True):
        super().__init__()
        self.pre = PreIsp(gamma, grey_world)
        self.cnn = ColorCnn()

    def forward(self, raw: torch.Tensor) -> torch.Tensor:
        return self.cnn(self.pre(raw))


def learned_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


# --- losses: they compare distributions, never pixels, because the pairs are not aligned ---

def channel_moments(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """L1 between per-channel means and standard deviations pooled over the batch."""
    o = out.transpose(0, 1).reshape(3, -1)
    t = target.transpose(0, 1).reshape(3, -1)
    return (o.mean(1) - t.mean(1)).abs().mean() + (o.std(1) - t.std(1)).abs().mean()


def _yuv(x: torch.Tensor):
    r, g, b = x[:, 0], x[:, 1], x[:, 2]
    y = 0.299 * r + 0.587 * g + 0.114 * b
    u = -0.14713 * r - 0.28886 * g + 0.436 * b + 0.5
    v = 0.615 * r - 0.51499 * g - 0.10001 * b + 0.5
    return y.reshape(-1), u.reshape(-1), v.reshape(-1)


def _soft_bins(values: torch.Tensor, bins: int, sigma: float) -> torch.Tensor:
    """(pixels, bins) Gaussian memberships, each row summing to 1: a histogram with gradients."""
    centres = (torch.arange(bins, device=values.device, dtype=values.dtype) + 0.5) / bins
    w = torch.exp(-0.5 * ((values[:, None] - centres[None, :]) / sigma) ** 2)
    return w / w.sum(1, keepdim=True).clamp_min(1e-12)


def luma_histogram(out: torch.Tensor, target: torch.Tensor, bins=64, sigma=0.02) -> torch.Tensor:
    """MSE between soft 64-bin histograms of BT.601 luma."""
    ho = _soft_bins(_yuv(out)[0], bins, sigma).mean(0)
    ht = _soft_bins(_yuv(target)[0], bins, sigma).mean(0)
    return F.mse_loss(ho, ht)


def chroma_histogram(out: torch.Tensor, target: torch.Tensor, bins=32, sigma=0.03) -> torch.Tensor:
    """MSE between soft 2-D 32x32 histograms of (U, V), both shifted by +0.5."""

    def hist(x):
        _, u, v = _yuv(x)
        wu, wv = _soft_bins(u, bins, sigma), _soft_bins(v, bins, sigma)
        return wu.t() @ wv / u.numel()

    return F.mse_loss(hist(out), hist(target))


def total_variation(x: torch.Tensor) -> torch.Tensor:
    return (x[:, :, 1:] - x[:, :, :-1]).abs().mean() + (x[:, :, :, 1:] - x[:, :, :, :-1]).abs().mean()


def device_of(name: str) -> torch.device:
    """The harness's device (auto, cpu, gpu) as a torch device."""
    if name == "gpu":
        if not torch.cuda.is_available():
            raise SystemExit("device gpu requested, but this torch build sees no CUDA device")
        return torch.device("cuda")
    if name == "auto" and torch.cuda.is_available():
        return torch.device("cuda")
    return torch.device("cpu")
