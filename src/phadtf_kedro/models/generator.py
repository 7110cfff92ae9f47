"""The refinement generator: a U-Net over 3 stacked blended frames with an attention mask and AdaIN identity.

    input  (B, 9, S, S)  three consecutive blended frames, t−1, t, t+1 (RGB in [−1, 1])
    encoder: 4×4 stride-2 convs  ngf → 2ngf → 4ngf → 8ngf → … (down to 4×4), LeakyReLU, instance norm
    decoder: 4×4 stride-2 transposed convs with U-Net skips; every decoder block normalizes with AdaIN whose scale
             and bias come from the identity feature (the memory network's value), as PHADTF's memory-augmented GAN
    heads:   image G = blended_t + a residual (clipped to [−1, 1], 3 ch) and attention A (sigmoid, 1 ch)
    output = A · blended_t + (1 − A) · G

The attention mask lets the generator keep the blended frame where it is already right (background, most of the
face) and repaint only what the render lacks (teeth, eyes, hair edges, seams). G is a residual on the blended frame whose last
layer starts at zero, so an untrained refiner returns its input exactly (issue 14: a from-scratch generator that must
first learn to reproduce its input made frames worse), and every gradient still reaches G from the first step.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class GeneratorConfig:
    size: int = 128  # input side, a power of two ≥ 16
    ngf: int = 32
    max_mult: int = 8  # channel cap: ngf × max_mult
    id_dim: int = 128  # identity feature (AdaIN input) size
    in_frames: int = 3


class AdaIN(nn.Module):
    """Instance norm whose per-channel scale and bias are predicted from an identity feature."""

    def __init__(self, channels: int, id_dim: int):
        super().__init__()
        self.norm = nn.InstanceNorm2d(channels, affine=False)
        self.style = nn.Linear(id_dim, 2 * channels)
        nn.init.zeros_(self.style.weight)
        with torch.no_grad():  # start as plain instance norm: scale 1, bias 0
            self.style.bias.copy_(torch.cat([torch.ones(channels), torch.zeros(channels)]))

    def forward(self, x: torch.Tensor, identity: torch.Tensor) -> torch.Tensor:
        scale, bias = self.style(identity).chunk(2, dim=1)
        return self.norm(x) * scale[..., None, None] + bias[..., None, None]


class UpBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, id_dim: int):
        super().__init__()
        self.conv = nn.ConvTranspose2d(c_in, c_out, 4, stride=2, padding=1)
        self.adain = AdaIN(c_out, id_dim)

    def forward(self, x: torch.Tensor, identity: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.adain(self.conv(x), identity))


class Generator(nn.Module):
    def __init__(self, config: GeneratorConfig):
        super().__init__()
        self.config = config
        levels = max(2, config.size.bit_length() - 3)  # down to 4×4
        widths = [config.ngf * min(2 ** i, config.max_mult) for i in range(levels)]
        downs, c_in = [], 3 * config.in_frames
        for i, w in enumerate(widths):
            layers = [nn.Conv2d(c_in, w, 4, stride=2, padding=1)]
            if 0 < i < levels - 1:
                layers.append(nn.InstanceNorm2d(w))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            downs.append(nn.Sequential(*layers))
            c_in = w
        self.downs = nn.ModuleList(downs)
        ups = []
        for i in reversed(range(levels - 1)):  # to the resolution of encoder level i, then concat its skip
            c_skip_in = widths[i + 1] if i == levels - 2 else widths[i + 1] * 2
            ups.append(UpBlock(c_skip_in, widths[i], config.id_dim))
        self.ups = nn.ModuleList(ups)
        self.to_image = nn.ConvTranspose2d(widths[0] * 2, 3, 4, stride=2, padding=1)
        self.to_attention = nn.ConvTranspose2d(widths[0] * 2, 1, 4, stride=2, padding=1)
        nn.init.zeros_(self.to_image.weight)  # G starts as the blended frame itself: output = input, whatever A is
        nn.init.zeros_(self.to_image.bias)

    def forward(self, frames: torch.Tensor, identity: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(B, 9, S, S) blended frames and (B, id_dim) identity → (output, generated image, attention mask)."""
        skips, x = [], frames
        for down in self.downs:
            x = down(x)
            skips.append(x)
        for up, skip in zip(self.ups, reversed(skips[:-1])):
            x = torch.cat([up(x, identity), skip], dim=1)
        center = frames[:, 3 * (self.config.in_frames // 2):3 * (self.config.in_frames // 2) + 3]
        generated = (center + self.to_image(x)).clamp(-1.0, 1.0)
        attention = torch.sigmoid(self.to_attention(x))
        return attention * center + (1 - attention) * generated, generated, attention
