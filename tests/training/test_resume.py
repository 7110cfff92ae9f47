"""Training resumes after kill -9 mid-epoch and ends exactly where an uninterrupted run ends; early stopping keeps the
best validation epoch."""


import numpy as np
import pytest
import torch

from phadtf_kedro.models.atcnet import ATCNet, ATCNetConfig
from phadtf_kedro.training.motion import Sequences, TrainConfig, train
from tests.conftest import kill_mid_training

TINY = ATCNetConfig(conv_channels=(4, 8, 8, 8, 16), fc=(32, 32), lstm_hidden=32, lstm_layers=2, dropout=0.3)
CFG = TrainConfig(epochs=8, lr=1e-3, clip_stride=2, checkpoint_every=3, batch_size=8)

# by epochs, and by an exact step budget on a cosine schedule (the lr is a function of the step, so it resumes too)
STEPS = TrainConfig(steps=23, lr=1e-3, lr_schedule="cosine", clip_stride=2, checkpoint_every=3, batch_size=8)

SCRIPT = """
import sys
from tests.training.test_resume import {cfg} as CFG, data, fresh
from phadtf_kedro.training.motion import train
train(fresh(), data(), CFG, sys.argv[1], {{"test": 1}}, on_epoch=lambda e, l: __import__("time").sleep(0.4))
"""


def data() -> Sequences:
    rng = np.random.default_rng(0)
    windows = rng.normal(size=(120, 28, 12)).astype(np.float32)
    targets = np.concatenate([windows[:, :4, :].mean(axis=(1, 2))[:, None] * np.ones(52), rng.normal(size=(120, 6))],
                             axis=1).astype(np.float32)
    return Sequences([windows], [targets])


def fresh() -> ATCNet:
    torch.manual_seed(0)
    model = ATCNet(TINY)
    model.set_target_stats(*data().stats())
    return model


@pytest.mark.slow
@pytest.mark.parametrize("name, min_epoch", [("CFG", 2), ("STEPS", 1)])
def test_kill_9_mid_epoch_then_resume_matches_an_uninterrupted_run(tmp_path, name, min_epoch):
    cfg = {"CFG": CFG, "STEPS": STEPS}[name]
    reference = fresh()
    done = train(reference, data(), cfg, tmp_path / "reference.safetensors", {"test": 1})
    path = tmp_path / "resume.safetensors"
    stopped = kill_mid_training(SCRIPT.format(cfg=name), path, min_epoch=min_epoch)
    assert 0 < stopped["step"] < done["steps"], "killed too late to test resuming"
    resumed = fresh()
    result = train(resumed, data(), cfg, path, {"test": 1})
    assert result["resumed_from_step"] == stopped["step"] and result["steps"] == done["steps"]
    for (name, a), b in zip(reference.state_dict().items(), resumed.state_dict().values()):
        torch.testing.assert_close(a, b, msg=name)


def test_changed_data_or_settings_start_over(tmp_path):
    path = tmp_path / "ck.safetensors"
    short = TrainConfig(epochs=1, clip_stride=8, checkpoint_every=100)
    train(fresh(), data(), short, path, {"data": "a"})
    assert train(fresh(), data(), short, path, {"data": "a"})["resumed_from_step"] is not None
    assert train(fresh(), data(), short, path, {"data": "b"})["resumed_from_step"] is None


def test_early_stopping_keeps_the_best_validation_epoch(tmp_path):
    full = data()
    fit = Sequences([full.windows[0][:90]], [full.targets[0][:90]])
    val = Sequences([full.windows[0][90:]], [full.targets[0][90:]])
    model = fresh()
    from phadtf_kedro.training.motion import heldout_loss
    losses = {0: heldout_loss(model, val.windows[0], val.targets[0], TrainConfig())["loss"]}  # the start is a candidate
    result = train(model, fit, TrainConfig(epochs=6, lr=3e-3, clip_stride=4), tmp_path / "ck.safetensors", {},
                   on_epoch=lambda e, l: losses.__setitem__(e, l["val_loss"]), validation=val)
    best = min(losses, key=losses.get)
    assert result["kept_epoch"] == best and len(losses) == 7
    assert abs(heldout_loss(model, val.windows[0], val.targets[0], TrainConfig())["loss"] - losses[best]) < 1e-5
