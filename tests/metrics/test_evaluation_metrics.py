"""HS, LMD, mouth opening and the sync proxy on synthetic tracks with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from phadtf_kedro.metrics.mouth import LIPS, landmark_distance, mouth_opening, similarity_transform
from phadtf_kedro.metrics.pose import head_pose_similarity, pose_rmse_deg
from phadtf_kedro.metrics.sync import sync_offset

RNG = np.random.default_rng(0)


def head_track(n=400, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 25.0
    return np.radians(np.column_stack([3 * np.sin(0.7 * t + rng.uniform(0, 6)), 6 * np.sin(0.3 * t + 1),
                                       2 * np.sin(1.1 * t)])) + np.radians(rng.normal(0, 0.3, (n, 3)))


def test_hs_identical_is_one_and_unrelated_is_low():
    real = head_track()
    assert head_pose_similarity(real, real) == pytest.approx(1.0)
    assert head_pose_similarity(real, real + np.radians(40.0)) == 0.0  # disjoint ranges
    frozen = np.repeat(real[:1], len(real), axis=0)
    assert head_pose_similarity(frozen, real) < 0.35  # a still head shares one bin per angle
    other_take = head_track(seed=1)  # same habits, other moments: similar distributions
    assert head_pose_similarity(other_take, real) > 0.6


def test_pose_rmse_in_degrees():
    real = head_track()
    assert pose_rmse_deg(real, real) == 0.0
    assert pose_rmse_deg(real + np.radians(2.0), real) == pytest.approx(2.0)


def face(n=478):
    return RNG.uniform(60, 200, (n, 3))


def test_lmd_ignores_where_the_face_sits_but_sees_the_lips():
    real = face()
    angle = np.radians(10)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    moved = real.copy()
    moved[:, :2] = 1.3 * real[:, :2] @ rot.T + [15.0, -7.0]  # another crop box: scaled, rotated, shifted
    assert landmark_distance(moved[None], real[None])[0] == pytest.approx(0.0, abs=1e-9)
    lips_off = moved.copy()
    lips_off[LIPS, 1] += 1.3 * 4.0  # lips 4 px (in the real frame's scale) lower
    assert landmark_distance(lips_off[None], real[None])[0] == pytest.approx(4.0, rel=1e-6)
    missing = np.full_like(real, np.nan)
    assert np.isnan(landmark_distance(missing[None], real[None])[0])


def test_similarity_transform_recovers_scale_rotation_shift():
    src = RNG.normal(size=(30, 2))
    rot = np.array([[0.8, -0.6], [0.6, 0.8]])
    s, r, t = similarity_transform(src, 2.0 * src @ rot.T + [1.0, 2.0])
    assert s == pytest.approx(2.0) and np.allclose(r, rot) and np.allclose(t, [1.0, 2.0])


def test_mouth_opening_is_scale_free():
    lm = face()
    lm[13, :2], lm[14, :2], lm[33, :2], lm[263, :2] = (100, 100), (100, 110), (80, 80), (120, 80)
    assert mouth_opening(lm[None])[0] == pytest.approx(0.25)
    assert mouth_opening((lm * 3)[None])[0] == pytest.approx(0.25)


def test_sync_offset_finds_the_lag():
    envelope = np.convolve(RNG.normal(size=500), np.ones(5) / 5, mode="same")
    mouth = np.roll(envelope, 3) + RNG.normal(0, 0.05, 500)  # the mouth follows the sound by 3 frames
    lag, corr = sync_offset(mouth, envelope, max_lag=8)
    assert lag == 3 and corr > 0.9
    assert sync_offset(np.roll(envelope, -2), envelope)[0] == -2
    assert sync_offset(np.ones(500), envelope) == (0, 0.0)  # a still mouth has no sync
