"""The mouth's ridge regressor (models/ridge_expression.py): its closed form, its statistics, its speaker
normalisation, the shipped corpus statistics, and generate's streamed use of it."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf
import torch
import yaml

from phadtf_kedro.audio.io import Audio
from phadtf_kedro.audio.mfcc import mfcc_windows
from phadtf_kedro.datasets import ATCNetDataset, TensorsDataset
from phadtf_kedro.errors import PhadtfError
from phadtf_kedro.models.atcnet import ATCNet, ATCNetConfig
from phadtf_kedro.models.ridge_expression import (add_statistics, fit_ridge, predict_ridge, ridge_statistics,
                                                  speech_features, with_ridge_expression)
from phadtf_kedro.pipelines.generate.nodes import driven_motion
from tests.conftest import ROOT, SHARED_DATA, shared

ROWS = (4, 24)


def _utterances(seed: int, n: int = 3, frames: int = 60):
    rng = np.random.default_rng(seed)
    windows = [rng.normal(size=(frames, 28, 12)).astype(np.float32) for _ in range(n)]
    targets = [rng.normal(size=(frames, 5)) for _ in range(n)]
    return windows, targets


def test_the_fit_is_weighted_ridge_with_an_unpenalised_intercept():
    windows, targets = _utterances(0)
    weights = [1.0, 1.0, 4.0]
    stats = ridge_statistics(windows[:2], targets[:2], ROWS)
    stats = add_statistics(stats, ridge_statistics(windows[2:], targets[2:], ROWS, weight=4.0))
    alpha = 30.0
    model = fit_ridge(stats, alpha)
    # the same problem solved directly: minimise Σ w‖y − xW − b‖² + α‖W‖² (b free)
    x = np.concatenate([speech_features(w, ROWS) for w in windows])
    y = np.concatenate([t - t.mean(axis=0) for t in targets])  # each utterance around its own mean
    w = np.concatenate([np.full(len(t), k) for t, k in zip(targets, weights)])
    xa = np.hstack([x, np.ones((len(x), 1))])
    penalty = np.diag([alpha] * x.shape[1] + [0.0])
    solution = np.linalg.solve(xa.T @ (w[:, None] * xa) + penalty, xa.T @ (w[:, None] * y))
    np.testing.assert_allclose(model["coef"], solution[:-1], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(model["intercept"], solution[-1], rtol=1e-4, atol=1e-6)
    resting = np.arange(5.0)  # the person's own mean expression becomes the intercept's offset
    np.testing.assert_allclose(fit_ridge(stats, alpha, resting=resting)["intercept"], solution[-1] + resting, atol=1e-5)


def test_statistics_of_two_sets_add_up_to_those_of_both():
    windows, targets = _utterances(1, n=4)
    both = ridge_statistics(windows, targets, ROWS)
    parts = add_statistics(ridge_statistics(windows[:1], targets[:1], ROWS), ridge_statistics(windows[1:], targets[1:], ROWS))
    for key in ("weight", "sum_x", "sum_y", "sum_xx", "sum_xy"):
        np.testing.assert_allclose(parts[key], both[key], rtol=1e-10, atol=1e-9)
    with pytest.raises(PhadtfError, match="MFCC rows"):
        add_statistics(both, ridge_statistics(windows, targets, (0, 20)))


def test_speaker_normalisation_removes_each_coefficients_offset_and_scale():
    """CMVN: a voice (or microphone) that shifts and scales every cepstral coefficient gives the same features."""
    windows, _ = _utterances(2, n=1)
    rng = np.random.default_rng(3)
    other_voice = windows[0] * rng.uniform(0.5, 2.0, 12) + rng.normal(0, 5, 12)
    np.testing.assert_allclose(speech_features(other_voice, ROWS), speech_features(windows[0], ROWS), atol=1e-5)
    features = speech_features(windows[0], ROWS)
    assert features.shape == (60, 20 * 12)


def test_only_tracked_frames_are_learned_from_each_around_its_own_mean():
    windows, targets = _utterances(4, n=1)
    valid = np.arange(60) % 3 != 0
    targets[0][~valid] = 1e6  # what an untracked frame's gap-filled target must not reach
    targets[0][valid] += 50.0  # another resting face: learned as motion around it, not as an offset
    stats = ridge_statistics(windows, targets, ROWS, valid=[valid])
    assert float(stats["weight"]) == valid.sum() and np.abs(stats["sum_y"]).max() < 1e-6
    assert np.abs(stats["sum_xy"]).max() < 1e3


def test_smoothing_and_atcnet_marker():
    windows, targets = _utterances(5, n=1)
    model = fit_ridge(ridge_statistics(windows, targets, ROWS), 1.0, smooth=1)
    rough = predict_ridge(model, windows[0])
    smooth = predict_ridge({**model, "smooth": np.array(5)}, windows[0])
    assert np.diff(smooth, axis=0).std() < 0.5 * np.diff(rough, axis=0).std()
    predicted = np.random.default_rng(6).normal(size=(60, 11)).astype(np.float32)
    replaced = with_ridge_expression(predicted, model, windows[0])
    np.testing.assert_array_equal(replaced[:, 5:], predicted[:, 5:])  # the pose stays ATCNet's
    np.testing.assert_allclose(replaced[:, :5], rough, rtol=1e-6)
    assert with_ridge_expression(predicted, {"model": np.array("atcnet")}, windows[0]) is predicted


def test_shipped_statistics_come_from_the_general_atcnets_corpus(tmp_path):
    """The packaged statistics load when no local ones exist, and hash the same corpus frames the shipped general
    ATCNet learned from (train_general's `general_sequences`); their .json says so."""
    stats = TensorsDataset(str(tmp_path / "none.safetensors"), packaged="ridge_general.safetensors").load()
    atcnet = ATCNetDataset(str(tmp_path / "none.safetensors"), optional=True, packaged="atcnet_general.safetensors").load()
    assert list(stats["clips"]) == atcnet.trained_meta["clips"] and list(stats["persons"]) == []
    assert str(stats["data"]) == atcnet.trained_meta["data"]
    base = yaml.safe_load((ROOT / "conf" / "base" / "parameters_audio_motion.yml").read_text())["audio_motion"]
    assert list(stats["rows"]) == base["expression"]["rows"] and stats["sum_xy"].shape == (240, 52)
    assert float(stats["weight"]) > 1000  # tracked corpus frames
    manifest = json.loads((ROOT / "src" / "phadtf_kedro" / "assets" / "ridge_general.json").read_text())
    assert manifest["clips"] == list(stats["clips"]) and manifest["data"] == str(stats["data"])
    assert manifest["frames"] == int(stats["weight"]) and manifest["rows"] == list(stats["rows"])


def test_statistics_round_trip_through_safetensors(tmp_path):
    """TensorsDataset: numbers (0-d included) as tensors, text in the metadata, the packaged copy only while no
    local one exists, and an unreadable file is one line."""
    data = {"weight": np.array(12.5), "sum_xy": np.arange(6.0).reshape(2, 3), "rows": np.array([4, 24]),
            "clips": np.array(["a", "b"]), "data": np.array("e98170")}
    local = tmp_path / "general" / "ridge_statistics.safetensors"
    TensorsDataset(str(local), packaged="ridge_general.safetensors").save(data)
    back = TensorsDataset(str(local), packaged="ridge_general.safetensors").load()
    assert back.keys() == data.keys() and back["weight"].shape == () and str(back["data"]) == "e98170"
    assert all(np.array_equal(back[k], data[k]) for k in data)
    local.write_bytes(b"not a safetensors file")
    with pytest.raises(Exception, match=r"ridge_statistics.safetensors: unreadable safetensors file") as caught:
        TensorsDataset(str(local)).load()
    assert isinstance(caught.value.__cause__ or caught.value, PhadtfError)  # Kedro wraps it; the CLI shows this line


def test_generate_streams_the_same_expression_as_one_pass():
    """driven_motion keeps only the rows the regressor reads while ATCNet streams; the result is the one-pass one."""
    samples, rate = sf.read(shared(SHARED_DATA / "audio" / "obama_weekly_13s.wav"), dtype="float32")
    samples = (samples.mean(axis=1) if samples.ndim > 1 else samples)[:16000 * 12]  # 300 frames: two MOTION_CHUNKs
    assert rate == 16000
    n_frames = 300
    windows, _ = mfcc_windows(samples, n_frames)
    rng = np.random.default_rng(7)
    model = fit_ridge(ridge_statistics([windows], [rng.normal(size=(n_frames, 52))], ROWS), 10.0, smooth=3)
    torch.manual_seed(0)
    net = ATCNet(ATCNetConfig(conv_channels=(4, 8, 8, 8, 8), fc=(16,), lstm_hidden=8, lstm_layers=1)).eval()
    streamed = driven_motion(net, model, Audio(samples, 16000))["predicted"]
    one_pass = with_ridge_expression(net.predict(torch.from_numpy(windows)).numpy(), model, windows)
    np.testing.assert_allclose(streamed, one_pass, rtol=1e-4, atol=1e-5)
