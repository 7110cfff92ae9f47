"""Losses of the refinement GAN: adversarial (least squares, as pix2pix's lsgan), L1, and the attention-mask terms."""

from __future__ import annotations

import torch


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
