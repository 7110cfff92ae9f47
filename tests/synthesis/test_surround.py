"""The warp's surroundings (synthesis/warp.py `surround_band`, `faded_into_surround`): no old chin left below a
closing jaw, nothing folded, nothing touched beyond the band."""

from __future__ import annotations

import numpy as np

from phadtf_kedro.synthesis.warp import faded_into_surround, mesh_warp, surround_band

SQUARE = np.array([[20.0, 20.0], [100.0, 20.0], [20.0, 100.0], [100.0, 100.0]])  # a "lower face" from y 20 to 100
TRIANGLES = np.array([[0, 1, 2], [1, 3, 2]])
DEPTH = np.full(4, 45.0)


def chin_image() -> np.ndarray:
    """Skin (160) with a dark jaw line on the mesh's bottom edge (rows 97-100) above a neck ramp (rows 101+)."""
    image = np.full((160, 160, 3), 160, np.uint8)  # crops are square
    image[97:101] = 30
    image[101:] = np.linspace(120, 200, 59).astype(np.uint8)[:, None, None]
    return image


def dark_bands(column: np.ndarray) -> int:
    """How many separate runs of dark (< 80) pixels a column holds."""
    dark = column < 80
    return int(dark[0] + np.count_nonzero(dark[1:] & ~dark[:-1]))


def test_a_closing_jaw_leaves_no_second_jaw_line_with_the_surround_faded():
    image, closed = chin_image(), SQUARE - [[0, 0], [0, 0], [0, 15.0], [0, 15.0]]  # the chin rises 15 px
    band = surround_band(SQUARE, closed, TRIANGLES)
    assert band == 45.0
    kept = mesh_warp(image, SQUARE, closed, DEPTH, TRIANGLES)[:, 60, 0]
    faded = mesh_warp(image, SQUARE, closed, DEPTH, TRIANGLES, surround=True)[:, 60, 0]
    assert dark_bands(kept) == 2  # the moved jaw line at ~85 and the old one at 97-100
    assert dark_bands(faded) == 1 and faded[82:87].min() < 80  # only the moved one
    assert (np.diff(faded[90:150].astype(int)) >= -1).all()  # the neck ramp stays a ramp: nothing folded
    assert (faded[:19] == image[:19, 60, 0]).all()  # above the mesh, where nothing moved, untouched


def test_the_fade_reaches_nothing_beyond_its_band():
    closed = SQUARE - [[0, 0], [0, 0], [0, 6.0], [0, 6.0]]
    band = surround_band(SQUARE, closed, TRIANGLES)
    out = mesh_warp(chin_image(), SQUARE, closed, DEPTH, TRIANGLES, surround=True)
    assert (out[94 + int(np.ceil(band)):] == chin_image()[94 + int(np.ceil(band)):]).all()


def test_the_displacement_is_carried_from_the_nearest_covered_pixel_and_eased_to_zero():
    covered = np.zeros((1, 20), bool)
    covered[0, :2] = True
    dx = np.zeros((1, 20), np.float32)
    dx[0, :2] = 4.0
    out, _ = faded_into_surround(covered, dx, np.zeros_like(dx))
    assert out[0, 0] == out[0, 1] == 4.0  # inside: its own
    assert (np.diff(out[0, 1:]) <= 0).all() and out[0, 2] > 3.5  # outside: eased down from the mesh's 4 px ...
    assert out[0, 12] > 0 and (out[0, 13:] == 0).all()  # ... to none 3 × 4 px from the mesh
    small = dx / 8  # a contour that moves 0.5 px fades within the 2 px minimum
    assert (faded_into_surround(covered, small, np.zeros_like(small))[0][0, 4:] == 0).all()
    assert surround_band(SQUARE, SQUARE, TRIANGLES) == 2.0  # still mesh: the minimum band
