"""The start gate keeps whichever candidate's mouth-opening blendshapes follow the held-back frames better."""

import numpy as np
import pytest
import torch

from phadtf_kedro.models.atcnet import ATCNet
from phadtf_kedro.training.motion import TrainConfig
from phadtf_kedro.training.start_gate import MOUTH_OPENING, choose_start, mouth_correlation
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
