"""Where the warp moves pixels (synthesis/stream.py `Synthesizer.warp_space`, synthesis/warp.py `RESAMPLING`): in
the video frame itself, what does not move keeps the video's exact pixels, and a sub-pixel move blurs less
bicubically than bilinearly."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from phadtf_kedro.face.camera import crop_intrinsics, project
from phadtf_kedro.face.crop import crop_affine
from phadtf_kedro.synthesis.stream import FRAME_AFFINE
from phadtf_kedro.synthesis.warp import mesh_warp

QUAD = np.array([[60.0, 30.0], [140.0, 30.0], [60.0, 80.0], [140.0, 80.0]])  # in a wide 120 × 200 "frame"
TRIANGLES = np.array([[0, 1, 2], [1, 3, 2]])
DEPTH = np.full(4, 45.0)


def texture(shape=(120, 200)) -> np.ndarray:
    """Fine random detail (the pixel-level texture of skin and stubble), the same every run."""
    return np.random.default_rng(0).integers(0, 256, (*shape, 3), dtype=np.uint8)


@pytest.mark.parametrize("resampling", ["linear", "cubic"])
def test_a_still_mesh_leaves_the_frame_bit_for_bit(resampling):
    image = texture()
    for surround in (False, True):
        assert np.array_equal(mesh_warp(image, QUAD, QUAD, DEPTH, TRIANGLES, surround, resampling), image)


def test_a_moved_mesh_changes_a_wide_frame_only_around_it():
    image = texture()
    moved = QUAD + [[0, 0], [0, 0], [0, 6.0], [0, 6.0]]  # the "chin" drops 6 px
    out = mesh_warp(image, QUAD, moved, DEPTH, TRIANGLES, surround=True, resampling="cubic")
    changed = np.argwhere((out != image).any(axis=2))
    assert len(changed)
    band = 3 * 6 + 1  # BAND_PER_PX × the move, and a pixel of rounding
    (y0, x0), (y1, x1) = changed.min(axis=0), changed.max(axis=0)
    assert x0 >= 60 - band and x1 <= 140 + band and y0 >= 30 - band and y1 <= 86 + band
    assert out.shape == image.shape


def test_a_sub_pixel_move_keeps_more_detail_bicubically():
    image = texture()
    shifted = QUAD + 0.5  # every pixel sampled half-way between four: bilinear averages them, bicubic much less so
    detail = {}
    for resampling in ("linear", "cubic"):
        out = mesh_warp(image, QUAD, shifted, DEPTH, TRIANGLES, False, resampling)[40:70, 70:130]
        detail[resampling] = cv2.Laplacian(cv2.cvtColor(out, cv2.COLOR_RGB2GRAY), cv2.CV_64F).var()
    original = cv2.Laplacian(cv2.cvtColor(image[40:70, 70:130], cv2.COLOR_RGB2GRAY), cv2.CV_64F).var()
    assert detail["linear"] < 0.5 * original
    assert detail["cubic"] > 1.3 * detail["linear"]


def test_the_camera_projects_into_the_frame_where_the_crop_box_maps_the_crop():
    """A warp in the frame projects with the frame's own intrinsics (`FRAME_AFFINE`): the same points as the crop's
    projection, carried through its box."""
    points = np.array([[0.05, -0.02, -0.6], [-0.03, 0.04, -0.55]])  # camera space, in front of the camera
    box, size = (500, 180, 300), 256
    affine = crop_affine(box, size)
    in_frame = project(points, crop_intrinsics(1200.0, (1280, 720), FRAME_AFFINE))
    in_crop = project(points, crop_intrinsics(1200.0, (1280, 720), affine))
    assert np.allclose(in_frame @ affine[:, :2].T + affine[:, 2], in_crop)
    assert np.allclose(in_frame, [[640 + 100, 360 + 40], [640 - 1200 * 0.03 / 0.55, 360 - 1200 * 0.04 / 0.55]])
