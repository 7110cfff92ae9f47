"""Paste-back of a refined crop into the full frame: the right place, the right region, nothing else touched."""

from __future__ import annotations

import numpy as np

from phadtf_kedro.synthesis.paste import paste_back
from phadtf_kedro.synthesis.region import face_mask


def scene():
    rng = np.random.default_rng(0)
    frame = np.full((120, 160, 3), 90, np.uint8)
    refined = rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)
    rgba = np.zeros((64, 64, 4), np.uint8)
    rgba[16:48, 16:48] = 200  # a square "face" in the middle of the 64² crop
    return frame, refined, rgba


def test_feathered_paste_lands_in_the_box_inside_the_mask():
    frame, refined, rgba = scene()
    out = paste_back(np.full((32, 32, 3), 250, np.uint8), face_mask(rgba, 0), frame, np.array([40, 20, 64]),
                     seamless=False)
    changed = np.argwhere((out != frame).any(axis=2))
    assert changed[:, 0].min() >= 20 + 16 and changed[:, 0].max() <= 20 + 47  # rows: y0 + mask rows
    assert changed[:, 1].min() >= 40 + 16 and changed[:, 1].max() <= 40 + 47
    assert (out[44:60, 64:80] == 250).all()  # the inside is the patch; only the rim is feathered


def test_seamless_paste_changes_only_the_masked_region():
    frame, refined, rgba = scene()
    out = paste_back(refined, face_mask(rgba, 2), frame, np.array([40, 20, 64]))
    changed = np.argwhere((out != frame).any(axis=2))
    assert changed[:, 0].min() >= 20 + 13 and changed[:, 0].max() <= 20 + 50
    assert changed[:, 1].min() >= 40 + 13 and changed[:, 1].max() <= 40 + 50
    # Poisson cloning keeps the patch's gradients: the pasted texture correlates with the refined crop's
    inner = out[20 + 24:20 + 40, 40 + 24:40 + 40, 0].astype(float)
    src = np.repeat(np.repeat(refined[12:20, 12:20, 0], 2, 0), 2, 1).astype(float)
    assert np.corrcoef(inner.ravel(), src.ravel())[0, 1] > 0.5


def test_a_box_leaving_the_frame_is_clipped():
    frame, refined, rgba = scene()
    out = paste_back(refined, face_mask(rgba, 0), frame, np.array([120, 80, 64]))  # half outside, bottom right
    assert out.shape == frame.shape
    assert (out[:80] == frame[:80]).all() and (out[:, :120] == frame[:, :120]).all()
