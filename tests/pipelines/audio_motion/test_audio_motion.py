"""audio_motion on the real clip 31.mp4 (tiny preset): the start gate keeps the general network or one from scratch, and
the one kept hears held-out speech better than an untrained network; start=general is the shipped ATCNet as it is; the stored calibration gives the training frames the person's own
spread; train_general → fine-tune really starts from the local general weights; a local general checkpoint of another
config is refused, while the shipped one of another config falls back to training from scratch."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from phadtf_kedro.datasets import TensorsDataset
from phadtf_kedro.errors import PhadtfError
from phadtf_kedro.models.atcnet import ATCNet
from phadtf_kedro.models.ridge_expression import predict_ridge, with_ridge_expression
from phadtf_kedro.pipelines.audio_motion.nodes import (calibrate_atcnet, fit_expression_ridge, motion_sequences,
                                                      network_config)
from phadtf_kedro.training.calibration import apply_calibration
from phadtf_kedro.training.motion import Sequences
from tests.conftest import ROOT, run_session
from tests.pipelines.conftest import finetune_run, load31

pytestmark = pytest.mark.slow
SHIPPED = "phadtf_kedro/assets/atcnet_general.safetensors"


def _report(project):
    return json.loads((project / "data" / "08_reporting" / "31" / "audio_motion.json").read_text())


def test_the_start_gate_decides_and_the_network_beats_an_untrained_one(run31):
    """31.mp4: the start gate scores both candidates on the training part's last 50 frames and keeps the better
    head pose (the ridge gives the expression, ATCNet the pose); whichever it keeps hears held-out speech better than
    an untrained network."""
    report = _report(run31)
    assert report["heldout_frames"] == 307
    general, scratch = report["start_gate_general_pose_hs"], report["start_gate_scratch_pose_hs"]
    assert 0 <= min(general, scratch) <= max(general, scratch) <= 1
    assert report["start"] == ("scratch" if scratch > general else f"general:{SHIPPED}")
    motion = motion_sequences(load31(run31, "04_feature", "coefficients.npz"),
                              load31(run31, "04_feature", "mfcc_windows.npz"))
    from phadtf_kedro.datasets import ATCNetDataset

    trained = ATCNetDataset(str(run31 / "data" / "06_models" / "31" / "atcnet.safetensors")).load()
    torch.manual_seed(0)
    untrained = ATCNet(trained.config)
    train = motion["train"]
    untrained.set_target_stats(*Sequences([motion["windows"][train]], [motion["targets"][train]]).stats())
    held, jaw = ~train, motion["names"].index("expression/jawOpen")

    def jaw_corr(model) -> float:
        predicted = model.predict(torch.as_tensor(motion["windows"][held])).numpy()[:, jaw]
        return float(np.corrcoef(predicted, motion["targets"][held][:, jaw])[0, 1])

    assert jaw_corr(trained) > 0.2 > abs(jaw_corr(untrained))
    # the report's held-out figures are of what generation uses: the ridge's expression (models/ridge_expression.py)
    ridge = load31(run31, "06_models", "expression_ridge.npz")
    windows = motion["windows"][held]
    used = with_ridge_expression(trained.predict(torch.as_tensor(windows)).numpy(), ridge, windows)[:, jaw]
    assert abs(report["jaw_corr"] - float(np.corrcoef(used, motion["targets"][held][:, jaw])[0, 1])) < 1e-4


def test_start_general_is_the_shipped_atcnet_as_it_is(run31):
    try:
        run_session(run31, "audio_motion", env="tiny", person_id="31", audio_motion={"finetune": {"start": "general"}})
        report = _report(run31)
        assert report["start"] == f"general:{SHIPPED}" and report["steps"] == 0 and not any(
            k.startswith("start_gate_") for k in report)
        ours = load_file(run31 / "data" / "06_models" / "31" / "atcnet.safetensors")
        shipped = load_file(ROOT / "src" / SHIPPED)
        assert ours.keys() == shipped.keys() and all(torch.equal(ours[k], shipped[k]) for k in ours)
    finally:
        run_session(run31, "audio_motion", env="tiny", person_id="31")  # leave the person as the other tests expect


def test_calibration_gives_the_training_frames_the_persons_spread(run31):
    from phadtf_kedro.datasets import ATCNetDataset

    motion = motion_sequences(load31(run31, "04_feature", "coefficients.npz"),
                              load31(run31, "04_feature", "mfcc_windows.npz"))
    calibration = load31(run31, "06_models", "atcnet_calibration.npz")
    assert calibration["names"].tolist() == motion["names"] and int(calibration["frames"]) == 300
    trained = ATCNetDataset(str(run31 / "data" / "06_models" / "31" / "atcnet.safetensors")).load()
    train = motion["train"]
    windows = motion["windows"][train]
    predicted = with_ridge_expression(trained.predict(torch.as_tensor(windows)).numpy(),
                                      load31(run31, "06_models", "expression_ridge.npz"), windows)
    real = motion["targets"][train]
    calibrated = apply_calibration(predicted, calibration)
    pose = np.array([n.startswith("pose/") for n in motion["names"]])
    cap = np.where(pose, float(calibration["max_gain_pose"]), float(calibration["max_gain"]))
    free = (calibration["gain"] < cap) & (predicted.std(0) > 1e-6)  # not at the cap
    assert free[pose].sum() >= 3 and free[~pose].sum() >= 10
    # conf/base's out-of-fold spread: the expression's in-sample fit is closer than new speech gets, so its outputs
    # are widened past the person's training spread by one factor; the pose gets the training spread
    factor = float(calibration["spread_factor"])
    assert str(calibration["spread"]) == "out_of_fold" and factor > 1
    target = real.std(0) * np.where(pose, 1.0, factor)
    np.testing.assert_allclose(calibrated[:, free].std(0), target[free], rtol=1e-3, atol=1e-7)
    np.testing.assert_allclose(calibrated.mean(0), real.mean(0), atol=1e-4)
    capped = calibration["gain"] == cap
    assert (calibrated[:, capped].std(0) < target[capped]).all()  # too calm even at the cap


def test_heldout_figures_and_baseline_are_logged(run31):
    client, run = finetune_run(run31)
    for name in ("expression_mse", "pose_rmse_deg", "jaw_corr", "baseline_mean_expression_mse",
                 "baseline_mean_pose_rmse_deg", "heldout_loss", "from_general", "expression_spread_factor"):
        assert np.isfinite(run.data.metrics[f"audio_motion.{name}"]), name
    if run.data.tags["audio_motion.start"] == "scratch":
        assert len(client.get_metric_history(run.info.run_id, "audio_motion.train.loss")) == 8  # a point per epoch
    assert np.isfinite(run.data.metrics["audio_motion.start_gate_scratch_pose_hs"])


def test_general_then_finetune_uses_the_general_weights(run31):
    general = run31 / "data" / "06_models" / "general"
    try:
        run_session(run31, "train_general", env="tiny", person_id="31")
        report = json.loads((run31 / "data" / "08_reporting" / "general" / "train_general.json").read_text())
        assert report["persons"] == ["31"] and report["steps"] > 0
        # zero fine-tuning steps (the default): the person's network is exactly the local general one
        run_session(run31, "audio_motion", env="tiny", person_id="31", audio_motion={"finetune": {"start": "general"}})
        assert _report(run31)["start"].endswith("data/06_models/general/atcnet.safetensors")
        assert _report(run31)["from_general"] == 1.0
        ours = load_file(run31 / "data" / "06_models" / "31" / "atcnet.safetensors")
        theirs = load_file(general / "atcnet.safetensors")
        assert ours.keys() == theirs.keys() and all(torch.equal(ours[k], theirs[k]) for k in ours)
        # and with steps it moves away from them, starting from there
        run_session(run31, "audio_motion", env="tiny", person_id="31",
                    audio_motion={"finetune": {"start": "general", "steps": 5}})
        assert _report(run31)["steps"] == 5
        tuned = load_file(run31 / "data" / "06_models" / "31" / "atcnet.safetensors")
        assert not all(torch.equal(tuned[k], theirs[k]) for k in tuned)
        with pytest.raises(PhadtfError, match=r"general ATCNet has config .* this run's audio_motion.network is"):
            run_session(run31, "audio_motion", env="tiny", person_id="31",
                        audio_motion={"network": {"lstm_hidden": 16}, "finetune": {"start": "general"}})
    finally:
        shutil.rmtree(general, ignore_errors=True)
    # without a local one, a network config the shipped weights were not made for starts from scratch (e.g. paper)
    run_session(run31, "audio_motion", env="tiny", person_id="31",
                audio_motion={"network": {"lstm_hidden": 16}, "finetune": {"start": "general"}})
    assert _report(run31)["start"] == "scratch" and _report(run31)["steps"] > 0
    run_session(run31, "audio_motion", env="tiny", person_id="31")  # leave the person as the other tests expect


def test_network_config_comes_from_parameters():
    config = network_config({"conv_channels": [4, 8, 8, 8, 16], "fc": [32, 32], "lstm_hidden": 32, "lstm_layers": 2})
    assert config.conv_channels == (4, 8, 8, 8, 16) and config.n_outputs == 58


def test_calibration_switched_off_changes_nothing():
    names = [f"expression/e{i}" for i in range(52)] + [f"pose/p{i}" for i in range(6)]
    motion = {"train": np.arange(30) < 20, "windows": np.zeros((30, 28, 12), np.float32), "names": names,
              "targets": np.random.default_rng(0).normal(size=(30, 58)).astype(np.float32)}
    params = {"enabled": False, "max_gain": 8.0, "max_gain_pose": 300.0, "outputs": ["expression"],
              "expression_spread": "out_of_fold", "folds": 5}
    calibration = calibrate_atcnet(None, {"model": np.array("atcnet")}, {}, motion, params, {})
    predicted = np.random.default_rng(1).normal(size=(7, 58))
    np.testing.assert_array_equal(apply_calibration(predicted, calibration), predicted)


def test_expression_ridge_adds_the_persons_frames_and_refuses_other_rows(tmp_path):
    rng = np.random.default_rng(2)
    names = [f"expression/e{i}" for i in range(52)] + [f"pose/p{i}" for i in range(6)]
    motion = {"train": np.arange(80) < 60, "windows": rng.normal(size=(80, 28, 12)).astype(np.float32), "names": names,
              "targets": rng.uniform(0, 1, (80, 58)).astype(np.float32)}
    general = TensorsDataset(str(tmp_path / "none.safetensors"), packaged="ridge_general.safetensors").load()
    params = {"model": "ridge", "rows": [4, 24], "alpha": 5000.0, "own_weight": 5.0, "smooth": 3, "rbf_weight": 3000.0,
              "sigma": 20.0}
    own = fit_expression_ridge(motion, general, params)
    corpus_only = fit_expression_ridge(motion, general, {**params, "own_weight": 0.0})
    corpus_frames = len(general["features"])
    assert str(own["model"]) == "ridge" and own["dual"].shape == (corpus_frames + 60, 52)  # corpus + training frames
    assert corpus_only["dual"].shape == (corpus_frames, 52)
    held = motion["windows"][60:]
    assert not np.allclose(predict_ridge(own, held), predict_ridge(corpus_only, held))  # the person's frames count
    assert str(fit_expression_ridge(motion, general, {**params, "model": "atcnet"})["model"]) == "atcnet"
    with pytest.raises(PhadtfError, match=r"ridge_general: corpus frames of MFCC rows \[4, 24\].*\[8, 20\]"):
        fit_expression_ridge(motion, general, {**params, "rows": [8, 20]})
    old_statistics = {"rows": general["rows"], "sum_xx": np.eye(240)}  # the file earlier versions made
    with pytest.raises(PhadtfError, match=r"ridge_general: no corpus frames .*train_general"):
        fit_expression_ridge(motion, old_statistics, params)
