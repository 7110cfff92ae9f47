"""Albedo texture and per-frame SH lighting of a person, fitted by alternation on their crops.

1. Texture from the training frames with unit shading (a first, lit albedo).
2. Per-frame lighting by least squares against that texture; lights are rescaled so the mean training ambient term
   is 1 (albedo and light are only defined up to a common scale).
3. Texture again from the training frames, now dividing out each frame's shading, robustly weighted against step 1.
4. Per-frame lighting against the final texture for every frame (training and held-out).
The photometric PSNR of texture × shading against the crop inside the rendered face mask is the stage's quality figure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from phadtf_kedro.face.lighting import SH_CONSTANTS, ambient_light, fit_light, shading
from phadtf_kedro.face.render import FaceRenderer
from phadtf_kedro.face.texture import TextureAccumulator, sample_texture
from phadtf_kedro.metrics.image import masked_psnr


@dataclass
class Appearance:
    texture: np.ndarray  # (S, S, 3) float32 albedo
    light: np.ndarray  # (T, 27) SH lighting per frame
    psnr: np.ndarray  # (T,) photometric PSNR (dB) inside the face mask
    texture_coverage: float  # fraction of the face's UV layout seen in the training frames


@dataclass
class FacePixels:
    colors: np.ndarray  # (N, 3) crop colours 0..1 at the rendered face's pixels
    uv: np.ndarray  # (N, 2)
    normals: np.ndarray  # (N, 3)
    interior: np.ndarray  # (N,) bool: at least `erode` px inside the face outline
    mask: np.ndarray  # (S, S) bool

    def inner(self) -> FacePixels:
        keep = self.interior
        return FacePixels(self.colors[keep], self.uv[keep], self.normals[keep], keep[keep], self.mask)


def face_pixels(renderer: FaceRenderer, vertices: np.ndarray, intrinsics: np.ndarray, crop: np.ndarray,
                erode: int = 0) -> FacePixels:
    """The crop's pixels covered by the rendered face, with those `erode` px inside its outline marked."""
    out = renderer.render(vertices, intrinsics, ambient_light(), outputs=("normal", "uv"))
    mask = out.alpha >= 0.5
    inner = cv2.erode(mask.astype(np.uint8), np.ones((2 * erode + 1,) * 2, np.uint8)).astype(bool) if erode else mask
    return FacePixels(crop[mask].astype(np.float32) / 255.0, out.uv(mask), out.normals(mask), inner[mask], mask)


def fit_appearance(renderer: FaceRenderer, vertices: Callable[[int], np.ndarray], intrinsics: np.ndarray,
                   crops: np.ndarray, train: np.ndarray, texture_size: int = 256, stride: int = 1,
                   sigma: float = 0.1, erode: int = 2, footprint: np.ndarray | None = None) -> Appearance:
    """Fit texture and lights; `vertices(t)` gives frame t's camera-space mesh, `train` the training frame indices.

    Geometry does not change between the steps, so each frame is rendered once: the texture frames' pixels are kept
    (about 0.6 MB per 256² frame) until the last step has used them.
    """
    n_frames = len(crops)
    sample_frames = [int(t) for t in np.asarray(train)[::stride]]
    cache = {t: face_pixels(renderer, vertices(t), intrinsics[t], crops[t], erode) for t in sample_frames}
    inner = {t: px.inner() for t, px in cache.items()}

    first = TextureAccumulator(texture_size)
    for px in inner.values():
        first.add(px.colors, px.uv, px.normals)
    lit = first.texture()

    lights = {t: fit_light(px.colors, sample_texture(lit, px.uv), px.normals) for t, px in inner.items()}
    scale = np.mean([light.reshape(9, 3)[0].mean() * SH_CONSTANTS[0] for light in lights.values()])

    final = TextureAccumulator(texture_size)
    for t, px in inner.items():
        final.add(px.colors, px.uv, px.normals, shading(px.normals, lights[t] / scale), reference=lit * scale,
                  sigma=sigma)
    texture = final.texture()
    del inner

    light = np.zeros((n_frames, 27))
    psnr = np.zeros(n_frames)
    for t in range(n_frames):
        px = cache.pop(t) if t in cache else face_pixels(renderer, vertices(t), intrinsics[t], crops[t])
        albedo = sample_texture(texture, px.uv)
        light[t] = fit_light(px.colors, albedo, px.normals)
        predicted = np.clip(albedo * shading(px.normals, light[t]), 0.0, 1.0)
        psnr[t] = masked_psnr(predicted, px.colors)
    return Appearance(texture, light, psnr, final.coverage(footprint))
