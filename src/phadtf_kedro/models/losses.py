"""Losses of the refinement GAN: adversarial (least squares, as pix2pix's lsgan), SSIM, and the attention-mask terms."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def adversarial(scores: torch.Tensor, real: bool) -> torch.Tensor:
    """Least-squares GAN loss of patch scores against the real (1) or fake (0) label."""
    return torch.mean((scores - (1.0 if real else 0.0)) ** 2)


def mask_penalty(attention: torch.Tensor) -> torch.Tensor:
    """Mean attention: without it the generator could keep the blended frame everywhere (A = 1) and learn nothing;
    PHADTF penalizes the mask towards 0 (repaint) with a weight, so A stays high only where the blend is already right."""
    return torch.mean(attention)


def total_variation(attention: torch.Tensor) -> torch.Tensor:
    """Total variation of the attention mask (keeps it smooth)."""
    dx = torch.abs(attention[..., :, 1:] - attention[..., :, :-1]).mean()
    dy = torch.abs(attention[..., 1:, :] - attention[..., :-1, :]).mean()
    return dx + dy


def ssim(x: torch.Tensor, y: torch.Tensor, sigma: float = 1.5, radius: int = 5) -> torch.Tensor:
    """Mean SSIM (Wang et al. 2004, Gaussian window σ = 1.5 as scikit-image's `gaussian_weights`) of two (B, C, H, W)
    batches in [−1, 1]: a differentiable structure term, so the refiner is not rewarded for blurring edges."""
    t = torch.arange(-radius, radius + 1, dtype=x.dtype, device=x.device)
    g = torch.exp(-(t ** 2) / (2 * sigma ** 2))
    g = g / g.sum()
    channels = x.shape[1]
    kernel_x = g.view(1, 1, 1, -1).repeat(channels, 1, 1, 1)
    kernel_y = g.view(1, 1, -1, 1).repeat(channels, 1, 1, 1)

    def blur(z: torch.Tensor) -> torch.Tensor:
        return F.conv2d(F.conv2d(z, kernel_x, groups=channels), kernel_y, groups=channels)

    c1, c2 = (0.01 * 2) ** 2, (0.03 * 2) ** 2  # data range 2 ([−1, 1])
    mx, my = blur(x), blur(y)
    vx, vy, cxy = blur(x * x) - mx ** 2, blur(y * y) - my ** 2, blur(x * y) - mx * my
    return torch.mean(((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx ** 2 + my ** 2 + c1) * (vx + vy + c2)))
