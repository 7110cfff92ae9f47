"""The mouth's kernel ridge regressor (models/ridge_expression.py): its closed form, its weights, its RBF part, its
speaker normalisation, the shipped corpus frames, and generate's streamed use of it."""

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
from phadtf_kedro.models.ridge_expression import (fit_ridge, out_of_fold, predict_ridge, speech_features,
                                                  utterance_frames, with_ridge_expression)
from phadtf_kedro.pipelines.generate.nodes import driven_motion
from tests.conftest import ROOT, SHARED_DATA, shared

ROWS = (4, 24)


def _utterances(seed: int, n: int = 3, frames: int = 60):
    rng = np.random.default_rng(seed)
    windows = [rng.normal(size=(frames, 28, 12)).astype(np.float32) for _ in range(n)]
    targets = [rng.normal(size=(frames, 5)) for _ in range(n)]
    return windows, targets


def test_the_linear_kernel_is_weighted_ridge_with_an_unpenalised_intercept():
    windows, targets = _utterances(0)
    alpha = 30.0
    sets = [utterance_frames(windows[:2], targets[:2], ROWS), utterance_frames(windows[2:], targets[2:], ROWS)]
    model = fit_ridge(sets, [1.0, 4.0], alpha, rbf_weight=0.0)
    # the same problem solved directly in the primal: minimise Σ w‖y − xW − b‖² + α‖W‖² (b free)
    x = np.concatenate([speech_features(w, ROWS) for w in windows])
    y = np.concatenate([t - t.mean(axis=0) for t in targets])  # each utterance around its own mean
    w = np.concatenate([np.full(len(t), k) for t, k in zip(targets, [1.0, 1.0, 4.0])])
    xa = np.hstack([x, np.ones((len(x), 1))])
    penalty = np.diag([alpha] * x.shape[1] + [0.0])
    solution = np.linalg.solve(xa.T @ (w[:, None] * xa) + penalty, xa.T @ (w[:, None] * y))
    new, _ = _utterances(9, n=1)
    expected = speech_features(new[0], ROWS) @ solution[:-1] + solution[-1]
    np.testing.assert_allclose(predict_ridge(model, new[0]), expected, rtol=1e-4, atol=1e-5)
    resting = np.arange(5.0)  # the person's own mean expression becomes the intercept's offset
    shifted = fit_ridge(sets, [1.0, 4.0], alpha, rbf_weight=0.0, resting=resting)
    np.testing.assert_allclose(predict_ridge(shifted, new[0]), expected + resting, rtol=1e-4, atol=1e-4)


def test_a_frames_weight_counts_as_that_many_copies_of_it():
    """With the RBF part as well: weight 3 on a set is that set three times over (the weighted centring and the
    weighted dual solve agree with plain repetition)."""
    windows, targets = _utterances(1, n=3)
    corpus, own = utterance_frames(windows[:2], targets[:2], ROWS), utterance_frames(windows[2:], targets[2:], ROWS)
    weighted = fit_ridge([corpus, own], [1.0, 3.0], 50.0, rbf_weight=300.0, sigma=20.0)
    repeated = fit_ridge([corpus, own, own, own], [1.0, 1.0, 1.0, 1.0], 50.0, rbf_weight=300.0, sigma=20.0)
    new, _ = _utterances(8, n=1)
    np.testing.assert_allclose(predict_ridge(weighted, new[0]), predict_ridge(repeated, new[0]), rtol=1e-4, atol=1e-5)
    assert fit_ridge([corpus, own], [1.0, 0.0], 50.0)["support"].shape == corpus["features"].shape  # weight 0: left out
    with pytest.raises(PhadtfError, match="MFCC rows"):
        fit_ridge([corpus, utterance_frames(windows, targets, (0, 20))], [1.0, 1.0], 50.0)


def test_the_rbf_part_learns_what_no_linear_map_can():
    """Targets that are even or periodic functions of the features: the linear ridge cannot follow them on new
    frames, the kernel's RBF part does."""
    rows, rng = (4, 6), np.random.default_rng(3)

    def utterance():
        windows = rng.normal(size=(200, 28, 12)).astype(np.float32)
        x = speech_features(windows, rows)
        return windows, np.stack([x[:, 0] ** 2 + np.abs(x[:, 1]), np.cos(x[:, 2])], axis=1)

    train, (held_windows, held_targets) = [utterance() for _ in range(4)], utterance()
    frames = utterance_frames([w for w, _ in train], [t for _, t in train], rows)

    def held_out_r(model):
        predicted = predict_ridge(model, held_windows)
        return [np.corrcoef(predicted[:, k], held_targets[:, k])[0, 1] for k in range(2)]

    assert max(held_out_r(fit_ridge([frames], [1.0], 1.0, rbf_weight=0.0))) < 0.2
    assert min(held_out_r(fit_ridge([frames], [1.0], 1.0, rbf_weight=100.0, sigma=5.0))) > 0.8


def test_out_of_fold_predicts_each_block_without_its_own_targets():
    windows, targets = _utterances(4, n=4)
    general = utterance_frames(windows[:3], targets[:3], ROWS)
    params = {"alpha": 30.0, "own_weight": 5.0, "rbf_weight": 10.0, "sigma": 20.0, "smooth": 3}
    own_windows, own = windows[3], targets[3]
    held_out = out_of_fold(general, own_windows, own, params, folds=3)
    changed = own.copy()
    changed[:20] += np.random.default_rng(5).normal(size=(20, 5))  # block 0's own targets
    again = out_of_fold(general, own_windows, changed, params, folds=3)
    np.testing.assert_allclose(again[:20], held_out[:20], atol=1e-9)  # block 0 is predicted without them
    assert np.abs(again[20:] - held_out[20:]).max() > 1e-3  # the other blocks learn from them


def test_prediction_in_chunks_is_the_one_pass_prediction(monkeypatch):
    windows, targets = _utterances(7, n=2)
    model = fit_ridge([utterance_frames(windows, targets, ROWS)], [1.0], 5.0, rbf_weight=300.0, smooth=3)
    whole = predict_ridge(model, windows[0])
    monkeypatch.setattr("phadtf_kedro.models.ridge_expression.PREDICT_CHUNK", 7)  # 60 frames: 9 chunks
    np.testing.assert_allclose(predict_ridge(model, windows[0]), whole, rtol=1e-6, atol=1e-7)
    assert predict_ridge(model, windows[0][:0]).shape == (0, 5)


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
    frames = utterance_frames(windows, targets, ROWS, valid=[valid])
    assert len(frames["features"]) == len(frames["targets"]) == valid.sum()
    assert np.abs(frames["targets"].mean(axis=0)).max() < 1e-5 and np.abs(frames["targets"]).max() < 10
    np.testing.assert_allclose(frames["features"], speech_features(windows[0], ROWS)[valid], rtol=1e-6)  # CMVN: all


def test_smoothing_and_atcnet_marker():
    windows, targets = _utterances(5, n=1)
    model = fit_ridge([utterance_frames(windows, targets, ROWS)], [1.0], 1.0, smooth=1)
    rough = predict_ridge(model, windows[0])
    smooth = predict_ridge({**model, "smooth": np.array(5)}, windows[0])
    assert np.diff(smooth, axis=0).std() < 0.5 * np.diff(rough, axis=0).std()
    predicted = np.random.default_rng(6).normal(size=(60, 11)).astype(np.float32)
    replaced = with_ridge_expression(predicted, model, windows[0])
    np.testing.assert_array_equal(replaced[:, 5:], predicted[:, 5:])  # the pose stays ATCNet's
    np.testing.assert_allclose(replaced[:, :5], rough, rtol=1e-6)
    assert with_ridge_expression(predicted, {"model": np.array("atcnet")}, windows[0]) is predicted


def test_shipped_corpus_frames_come_from_the_general_atcnets_corpus(tmp_path):
    """The packaged corpus frames load when no local ones exist, and hash the same corpus frames the shipped general
    ATCNet learned from (train_general's `general_sequences`); their .json says so."""
    frames = TensorsDataset(str(tmp_path / "none.safetensors"), packaged="ridge_general.safetensors").load()
    atcnet = ATCNetDataset(str(tmp_path / "none.safetensors"), optional=True, packaged="atcnet_general.safetensors").load()
    assert list(frames["clips"]) == atcnet.trained_meta["clips"] and list(frames["persons"]) == []
    assert str(frames["data"]) == atcnet.trained_meta["data"]
    base = yaml.safe_load((ROOT / "conf" / "base" / "parameters_audio_motion.yml").read_text())["audio_motion"]
    assert list(frames["rows"]) == base["expression"]["rows"] and frames["features"].shape[1] == 240
    assert len(frames["features"]) == len(frames["targets"]) > 1000 and frames["targets"].shape[1] == 52
    manifest = json.loads((ROOT / "src" / "phadtf_kedro" / "assets" / "ridge_general.json").read_text())
    assert manifest["clips"] == list(frames["clips"]) and manifest["data"] == str(frames["data"])
    assert manifest["frames"] == len(frames["features"]) and manifest["rows"] == list(frames["rows"])


def test_tensors_round_trip_through_safetensors(tmp_path):
    """TensorsDataset: numbers (0-d included) as tensors, text in the metadata, the packaged copy only while no
    local one exists, and an unreadable file is one line."""
    data = {"weight": np.array(12.5), "sum_xy": np.arange(6.0).reshape(2, 3), "rows": np.array([4, 24]),
            "clips": np.array(["a", "b"]), "data": np.array("e98170")}
    local = tmp_path / "general" / "ridge_frames.safetensors"
    TensorsDataset(str(local), packaged="ridge_general.safetensors").save(data)
    back = TensorsDataset(str(local), packaged="ridge_general.safetensors").load()
    assert back.keys() == data.keys() and back["weight"].shape == () and str(back["data"]) == "e98170"
    assert all(np.array_equal(back[k], data[k]) for k in data)
    local.write_bytes(b"not a safetensors file")
    with pytest.raises(Exception, match=r"ridge_frames.safetensors: unreadable safetensors file") as caught:
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
    model = fit_ridge([utterance_frames([windows], [rng.normal(size=(n_frames, 52))], ROWS)], [1.0], 10.0,
                      rbf_weight=3000.0, sigma=20.0, smooth=3)
    torch.manual_seed(0)
    net = ATCNet(ATCNetConfig(conv_channels=(4, 8, 8, 8, 8), fc=(16,), lstm_hidden=8, lstm_layers=1)).eval()
    streamed = driven_motion(net, model, Audio(samples, 16000))["predicted"]
    one_pass = with_ridge_expression(net.predict(torch.from_numpy(windows)).numpy(), model, windows)
    np.testing.assert_allclose(streamed, one_pass, rtol=1e-4, atol=1e-5)
