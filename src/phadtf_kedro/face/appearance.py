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
    colors: np.ndarray  # (N, 3) crop colours 0..1
    uv: np.ndarray  # (N, 2)
    normals: np.ndarray  # (N, 3)
    mask: np.ndarray  # (S, S) bool


def face_pixels(renderer: FaceRenderer, vertices: np.ndarray, intrinsics: np.ndarray, crop: np.ndarray,
                erode: int = 0) -> FacePixels:
    """The crop's pixels covered by the rendered face (optionally `erode` px inside its outline)."""
    out = renderer.render(vertices, intrinsics, ambient_light(), outputs=("normal", "uv"))
    mask = out.alpha >= 0.5
    if erode:
        mask = cv2.erode(mask.astype(np.uint8), np.ones((2 * erode + 1,) * 2, np.uint8)).astype(bool)
    return FacePixels(crop[mask].astype(np.float32) / 255.0, out.uv()[mask], out.normals()[mask], mask)


def fit_appearance(renderer: FaceRenderer, vertices: Callable[[int], np.ndarray], intrinsics: np.ndarray,
                   crops: np.ndarray, train: np.ndarray, texture_size: int = 256, stride: int = 1,
                   sigma: float = 0.1, erode: int = 2, footprint: np.ndarray | None = None) -> Appearance:
    """Fit texture and lights; `vertices(t)` gives frame t's camera-space mesh, `train` the training frame indices."""
    n_frames = len(crops)
    sample_frames = np.asarray(train)[::stride]

    first = TextureAccumulator(texture_size)
    for t in sample_frames:
        px = face_pixels(renderer, vertices(t), intrinsics[t], crops[t], erode)
        first.add(px.colors, px.uv, px.normals)
    lit = first.texture()

    def lights_for(texture: np.ndarray, frames) -> dict[int, np.ndarray]:
        out = {}
        for t in frames:
            px = face_pixels(renderer, vertices(t), intrinsics[t], crops[t], erode)
            out[int(t)] = fit_light(px.colors, sample_texture(texture, px.uv), px.normals)
        return out

    lights = lights_for(lit, sample_frames)
    scale = np.mean([lights[int(t)].reshape(9, 3)[0].mean() * SH_CONSTANTS[0] for t in sample_frames])
    lights = {t: light / scale for t, light in lights.items()}

    final = TextureAccumulator(texture_size)
    for t in sample_frames:
        px = face_pixels(renderer, vertices(t), intrinsics[t], crops[t], erode)
        final.add(px.colors, px.uv, px.normals, shading(px.normals, lights[int(t)]), reference=lit * scale,
                  sigma=sigma)
    texture = final.texture()

    light = np.zeros((n_frames, 27))
    psnr = np.zeros(n_frames)
    for t in range(n_frames):
        px = face_pixels(renderer, vertices(t), intrinsics[t], crops[t], erode=0)
        albedo = sample_texture(texture, px.uv)
        light[t] = fit_light(px.colors, albedo, px.normals)
        predicted = np.clip(albedo * shading(px.normals, light[t]), 0.0, 1.0)
        psnr[t] = masked_psnr(predicted, px.colors)
    return Appearance(texture, light, psnr, final.coverage(footprint))
