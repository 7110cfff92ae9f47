"""The preprocessing pipeline on the real clip 31.mp4 (24.28 s, 1280×720, 25 fps), checked for real properties."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from tests.pipelines.conftest import finetune_run, load31

pytestmark = pytest.mark.slow


def _yaw_pitch_deg(transform):
    r = transform[:, :3, :3]
    yaw = np.degrees(np.arctan2(r[:, 0, 2], r[:, 2, 2]))
    pitch = np.degrees(np.arctan2(-r[:, 1, 2], np.hypot(r[:, 0, 2], r[:, 2, 2])))
    return yaw, pitch


def test_every_25fps_frame_is_tracked_with_one_face(run31):
    tracks = load31(run31, "03_primary", "face_tracks.npz")
    assert len(tracks["num_faces"]) == round(25 * 24.28)
    assert (tracks["num_faces"] == 1).all()
    assert tracks["landmarks"].shape == (607, 478, 3) and tracks["blendshapes"].shape == (607, 52)
    assert "jawOpen" in tracks["blendshape_names"].tolist()


def test_head_pose_is_plausible_and_moves(run31):
    yaw, pitch = _yaw_pitch_deg(load31(run31, "03_primary", "face_tracks.npz")["transform"])
    assert np.abs(yaw).max() < 30 and np.abs(pitch).max() < 30
    assert yaw.max() - yaw.min() > 5  # she turns her head (about −11°…+9° measured by the data's README)


def test_jaw_opening_follows_the_speech(run31):
    """jawOpen rises with the speech band's energy (1–3 kHz: on this clip low-frequency room noise swamps broadband
    RMS, whose correlation with jawOpen measured −0.02, so the formant band is the honest 'audio energy')."""
    tracks = load31(run31, "03_primary", "face_tracks.npz")
    jaw = tracks["blendshapes"][:, tracks["blendshape_names"].tolist().index("jawOpen")]
    audio, rate = sf.read(run31 / "data" / "02_intermediate" / "31" / "audio_16k.wav", dtype="float32")
    assert rate == 16000 and audio.ndim == 1 and len(audio) == 607 * 640
    spec = np.abs(np.fft.rfft(np.pad(audio, (320, 320))[: 607 * 640 + 640].reshape(-1, 640)[:607], axis=1)) ** 2
    freqs = np.fft.rfftfreq(640, 1 / 16000)
    energy = np.log(spec[:, (freqs >= 1000) & (freqs < 3000)].sum(axis=1) + 1e-6)
    assert np.corrcoef(jaw, energy)[0, 1] > 0.2
    report = json.loads((run31 / "data" / "08_reporting" / "31" / "preprocessing.json").read_text())
    assert report["jaw_speech_corr"] > 0.2


def test_crops_are_stable_and_hold_the_face(run31):
    crops = load31(run31, "02_intermediate", "face_crops.npz")["crops"]
    tracks = load31(run31, "03_primary", "face_tracks.npz")
    assert crops.shape == (607, 256, 256, 3) and crops.dtype == np.uint8
    lms = tracks["crop_landmarks"][..., :2]
    assert lms.min() > 0 and lms.max() < 256
    report = json.loads((run31 / "data" / "08_reporting" / "31" / "preprocessing.json").read_text())
    assert report["crop_jitter_px"] < 1.0  # full-frame px on a ~440 px box; includes ±0.5 px integer rounding
    assert report["landmark_jitter_px"] < 1.0
    # the crop transform maps full-frame landmarks onto the crop landmarks
    a = tracks["crop_affine"][100]
    np.testing.assert_allclose(tracks["landmarks"][100, :, :2] @ a[:, :2].T + a[:, 2], lms[100], atol=1e-2)


def test_mfcc_windows(run31):
    feats = load31(run31, "04_feature", "mfcc_windows.npz")
    assert feats["windows"].shape == (607, 28, 12)
    assert np.isfinite(feats["windows"]).all()


def test_run_is_logged_to_mlflow(run31):
    client, run = finetune_run(run31)
    assert run.data.params["person_id"] == "31"
    assert run.data.metrics["preprocessing.detection_rate"] == 1.0
    assert run.data.metrics["preprocessing.frames"] == 607
    artifacts = [a.path for a in client.list_artifacts(run.info.run_id, "preprocessing")]
    assert "preprocessing/preprocessing_contact_sheet.png" in artifacts
