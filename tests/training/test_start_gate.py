"""The start gate keeps whichever candidate follows the held-back frames better: its mouth-opening blendshapes, or
(when the ridge gives the expression) its head pose as generation calibrates it."""

import numpy as np
import pytest
import torch

from phadtf_kedro.models.atcnet import ATCNet
from phadtf_kedro.training.motion import TrainConfig
from phadtf_kedro.training.motion import Sequences
from phadtf_kedro.training.start_gate import MOUTH_OPENING, calibrated_pose_similarity, choose_start, mouth_correlation
from tests.training.test_resume import TINY, data

NAMES = [f"expression/{n}" for n in MOUTH_OPENING] + [f"expression/other{i}" for i in range(47)] + \
    [f"pose/{i}" for i in range(6)]


def test_mouth_correlation_of_the_mouth_opening_blendshapes_only():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(80, 58))
    assert mouth_correlation(real, real, NAMES) == pytest.approx(1.0)
    assert mouth_correlation(-real, real, NAMES) == pytest.approx(-1.0)
    still = np.tile(real.mean(0), (80, 1))
    assert mouth_correlation(still, real, NAMES) == 0.0
    other = real.copy()
    other[:, 5:] = rng.normal(size=(80, 53))  # everything but the mouth opening changed: still a perfect mouth
    assert mouth_correlation(other, real, NAMES) == pytest.approx(1.0)


@pytest.mark.parametrize("truth", ["general", "scratch"])
def test_the_candidate_whose_mouth_follows_the_held_back_frames_is_kept(truth):
    models = {}
    for seed, name in enumerate(("general", "scratch")):
        torch.manual_seed(seed)
        models[name] = ATCNet(TINY)
        models[name].set_target_stats(*data().stats())
        models[name].eval()
    windows = data().windows[0][:60]
    targets = models[truth].predict(torch.as_tensor(windows)).numpy()  # what the true candidate says
    untouched = {k: v.clone() for k, v in models["general"].state_dict().items()}
    fixed = TrainConfig(epochs=0)  # no training: each candidate is scored as it is
    gate = choose_start(models["general"], models["scratch"], data(), windows, targets, NAMES, fixed, fixed)
    assert gate["start"] == truth and gate[f"{truth}_mouth_corr"] == pytest.approx(1.0, abs=1e-5)
    assert all(torch.equal(untouched[k], v) for k, v in models["general"].state_dict().items())


def test_a_still_head_scores_low_however_calibrated_and_a_calm_one_is_widened():
    rng = np.random.default_rng(1)
    real = np.zeros((200, 58))
    real[:, 52:55] = np.radians(np.cumsum(rng.normal(scale=0.6, size=(200, 3)), axis=0))  # a wandering head, °
    fit, held = slice(0, 150), slice(150, 200)
    calm = real * 0.3  # the right motion, a third of its size: the calibration (gain ≤ 8) restores it
    assert calibrated_pose_similarity(calm[fit], real[fit], calm[held], real[held], NAMES, 8.0) == pytest.approx(1.0)
    off = calibrated_pose_similarity(calm[fit], real[fit], calm[held], real[held], NAMES, None)  # calibration off
    assert off < 0.8
    still = np.tile(real[fit].mean(0), (200, 1)) + rng.normal(scale=1e-6, size=(200, 58))
    assert calibrated_pose_similarity(still[fit], real[fit], still[held], real[held], NAMES, 8.0) < 0.3


@pytest.mark.parametrize("truth", ["general", "scratch"])
def test_the_pose_criterion_keeps_the_candidate_whose_head_follows(truth):
    models = {}
    mean, std = data().stats()
    std[52:] = 1e4  # untrained outputs barely move: scaled so that the heads turn by degrees
    for seed, name in enumerate(("general", "scratch")):
        torch.manual_seed(seed)
        models[name] = ATCNet(TINY)
        models[name].set_target_stats(mean, std)
        models[name].eval()
    fit, held = data().windows[0][:80], data().windows[0][80:]
    said = {part: models[truth].predict(torch.as_tensor(w)).numpy() for part, w in (("fit", fit), ("held", held))}
    assert np.degrees(said["held"][:, 52:55].std(0)).min() > 2.0
    fixed = TrainConfig(epochs=0)
    gate = choose_start(models["general"], models["scratch"], Sequences([fit], [said["fit"]]), held, said["held"],
                        NAMES, fixed, fixed, criterion="pose")
    other = "scratch" if truth == "general" else "general"
    assert gate["start"] == truth and gate["criterion"] == "pose"
    assert gate[f"{truth}_pose_hs"] == pytest.approx(1.0) and gate[f"{other}_pose_hs"] < 0.9
    with pytest.raises(ValueError, match="criterion 'loss'"):
        choose_start(models["general"], models["scratch"], data(), held, said["held"], NAMES, fixed, fixed,
                     criterion="loss")
