"""The memory network of PHADTF's refinement GAN (after Yoo et al. 2019, "Coloring with limited data").

Slots hold a key (a query-space feature of some input) and a value (an identity feature of the real frame it came
with), plus an age. A query retrieves the top-k keys by cosine similarity; at test time the top-1 value is the identity
that drives the generator's AdaIN.

Update, given a query q and the true value v of a training sample: if the top-1 slot's value is already similar to v
(cosine > `threshold`), that slot's key moves towards q (normalized sum) and its age resets; otherwise v is written,
with key q, into the oldest slot. All other ages grow by one.

Memory loss (the threshold triplet loss): among the top-k slots, the best one whose value agrees with v is the positive,
the best one that disagrees the negative; loss = max(0, s_neg − s_pos + margin). It trains the key encoder so that
inputs of the same appearance query the same slots.

The encoders that make queries and values are small CNNs trained inside the project (the paper's frozen ImageNet
ResNet18 and ArcFace are not available offline); any module mapping images to a feature vector can replace them.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class FeatureEncoder(nn.Module):
    """A small CNN: (B, C, S, S) images → (B, dim) L2-normalized features."""

    def __init__(self, in_channels: int, dim: int, width: int = 32, levels: int = 4):
        super().__init__()
        layers, c = [], in_channels
        for i in range(levels):
            w = width * 2 ** min(i, 3)
            layers += [nn.Conv2d(c, w, 4, stride=2, padding=1), nn.LeakyReLU(0.2, inplace=True)]
            c = w
        self.body = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.body(x), dim=1)


class Memory(nn.Module):
    def __init__(self, slots: int, key_dim: int, value_dim: int, top_k: int = 4, threshold: float = 0.5,
                 margin: float = 0.1):
        super().__init__()
        self.top_k, self.threshold, self.margin = top_k, threshold, margin
        self.register_buffer("keys", F.normalize(torch.randn(slots, key_dim), dim=1))
        self.register_buffer("values", F.normalize(torch.randn(slots, value_dim), dim=1))
        self.register_buffer("age", torch.zeros(slots))

    def similarity(self, query: torch.Tensor) -> torch.Tensor:
        return F.normalize(query, dim=1) @ self.keys.t()

    def read(self, query: torch.Tensor) -> torch.Tensor:
        """(B, key_dim) queries → (B, value_dim) top-1 values."""
        return self.values[self.similarity(query).argmax(dim=1)]

    def loss(self, query: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
        """Threshold triplet loss over the top-k slots (differentiable in the query)."""
        sim = self.similarity(query)
        k = min(self.top_k, sim.shape[1])
        top_sim, top_idx = sim.topk(k, dim=1)
        agree = (F.normalize(value, dim=1)[:, None, :] * self.values[top_idx]).sum(-1) > self.threshold
        low = torch.full_like(top_sim, -2.0)
        positive = torch.where(agree, top_sim, low).max(dim=1).values
        negative = torch.where(~agree, top_sim, low).max(dim=1).values
        has_both = agree.any(dim=1) & (~agree).any(dim=1)
        loss = torch.clamp(negative - positive + self.margin, min=0.0)
        return (loss * has_both).sum() / has_both.sum().clamp(min=1)

    @torch.no_grad()
    def update(self, query: torch.Tensor, value: torch.Tensor) -> None:
        """Write a batch of (query, true value) pairs, one at a time, by the margin/threshold rule."""
        query, value = F.normalize(query.detach(), dim=1), F.normalize(value.detach(), dim=1)
        for q, v in zip(query, value):
            top = int((self.keys @ q).argmax())
            self.age += 1
            if float(self.values[top] @ v) > self.threshold:
                self.keys[top] = F.normalize(self.keys[top] + q, dim=0)
                self.age[top] = 0
            else:
                oldest = int(self.age.argmax())
                self.keys[oldest], self.values[oldest], self.age[oldest] = q, v, 0
