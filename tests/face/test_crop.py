import numpy as np

from phadtf_kedro.face.crop import crop_affine, cut_crop, integer_box, stable_boxes, to_crop_coords
from phadtf_kedro.metrics.tracking import jitter


def _face(t_count=120, noise=1.5, seed=0):
    """A square of 40 'landmarks' drifting right, with per-frame tracker noise."""
    rng = np.random.default_rng(seed)
    base = rng.uniform(0, 100, (40, 2))
    drift = np.linspace(0, 30, t_count)[:, None, None] * np.array([1.0, 0.0])
    return base[None] + 200 + drift + rng.normal(0, noise, (t_count, 40, 2))


def test_smoothing_removes_jitter_but_follows_motion():
    lms = _face()
    raw_center = (lms.min(axis=1) + lms.max(axis=1)) / 2
    boxes = stable_boxes(lms, margin=1.5)
    center = boxes[:, :2] + boxes[:, 2:3] / 2
    assert jitter(center) < 0.25 * jitter(raw_center)
    assert abs((center[-10, 0] - center[10, 0]) - 30 * 100 / 119) < 3  # follows the drift


def test_gaps_are_interpolated():
    lms = _face(noise=0.0)
    lms[50:60] = np.nan
    boxes = stable_boxes(lms)
    assert np.isfinite(boxes).all()


def test_affine_maps_box_to_crop_and_points_follow():
    box = (100, 50, 200)
    a = crop_affine(box, 256)
    pts = np.array([[100.0, 50.0, 10.0], [300.0, 250.0, 0.0]])
    mapped = to_crop_coords(pts, a)
    np.testing.assert_allclose(mapped[:, :2], [[0, 0], [256, 256]], atol=1e-4)
    assert mapped[0, 2] == np.float32(10 * 256 / 200)


def test_cut_crop_pads_outside_the_frame_and_keeps_content():
    frame = np.zeros((100, 100, 3), np.uint8)
    frame[40:60, 40:60] = 255
    crop = cut_crop(frame, integer_box(np.array([-20.0, -20.0, 140.0])), 70)
    assert crop.shape == (70, 70, 3)
    # the white square (frame 40..60) sits at crop (40+20)/2 .. (60+20)/2 = 30..40
    assert crop[35, 35].min() > 200 and crop[10, 10].max() == 0


def test_jitter_is_zero_for_linear_motion_and_grows_with_noise():
    t = np.arange(50, dtype=float)[:, None]
    line = np.hstack([t, 2 * t])
    assert jitter(line) < 1e-9
    noisy = line + np.random.default_rng(1).normal(0, 1.0, line.shape)
    assert jitter(noisy) > 0.5
