"""The person's UV albedo texture, gathered from the crops through the rendered mesh.

Each visible face pixel of a frame knows (from the UV render) which texel it shows; its colour divided by the frame's
shading is one sample of that texel's albedo. Samples are weighted by how squarely the surface faces the camera
(cos² of the normal with the view axis, so grazing and self-occluded surfaces count little or nothing — the depth test
already removed hidden ones) and, given a first estimate, by agreement with it (a Gaussian on the residual), which
drops hands, hair strands and specular flashes that cover the face in a few frames. Texels never seen are filled from
their neighbours by push-pull (averages over an image pyramid), which stays smooth across large holes.
"""

from __future__ import annotations

import cv2
import numpy as np


def sample_texture(texture: np.ndarray, uv: np.ndarray) -> np.ndarray:
    """Bilinear lookup of texture (S, S, 3) at uv (..., 2) in [0, 1] → (..., 3)."""
    s = texture.shape[0]
    maps = (uv.astype(np.float32) * s - 0.5).reshape(-1, 1, 2)
    out = cv2.remap(texture.astype(np.float32), maps[..., 0], maps[..., 1], cv2.INTER_LINEAR,
                    borderMode=cv2.BORDER_REPLICATE)
    return out.reshape(*uv.shape[:-1], 3)


class TextureAccumulator:
    """Weighted per-texel average of albedo samples from many frames."""

    def __init__(self, size: int):
        self.size = int(size)
        self.sums = np.zeros((self.size * self.size, 3))
        self.weights = np.zeros(self.size * self.size)

    def add(self, colors: np.ndarray, uv: np.ndarray, normals: np.ndarray, shading: np.ndarray | None = None,
            reference: np.ndarray | None = None, sigma: float = 0.1) -> None:
        """Samples from one frame's face pixels: colours (N, 3) 0..1, uv (N, 2), camera-space normals (N, 3)."""
        weight = np.clip(normals[:, 2], 0.0, 1.0) ** 2
        albedo = colors if shading is None else np.clip(colors / np.maximum(shading, 0.05), 0.0, 2.0)
        if reference is not None:
            residual = np.abs(albedo - sample_texture(reference, uv)).mean(axis=1)
            weight = weight * np.exp(-((residual / sigma) ** 2))
        texel = np.clip((uv * self.size).astype(np.int64), 0, self.size - 1)
        index = texel[:, 1] * self.size + texel[:, 0]
        n = self.size * self.size
        self.weights += np.bincount(index, weight, minlength=n)
        for c in range(3):
            self.sums[:, c] += np.bincount(index, weight * albedo[:, c], minlength=n)

    def coverage(self, mask: np.ndarray | None = None) -> float:
        """Fraction of texels (inside `mask` if given) with samples."""
        seen = (self.weights > 1e-6).reshape(self.size, self.size)
        return float(seen[mask].mean() if mask is not None else seen.mean())

    def texture(self) -> np.ndarray:
        """(S, S, 3) float32 albedo; unseen texels filled by push-pull from seen ones."""
        shape = (self.size, self.size)
        return push_pull(self.sums.reshape(*shape, 3), self.weights.reshape(shape)).astype(np.float32)


def push_pull(sums: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted average image sums/weights with empty pixels filled from ever coarser averages."""
    seen = weights > 1e-6
    image = np.zeros_like(sums)
    image[seen] = sums[seen] / weights[seen, None]
    if seen.all() or not seen.any() or min(weights.shape) < 2:
        return image
    h, w = weights.shape
    small = ((w + 1) // 2, (h + 1) // 2)
    coarse = push_pull(cv2.resize(sums, small, interpolation=cv2.INTER_AREA),
                       cv2.resize(weights, small, interpolation=cv2.INTER_AREA))
    image[~seen] = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_LINEAR)[~seen]
    return image


def uv_footprint(uv: np.ndarray, triangles: np.ndarray, size: int) -> np.ndarray:
    """(S, S) bool mask of texels covered by the mesh's UV layout (where the texture matters)."""
    mask = np.zeros((size, size), np.uint8)
    pts = np.round(uv[triangles] * size * 16).astype(np.int32)  # 4 fractional bits
    cv2.fillPoly(mask, list(pts), 1, lineType=cv2.LINE_8, shift=4)
    return mask.astype(bool)
