"""The evaluation's liveliness and sharpness metrics on constructed cases where each must move the right way."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from phadtf_kedro.metrics.image import frame_psnrs, laplacian_variance, psnr
from phadtf_kedro.metrics.motion import std_ratio
from phadtf_kedro.metrics.pose import head_pose_velocity_similarity, pose_std_ratio
from phadtf_kedro.metrics.sync import beat_align, correlation, motion_beats
from tests.metrics.test_evaluation_metrics import head_track

RNG = np.random.default_rng(1)


def test_a_frozen_head_has_no_spread_and_no_velocity():
    real = head_track()
    frozen = np.repeat(real[:1], len(real), axis=0)
    assert pose_std_ratio(frozen, real) == pytest.approx(0.0, abs=1e-12)
    assert head_pose_velocity_similarity(frozen, real) < 0.15  # the share of real changes within one 0.1° bin
    assert pose_std_ratio(real, real) == pytest.approx(1.0)
    assert head_pose_velocity_similarity(real, real) == pytest.approx(1.0)
    assert head_pose_velocity_similarity(head_track(seed=1), real) > 0.6  # same habits, other moments
    half = real.mean(axis=0) + 0.5 * (real - real.mean(axis=0))
    assert pose_std_ratio(half, real) == pytest.approx(0.5)


def test_a_blurred_copy_is_less_than_half_as_sharp():
    image = (RNG.uniform(0, 255, (128, 128, 3))).astype(np.uint8)
    image = cv2.GaussianBlur(image, (0, 0), 0.7)  # a textured, natural-ish image
    blurred = cv2.GaussianBlur(image, (0, 0), 2.0)
    mask = np.zeros((128, 128), bool)
    mask[20:100, 30:110] = True
    ratio = laplacian_variance(blurred, mask) / laplacian_variance(image, mask)
    assert ratio < 0.5
    assert laplacian_variance(image, mask) == pytest.approx(laplacian_variance(image.copy(), mask))
    assert np.isnan(laplacian_variance(image, np.zeros_like(mask)))


def test_mouth_corr_collapses_on_shuffled_audio_driven_mouths():
    t = np.arange(500)
    real = np.convolve(RNG.normal(size=500), np.ones(6) / 6, mode="same") + 0.2
    follows = 0.8 * real + RNG.normal(0, 0.01, 500)  # a mouth that follows the real one, a little calmer
    shuffled = follows[RNG.permutation(500)]  # the same movements in another order (other speech)
    assert correlation(follows, real) > 0.95
    assert abs(correlation(shuffled, real)) < 0.15
    assert std_ratio(follows, real) == pytest.approx(0.8, abs=0.05)
    assert std_ratio(np.full(500, 0.3), real) == pytest.approx(0.0, abs=1e-9)
    assert np.isnan(std_ratio(real, np.full_like(t, 1.0, dtype=float)))


def test_psnr_per_frame_averages_frames_not_pixels():
    real = np.full((2, 8, 8, 3), 100, np.uint8)
    gen = real.copy()
    gen[0] += 1  # frame 0 off by one level, frame 1 off by ten
    gen[1] += 10
    pooled, per_frame = frame_psnrs(gen, real)
    assert per_frame == pytest.approx((psnr(gen[0], real[0]) + psnr(gen[1], real[1])) / 2)
    assert pooled == pytest.approx(psnr(gen, real))
    assert per_frame > pooled + 5.0  # the pooled MSE is dominated by the bad frame
    assert frame_psnrs(real, real) == (float("inf"), float("inf"))


def test_beats_of_a_nodding_head_align_with_onsets_and_a_still_head_has_none():
    t = np.arange(400)
    pitch = np.radians(4.0) * np.sin(2 * np.pi * t / 40)  # turning points every 20 frames
    angles = np.column_stack([pitch, 0 * t, 0 * t])
    beats = motion_beats(angles)
    assert len(beats) >= 15 and np.all(np.minimum((beats - 10) % 20, 20 - (beats - 10) % 20) <= 2)  # at the turning points
    onsets = np.arange(10, 390, 20)
    assert beat_align(onsets, beats) > 0.8
    assert beat_align(onsets + 10, beats) < 0.1  # onsets halfway between beats
    still = np.radians(RNG.normal(0, 0.005, (400, 3)))  # tracker noise only
    assert len(motion_beats(still)) == 0 and beat_align(onsets, motion_beats(still)) == 0.0


def test_a_video_frame_shown_with_its_own_head_is_as_sharp_as_itself():
    """Sharpness is measured inside the shown head's face hull: a real frame whose head sits elsewhere than the real
    held-out head (`static`, `replay`, a matched background) scores its own sharpness, not that of hair or room."""
    from phadtf_kedro.evaluation.frames import RowCutter, hull_mask

    frame = np.full((240, 320, 3), 128, np.uint8)
    face = cv2.GaussianBlur(RNG.uniform(0, 255, (80, 80, 3)).astype(np.uint8), (0, 0), 0.7)
    frame[40:120, 200:280] = face  # the shown head's face: textured; everything else is flat
    circle = np.stack([np.cos(a := np.linspace(0, 2 * np.pi, 24, endpoint=False)), np.sin(a)], 1) * 30
    # frame 0: the shown head, centred in its box; frame 1: the real head, off-centre in its box (turned, say)
    landmarks = np.stack([circle + (240, 80), circle + (45, 125)])
    boxes = np.array([[180, 20, 120], [20, 100, 121]])  # the real box one pixel larger: no resampling either
    _, shown = RowCutter({"crop_boxes": boxes, "landmarks": landmarks}, 64).cut(frame, head_frame=0)
    mask = hull_mask(circle + 60, 120)
    assert shown == pytest.approx(laplacian_variance(frame[20:140, 180:300], mask)) and shown > 100
