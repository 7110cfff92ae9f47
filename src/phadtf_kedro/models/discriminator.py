"""PatchGAN discriminator (pix2pix's NLayerDiscriminator): real/fake scores for overlapping 70×70 patches, conditioned
on the generator's input (the 3 blended frames) stacked with the real or refined frame."""

from __future__ import annotations

from torch import nn


class PatchDiscriminator(nn.Module):
    def __init__(self, in_channels: int = 12, ndf: int = 64, layers: int = 3):
        super().__init__()
        seq: list[nn.Module] = [nn.Conv2d(in_channels, ndf, 4, stride=2, padding=1), nn.LeakyReLU(0.2, inplace=True)]
        mult = 1
        for n in range(1, layers + 1):
            prev, mult = mult, min(2 ** n, 8)
            stride = 2 if n < layers else 1
            seq += [nn.Conv2d(ndf * prev, ndf * mult, 4, stride=stride, padding=1), nn.InstanceNorm2d(ndf * mult),
                    nn.LeakyReLU(0.2, inplace=True)]
        seq.append(nn.Conv2d(ndf * mult, 1, 4, stride=1, padding=1))
        self.model = nn.Sequential(*seq)

    def forward(self, x):
        """(B, in_channels, S, S) → (B, 1, P, P) patch scores (logits)."""
        return self.model(x)
