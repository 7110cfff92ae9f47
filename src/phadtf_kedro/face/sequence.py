"""Render a whole coefficient sequence (reconstructed or predicted) through one renderer, frame by frame."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from phadtf_kedro.face.model import LIGHT, FaceModel, check_coefficients
from phadtf_kedro.face.render import FaceRenderer, Render


def render_sequence(model: FaceModel, coefficients: np.ndarray, crop_affine: np.ndarray, size: int,
                    samples: int = 4, outputs: tuple[str, ...] = ("rgba", "normal")) -> Iterator[Render]:
    """Yield one anti-aliased Render per row of (T, 85) coefficients, seen through the matching (T, 2, 3) crop box."""
    coefficients = check_coefficients(coefficients)
    if len(crop_affine) != len(coefficients):
        raise ValueError(f"{len(coefficients)} coefficient rows but {len(crop_affine)} crop boxes")
    intrinsics = model.intrinsics(crop_affine)
    renderer = FaceRenderer(model.triangles, model.uv, model.texture, size, samples=samples)
    try:
        for t in range(len(coefficients)):
            vertices = model.camera_vertices(coefficients[t])[0]
            yield renderer.render(vertices, intrinsics[t], coefficients[t, LIGHT], outputs=outputs)
    finally:
        renderer.release()
