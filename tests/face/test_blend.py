"""Background matching and compositing on small synthetic inputs."""

import numpy as np

from phadtf_kedro.face.blend import (composite, fill_holes, head_path, keyframes, match_backgrounds, natural_pace,
                                    smooth_track)


def _phadtf_smooth(x, window_len=7):
    """The original's `smooth` (Audio/code/choose_bg_gexinghua2_reassign.py), for comparison."""
    s = np.r_[x[window_len - 1:0:-1], x, x[-2:-window_len - 1:-1]]
    w = np.hanning(window_len)
    return np.convolve(w / w.sum(), s, mode="valid")[window_len // 2:-(window_len // 2)]


def test_smoothing_is_the_originals_and_keeps_constants():
    flat = np.ones((20, 3))
    np.testing.assert_allclose(smooth_track(flat), flat)
    x = np.random.default_rng(0).normal(size=(40, 3))
    for k in range(3):
        np.testing.assert_allclose(smooth_track(x)[:, k], _phadtf_smooth(x[:, k]), atol=1e-12)
    np.testing.assert_allclose(smooth_track(x, taps=1), x)  # < 3 taps: unsmoothed, as the original


def test_keyframes_are_roll_extrema_pruned_to_a_tenth():
    t = np.arange(100)
    roll = np.column_stack([np.zeros(100), np.zeros(100), np.sin(2 * np.pi * t / 40)])
    keys = keyframes(smooth_track(roll))
    assert keys.tolist() == [0, 10, 30, 50, 70, 90, 99]  # the sine's extrema (5 ≤ 100 / 10: none pruned)
    pitch_only = roll[:, ::-1]
    assert keyframes(smooth_track(pitch_only)).tolist() == [0, 99]  # the original looks at axis 2 only
    assert keyframes(smooth_track(pitch_only), axes=(0, 1, 2)).tolist() == keys.tolist()
    fast = np.column_stack([np.zeros((200, 2)), np.sin(2 * np.pi * np.arange(200) / 8)
                            + 0.3 * np.sin(2 * np.pi * np.arange(200) / 61)])
    many = keyframes(fast, max_fraction=1.0)  # unsmoothed: an extremum every 4 frames
    pruned = keyframes(fast)
    assert len(many) > 40 and len(pruned) - 2 <= 20 and set(pruned) <= set(many)


def test_close_keyframes_keep_the_more_extreme_pose():
    track = np.zeros((30, 3))
    track[10, 2], track[11, 2], track[12, 2] = 0.5, 0.2, 0.9  # extrema at 10 (max), 11 (min), 12 (max): 2 apart
    keys = keyframes(track, max_fraction=1.0)
    assert 12 in keys and 10 not in keys and 11 not in keys


def test_a_pose_that_exists_in_the_training_set_gets_that_exact_frame():
    rng = np.random.default_rng(0)
    candidates = rng.normal(0, 0.2, (300, 3))
    for k in (0, 17, 299):
        index, _ = match_backgrounds(np.repeat(candidates[k:k + 1], 40, axis=0), candidates)
        assert (index == k).all()


def test_a_replayed_stretch_is_found_and_followed_frame_by_frame():
    t = np.arange(300)
    candidates = np.column_stack([0.2 * np.sin(t / 15.0), 0.1 * np.cos(t / 23.0), 0.05 * np.sin(t / 7.0)])
    query = candidates[100:160]
    index, keys = match_backgrounds(query, candidates, taps=1)
    assert len(keys) > 2
    np.testing.assert_array_equal(index, np.arange(100, 160))


def test_the_search_window_is_the_time_since_the_previous_keyframe():
    rng = np.random.default_rng(1)
    candidates = rng.normal(0, 0.3, (300, 3))
    query = rng.normal(0, 0.3, (200, 3))  # poses that jump: unrestricted matches would too
    index, keys = match_backgrounds(query, candidates)
    assert len(keys) > 5 and np.abs(np.diff(index)).max() <= 1  # the background never runs faster than real time
    assert len(np.unique(index)) > 20  # but it does move
    index2, _ = match_backgrounds(query, candidates, speed=2.0)
    assert np.abs(np.diff(index2)).max() <= 2 and np.abs(np.diff(index2)).max() == 2
    capped, keys = match_backgrounds(query, candidates, window=1)
    assert np.abs(np.diff(capped[keys])).max() <= 1
    free = [np.argmin(np.abs(candidates - q).sum(1)) for q in query[keys]]
    assert np.abs(np.diff(free)).max() > 50  # (what an unrestricted match would do)


def test_the_head_speed_bound_keeps_a_fast_run_from_turning_the_head_faster_than_the_person():
    t = np.arange(120)
    roll = 0.01 * np.sin(t / 5.0) + np.where(t < 100, 0.0, 0.03 * (t - 100))  # a calm head, then one fast turn
    candidates = np.column_stack([np.zeros(120), np.zeros(120), roll])
    q = np.arange(40)
    query = np.column_stack([np.zeros(40), np.zeros(40), 0.28 * (1 - np.cos(2 * np.pi * q / 20))])  # turns to and fro
    path, steps = head_path(candidates, taps=7)
    assert path[0] == 0 and np.all(np.diff(path) >= 0) and len(steps) == 119
    free, keys = match_backgrounds(query, candidates, speed=20.0)
    bounded, _ = match_backgrounds(query, candidates, speed=20.0, head_speed_quantile=0.5)
    limit = np.quantile(steps, 0.5)  # the calm part's pace
    pace = [abs(path[free[k]] - path[free[b]]) / (k - b) for b, k in zip(keys[:-1], keys[1:])]
    assert len(keys) > 2 and max(pace) > 5 * limit  # unbounded, the background races through the turn
    for before, key in zip(keys[:-1], keys[1:]):  # bounded: no more path than the person's own pace allows
        assert abs(path[bounded[key]] - path[bounded[before]]) <= limit * (key - before) + 1e-12
    np.testing.assert_array_equal(match_backgrounds(query, candidates, speed=20.0, head_speed_quantile=None)[0], free)


def test_natural_pace_moves_one_training_frame_per_output_frame_between_close_matches():
    """Two keyframes 12 output frames apart matched 2 training frames apart: linear crawls (mostly held frames),
    natural goes out and back one frame at a time, on the side whose poses are nearer the query; far matches stay
    linear, the keyframes keep their matches, and no index leaves the training frames."""
    candidates = np.column_stack([np.zeros(40), np.zeros(40), np.linspace(-10, 10, 40)])  # roll rises with the index
    query = np.zeros((25, 3))
    query[:13, 2] = candidates[20, 2] + np.concatenate([np.linspace(0, 3, 7), np.linspace(3, 0, 6)])  # up, back
    keys, chosen = np.array([0, 12, 24]), [20, 22, 38]
    paced = natural_pace(keys, chosen, query, candidates)
    assert paced[keys].tolist() == chosen
    steps = np.diff(paced[:13])
    assert np.abs(steps).max() == 1 and (steps == 0).sum() == 0  # (12 − 2) is even: no hold at all
    assert paced[:13].max() == 27  # out past 22 (the query's roll rises first), not behind 20
    np.testing.assert_array_equal(paced[12:], np.round(np.linspace(22, 38, 13)).astype(int))  # 16 apart: linear
    linear, _ = match_backgrounds(query, candidates, speed=3.0)
    assert (np.diff(linear) == 0).sum() > (np.diff(match_backgrounds(query, candidates, speed=3.0, pace="natural")[0])
                                           == 0).sum()
    edge = natural_pace(np.array([0, 9]), [1, 0], np.zeros((10, 3)), candidates)  # behind 0 is impossible
    assert edge.min() >= 0 and edge[0] == 1 and edge[-1] == 0 and np.abs(np.diff(edge)).max() == 1


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
