"""Amplitude calibration: each output's mean and spread brought to the person's on the frames it was fitted on."""

import numpy as np
import pytest

from phadtf_kedro.datasets import NpzDataset
from phadtf_kedro.errors import PhadtfError
from phadtf_kedro.training.calibration import (apply_calibration, block_std, fit_calibration,
                                               identity_calibration, with_pose_cap)

NAMES = ["expression/jawOpen", "expression/mouthPucker", "expression/eyeBlinkLeft", "pose/pitch"]


def _tracks(n=200):
    rng = np.random.default_rng(0)
    real = rng.normal(size=(n, 4)) * [0.05, 0.02, 0.1, 0.06] + [0.1, 0.05, 0.2, -0.1]
    predicted = 0.3 + 0.25 * (real - real.mean(0))  # right shape of motion, a quarter of its size, wrong mean
    predicted[:, 2] = 0.7  # an output that does not move at all
    return predicted, real


def test_calibrated_outputs_have_the_real_mean_and_spread():
    predicted, real = _tracks()
    cal = fit_calibration(predicted, real, NAMES, max_gain=10.0)
    out = apply_calibration(predicted, cal)
    for k in (0, 1, 3):
        np.testing.assert_allclose(out[:, k], real[:, k], atol=1e-9)
        assert cal["gain"][k] == pytest.approx(4.0)
    assert cal["gain"][2] == 1.0  # a frozen output keeps gain 1 (there is nothing to scale)
    np.testing.assert_allclose(out[:, 2], real[:, 2].mean())


def test_gain_is_capped_and_outputs_can_be_left_alone():
    predicted, real = _tracks()
    capped = apply_calibration(predicted, fit_calibration(predicted, real, NAMES, max_gain=2.0))
    np.testing.assert_allclose(capped[:, 0].std() / real[:, 0].std(), 0.5)
    expression_only = fit_calibration(predicted, real, NAMES, max_gain=10.0, outputs=("expression",))
    np.testing.assert_allclose(apply_calibration(predicted, expression_only)[:, 3], predicted[:, 3])


def test_the_head_pose_has_its_own_cap():
    predicted, real = _tracks()
    predicted[:, 3] = 0.01 * (real[:, 3] - real[:, 3].mean())  # a pose query 100× too calm
    cal = fit_calibration(predicted, real, NAMES, max_gain=2.0, max_gain_pose=300.0)
    out = apply_calibration(predicted, cal)
    np.testing.assert_allclose(out[:, 3], real[:, 3], atol=1e-9)  # widened back to the person's own head motion
    assert cal["gain"][0] == 2.0 and float(cal["max_gain_pose"]) == 300.0  # the expression keeps its bound
    bounded = fit_calibration(predicted, real, NAMES, max_gain=2.0, max_gain_pose=50.0)
    assert bounded["gain"][3] == 50.0
    assert fit_calibration(predicted, real, NAMES, max_gain=2.0)["gain"][3] == 2.0  # no pose cap: max_gain
    rebounded = with_pose_cap(cal, 2.0)  # what `pose_source: predicted` shows
    assert rebounded["gain"][3] == 2.0 and rebounded["gain"][0] == cal["gain"][0]


def test_identity_changes_nothing_and_a_calibration_survives_its_dataset(tmp_path):
    predicted, real = _tracks()
    np.testing.assert_allclose(apply_calibration(predicted, identity_calibration(NAMES)), predicted)
    dataset = NpzDataset(str(tmp_path / "atcnet_calibration.npz"))
    dataset.save(fit_calibration(predicted, real, NAMES, max_gain=3.0))
    loaded = dataset.load()
    assert loaded["names"].tolist() == NAMES
    np.testing.assert_allclose(apply_calibration(predicted, loaded),
                               apply_calibration(predicted, fit_calibration(predicted, real, NAMES, 3.0)))


def test_a_calibration_for_other_outputs_is_refused_in_one_line():
    predicted, real = _tracks()
    cal = fit_calibration(predicted, real, NAMES, max_gain=3.0)
    with pytest.raises(PhadtfError, match="atcnet_calibration: made for 4 outputs, the prediction has 3") as info:
        apply_calibration(predicted[:, :3], cal)
    assert "\n" not in str(info.value)
    with pytest.raises(PhadtfError, match="atcnet_calibration: missing gain"):
        apply_calibration(predicted, {k: v for k, v in cal.items() if k != "gain"})


def test_block_spread_ignores_each_blocks_offset():
    rng = np.random.default_rng(3)
    noise = rng.normal(size=(100, 2)) * [1.0, 0.5]
    offsets = np.repeat(np.array([[0.0, 0.0], [10.0, -5.0], [-10.0, 5.0], [3.0, 3.0]]), 25, axis=0)
    within = block_std(noise + offsets, 4)
    np.testing.assert_allclose(within, block_std(noise, 4))  # the blocks' offsets do not count
    assert (within < (noise + offsets).std(axis=0) / 3).all()
    np.testing.assert_allclose(block_std(noise, 1), noise.std(axis=0))


def test_out_of_fold_gains_take_the_expressions_spread_from_the_held_out_predictions():
    predicted, real = _tracks()
    held_out = np.repeat([[0.0], [1.0]], 100, axis=0) + 0.5 * predicted[:, :2] - 0.5 * predicted[:, :2].mean(0)
    cal = fit_calibration(predicted, real, NAMES, max_gain=10.0, held_out=held_out, folds=2)
    # half the in-sample spread within each block (the blocks' offsets ignored): twice the in-sample gain
    np.testing.assert_allclose(cal["gain"][:2], 2 * real[:, :2].std(0) / predicted[:, :2].std(0), rtol=0.05)
    assert cal["gain"][3] == pytest.approx(4.0)  # the pose keeps its in-sample gain
    assert str(cal["spread"]) == "out_of_fold"
    np.testing.assert_allclose(cal["predicted_mean"], predicted.mean(0))  # the map is still centred in-sample
