"""The generation plan: PHADTF's pose reassignment (`matched`), the predicted and replayed poses, calibration."""

from __future__ import annotations

import numpy as np
import pytest

from phadtf_kedro.errors import PhadtfError
from phadtf_kedro.face.model import EXPRESSION, LIGHT, POSE
from phadtf_kedro.synthesis.plan import plan_from_prediction
from phadtf_kedro.training.calibration import fit_calibration

NAMES = [f"expression/e{i}" for i in range(52)] + [f"pose/{n}" for n in ("pitch", "yaw", "roll", "tx", "ty", "tz")]


def person(n_train=200, n_held=60):
    """A person whose head nods, turns and tilts over the training frames, each frame with its own light."""
    t = np.arange(n_train + n_held)
    rng = np.random.default_rng(0)
    coeffs = np.zeros((len(t), 85))
    coeffs[:, EXPRESSION] = rng.uniform(0, 0.5, (len(t), 52))
    coeffs[:, POSE] = np.column_stack([0.2 * np.sin(t / 15.0), 0.1 * np.cos(t / 23.0), 0.05 * np.sin(t / 7.0),
                                       np.sin(t / 11.0), np.cos(t / 13.0), -40 + np.sin(t / 17.0)])
    coeffs[:, LIGHT] = rng.normal(size=(len(t), 27))
    valid = np.ones(len(t), bool)
    valid[5] = False  # an untracked training frame is never a background
    return {"coefficients": coeffs.astype(np.float32), "train": t < n_train, "valid": valid}


def prediction(face, n=80, scale=0.3):
    rng = np.random.default_rng(1)
    predicted = np.zeros((n, 58))
    predicted[:, :52] = rng.uniform(0, 0.4, (n, 52))
    stretch = face["coefficients"][120:120 + n, POSE]
    predicted[:, 52:] = scale * (stretch - stretch.mean(0)) + stretch.mean(0)  # (by default) a calm real motion
    return predicted.astype(np.float32)


def test_matched_frames_take_all_six_pose_values_of_their_background():
    face = person()
    predicted = prediction(face, scale=1.0)
    plan = plan_from_prediction(predicted, face, "matched", 1.0, None, 7)
    coeffs = face["coefficients"]
    background = plan["background"]
    assert face["train"][background].all() and face["valid"][background].all()
    np.testing.assert_array_equal(plan["coefficients"][:, POSE], coeffs[background][:, POSE])
    np.testing.assert_array_equal(plan["coefficients"][:, LIGHT], coeffs[background][:, LIGHT])
    np.testing.assert_allclose(plan["coefficients"][:, EXPRESSION], predicted[:, :52], atol=1e-6)
    np.testing.assert_array_equal(background, np.arange(120, 200))  # the real stretch, found and played
    assert (plan["keyframes"][[0, -1]] == [0, len(predicted) - 1]).all()


def test_predicted_keeps_the_scaled_angles_and_takes_the_backgrounds_position():
    face = person()
    predicted = prediction(face)
    mean = face["coefficients"][:200][face["valid"][:200]][:, POSE].mean(0)
    plan = plan_from_prediction(predicted, face, "predicted", 2.0, 25, 7)
    np.testing.assert_allclose(plan["coefficients"][:, 52:55], (mean + 2.0 * (predicted[:, POSE] - mean))[:, :3],
                               atol=1e-5)
    np.testing.assert_array_equal(plan["coefficients"][:, 55:58], face["coefficients"][plan["background"]][:, 55:58])
    replay = plan_from_prediction(predicted, face, "reference", 1.0, None, 7)
    train = np.flatnonzero(face["train"] & face["valid"])
    np.testing.assert_allclose(replay["coefficients"][:, 52:55], face["coefficients"][train[:80], 52:55])


def test_calibration_widens_the_prediction_and_the_matched_motion():
    face = person()
    predicted = prediction(face)
    real = face["coefficients"][120:200, :58]
    calibration = fit_calibration(predicted, real, NAMES, max_gain=10.0)
    calm = plan_from_prediction(predicted, face, "matched", 1.0, None, 7)
    lively = plan_from_prediction(predicted, face, "matched", 1.0, None, 7, calibration=calibration)
    assert lively["coefficients"][:, 52].std() > 1.5 * calm["coefficients"][:, 52].std()
    widened = plan_from_prediction(predicted, face, "predicted", 1.0, None, 7, calibration=calibration)
    np.testing.assert_allclose(widened["coefficients"][:, 52:55], real[:, 52:55], atol=1e-5)
    still = predicted.copy()
    still[:, 52:58] = predicted[:, 52:58].mean(0) + 1e-3 * (predicted[:, 52:58] - predicted[:, 52:58].mean(0))
    bounded = fit_calibration(still, real, NAMES, max_gain=10.0, max_gain_pose=1e6)
    shown = plan_from_prediction(still, face, "predicted", 1.0, None, 7, calibration=bounded)
    assert shown["coefficients"][:, 52].std() < 0.05 * real[:, 52].std()  # shown angles: at most 10× (max_gain)
    queried = plan_from_prediction(still, face, "matched", 1.0, None, 7, calibration=bounded)
    assert queried["coefficients"][:, 52].std() > 0.3 * real[:, 52].std()  # a matched query: widened in full


def test_an_unknown_pose_source_is_one_line_naming_the_parameter():
    face = person()
    with pytest.raises(PhadtfError, match="audio_motion.generation.pose_source is 'random': expected one of "
                                          "matched, predicted, reference"):
        plan_from_prediction(prediction(face), face, "random", 1.0, None, 7)
