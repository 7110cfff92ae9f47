"""Training by a step budget with a cosine learning-rate schedule (its kill -9 resume is in test_resume.py), and the
velocity term that rewards a prediction for moving when the real face moves."""

import numpy as np
import pytest
import torch

from phadtf_kedro.models.atcnet import ATCNet
from phadtf_kedro.training.motion import TrainConfig, motion_loss, train
from tests.training.test_resume import STEPS, TINY, data, fresh


def test_cosine_schedule_falls_from_lr_to_a_hundredth():
    cfg = TrainConfig(lr=1e-3, lr_schedule="cosine")
    rates = [cfg.lr_at(s, 100) for s in range(101)]
    assert rates[0] == pytest.approx(1e-3) and rates[-1] == pytest.approx(1e-5)
    assert all(a > b for a, b in zip(rates, rates[1:]))
    assert TrainConfig(lr=3e-4).lr_at(77, 100) == 3e-4
    with pytest.raises(ValueError, match="lr_schedule 'step'"):
        TrainConfig(lr_schedule="step").lr_at(0, 10)


def test_a_step_budget_is_exact_even_mid_epoch(tmp_path):
    clips = len(data().clip_starts(16, 2))  # 53 clips → 7 batches of 8 per epoch: 23 steps end inside epoch 4
    assert 23 % -(-clips // 8) != 0
    result = train(fresh(), data(), STEPS, tmp_path / "ck.safetensors", {})
    assert result["steps"] == 23


def test_velocity_term_penalises_a_still_prediction_of_a_moving_face():
    model = ATCNet(TINY)
    model.set_target_stats(*data().stats())
    t = torch.linspace(0, 6, 16)
    moving = torch.zeros(1, 16, 58)
    moving[..., 25] = torch.sin(t)  # jawOpen opens and closes
    exact = model.standardize(moving)
    still = exact.mean(dim=1, keepdim=True).expand_as(exact)
    with_velocity, without = TrainConfig(velocity=1.0), TrainConfig()
    assert float(motion_loss(model, exact, moving, with_velocity)["velocity_mse"]) == pytest.approx(0.0, abs=1e-10)
    still_terms = motion_loss(model, still, moving, with_velocity)
    assert float(still_terms["velocity_mse"]) > 0
    assert float(still_terms["loss"]) > float(motion_loss(model, still, moving, without)["loss"])
    assert "velocity_mse" not in motion_loss(model, still, moving, without)
    assert np.isfinite(float(still_terms["loss"]))
