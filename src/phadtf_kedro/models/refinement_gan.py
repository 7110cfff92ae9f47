"""The memory-augmented refinement GAN of PHADTF as one module: generator, PatchGAN discriminator, key encoder, the
person's identity feature and the memory, saved and restored as one state_dict; and its test-time use on a blended
sequence (`refine_frames`). Training lives in `training/refinement.py`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from phadtf_kedro.metrics.image import at_size
from phadtf_kedro.models.discriminator import PatchDiscriminator
from phadtf_kedro.models.generator import Generator, GeneratorConfig
from phadtf_kedro.models.memory import FeatureEncoder, Memory


@dataclass(frozen=True)
class GANConfig:
    size: int = 128
    ngf: int = 32
    ndf: int = 64
    id_dim: int = 128
    key_dim: int = 128
    encoder_width: int = 32
    slots: int = 64
    top_k: int = 4
    threshold: float = 0.5
    margin: float = 0.1



class RefinementGAN(nn.Module):
    """Generator, discriminator, the two encoders and the memory, saved and restored as one state_dict."""

    def __init__(self, config: GANConfig):
        super().__init__()
        self.config = config
        self.generator = Generator(GeneratorConfig(size=config.size, ngf=config.ngf, id_dim=config.id_dim))
        self.discriminator = PatchDiscriminator(in_channels=12, ndf=config.ndf)
        self.key_encoder = FeatureEncoder(9, config.key_dim, config.encoder_width)
        self.identity = nn.Parameter(torch.randn(config.id_dim) * 0.1)  # the person's identity feature
        self.memory = Memory(config.slots, config.key_dim, config.id_dim, config.top_k, config.threshold,
                             config.margin)

    @torch.no_grad()
    def refine(self, frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Test time: (B, 9, S, S) → refined (B, 3, S, S) and attention, identity read from the memory."""
        identity = self.memory.read(self.key_encoder(frames))
        out, _, attention = self.generator(frames, identity)
        return out, attention


def to_tensor(images: np.ndarray, size: int) -> torch.Tensor:
    """(N, H, W, 3) uint8 → (N, 3, size, size) float in [−1, 1] (area resampling)."""
    resized = at_size(images, size)
    return torch.as_tensor(resized).permute(0, 3, 1, 2).float() / 127.5 - 1.0


def to_uint8(images: torch.Tensor) -> np.ndarray:
    return ((images.clamp(-1, 1) + 1) * 127.5 + 0.5).to(torch.uint8).permute(0, 2, 3, 1).numpy()


def triples(frames: torch.Tensor, centers: np.ndarray) -> torch.Tensor:
    """(N, 3, S, S) frames → (len(centers), 9, S, S) stacks of frames c−1, c, c+1 (edges repeat)."""
    n = len(frames)
    return torch.cat([frames[np.clip(centers + d, 0, n - 1)] for d in (-1, 0, 1)], dim=1)


def refine_frames(model: RefinementGAN, blended: np.ndarray, centers: np.ndarray, batch: int = 8) -> np.ndarray:
    """Refine frames `centers` of a consecutive (N, H, W, 3) uint8 blended sequence → (len, size, size, 3) uint8."""
    model.eval()
    frames = to_tensor(blended, model.config.size)
    out = [model.refine(triples(frames, centers[i:i + batch]))[0] for i in range(0, len(centers), batch)]
    return to_uint8(torch.cat(out)) if out else np.zeros((0, model.config.size, model.config.size, 3), np.uint8)
