"""The matched frame's own lips where the tracker saw them (synthesis/warp.py `lip_vertices`, `with_tracked_lips`)."""

import numpy as np

from phadtf_kedro.face.mesh import load_canonical_mesh
from phadtf_kedro.face.tracker import default_model_path
from phadtf_kedro.metrics.mouth import LIPS
from phadtf_kedro.synthesis.warp import INNER_LIP, OUTER_LIP, lip_vertices, with_tracked_lips

NOSE_TIP, CHIN, LEFT_EYE_CORNER = 1, 152, 33


def test_the_lips_are_the_lip_body_and_both_contours_and_nothing_else():
    lips = set(lip_vertices(load_canonical_mesh(default_model_path()).vertices).tolist())
    assert set(OUTER_LIP) | set(INNER_LIP) <= lips
    assert set(LIPS.tolist()) <= lips  # the points LMD and the mouth opening are measured on
    assert {11, 12, 15, 16} <= lips  # the lip body between the outer and the inner midline points
    assert not lips & {NOSE_TIP, CHIN, LEFT_EYE_CORNER}
    assert len(lips) == 80  # MediaPipe's four lip rings of 20


def test_the_lips_take_the_tracked_shape_at_the_models_mean_position():
    rng = np.random.default_rng(0)
    own = rng.uniform(0, 100, (10, 2))
    lips = np.array([2, 3, 4, 5])
    tracked = own + rng.normal(0, 3, own.shape) + [40.0, -7.0]  # another shape, somewhere else
    out = with_tracked_lips(own, tracked, lips)
    others = np.setdiff1d(np.arange(10), lips)
    np.testing.assert_array_equal(out[others], own[others])
    np.testing.assert_allclose(out[lips].mean(axis=0), own[lips].mean(axis=0))
    np.testing.assert_allclose(out[lips] - out[lips].mean(axis=0), tracked[lips] - tracked[lips].mean(axis=0))


def test_untracked_lips_keep_the_models():
    own = np.arange(20.0).reshape(10, 2)
    tracked = np.full((10, 2), np.nan)
    np.testing.assert_array_equal(with_tracked_lips(own, tracked, np.array([1, 2])), own)
