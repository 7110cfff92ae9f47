"""Background matching and compositing on small synthetic inputs."""

import numpy as np

from phadtf_kedro.face.blend import composite, fill_holes, keyframes, match_backgrounds, smooth_track


def test_smoothing_keeps_constants_and_keyframes_find_turns():
    flat = np.ones((20, 3))
    np.testing.assert_allclose(smooth_track(flat), flat)
    t = np.arange(100)
    track = np.column_stack([np.sin(2 * np.pi * t / 50), np.zeros(100), np.zeros(100)])
    keys = keyframes(smooth_track(track))
    assert keys[0] == 0 and keys[-1] == 99
    for peak in (12, 37, 62, 87):  # the sine's extrema
        assert np.min(np.abs(keys - peak)) <= 1


def test_a_pose_that_exists_in_the_training_set_gets_that_exact_frame():
    rng = np.random.default_rng(0)
    candidates = rng.normal(0, 0.2, (300, 3))
    for k in (0, 17, 299):
        index, _ = match_backgrounds(np.repeat(candidates[k:k + 1], 40, axis=0), candidates)
        assert (index == k).all()


def test_matches_follow_a_replayed_pose_track_and_respect_the_window():
    t = np.arange(300)
    candidates = np.column_stack([0.2 * np.sin(t / 15.0), 0.1 * np.cos(t / 23.0), 0.05 * np.sin(t / 7.0)])
    query = candidates[100:160]
    index, keys = match_backgrounds(query, candidates, taps=1)  # no smoothing: keyframes are exact poses
    assert (index[keys] == np.arange(100, 160)[keys]).all()
    narrow, _ = match_backgrounds(query[::-1], candidates, window=3)
    assert np.abs(np.diff(narrow)).max() <= 3


def test_fill_holes_and_composite():
    ring = np.zeros((40, 40), bool)
    ring[5:35, 5:35] = True
    ring[15:25, 15:25] = False
    assert fill_holes(ring)[20, 20] and not fill_holes(ring)[2, 2]
    rgba = np.zeros((40, 40, 4), np.uint8)
    rgba[ring] = [200, 100, 50, 255]
    background = np.full((40, 40, 3), 10, np.uint8)
    out = composite(rgba, background, erode_px=1, feather_sigma=1.0)
    assert (out[0, 0] == 10).all() and (out[20, 20] == 10).all()  # outside and in the hole: background
    assert np.abs(out[10, 10].astype(int) - [200, 100, 50]).max() <= 3  # well inside: the render
    edge = out[5:9, 20, 0].astype(int)
    assert (np.diff(edge) >= 0).all() and 10 < edge[1] < 200  # feathered edge ramps up inward


def test_nothing_to_match_gives_nothing():
    index, keys = match_backgrounds(np.zeros((0, 3)), np.zeros((5, 3)))
    assert index.shape == keys.shape == (0,)
