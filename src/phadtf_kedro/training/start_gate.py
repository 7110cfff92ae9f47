"""Which ATCNet a person starts from: the general network (trained on other speakers) or one trained from scratch on
the person's own first seconds, decided per person on a validation split of their training part.

Neither wins everywhere. On the corpus validation speakers (5-14 s clips) the general network follows the mouth and a
network trained from scratch on a few seconds collapses to the mean; a person with more of their own speech can be
the other way round. Both candidates are fitted without the last `gate_frames` training frames and scored on them by
what the person's video takes from ATCNet (the loss is no criterion: it rewards a prediction near the mean, which is
exactly the collapse):

- `mouth` (ATCNet gives the expression, `audio_motion.expression.model: atcnet`): how well the predicted
  mouth-opening blendshapes follow the real ones (mean Pearson correlation).
- `pose` (the ridge gives the expression and ATCNet only the head pose, the default): HS (metrics/pose.py) of the
  predicted head angles against the real ones, after the amplitude calibration generation applies
  (training/calibration.py, fitted on the candidate's predictions of the fit frames). The gain is bounded by
  `calibration.max_gain`, not the pose's own, wider `max_gain_pose` that generation uses: a network must move the
  head on its own to win, and one whose pose collapsed to the mean stays a still head and scores low.
"""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from phadtf_kedro.face.model import POSE
from phadtf_kedro.metrics.pose import head_pose_similarity
from phadtf_kedro.metrics.sync import correlation
from phadtf_kedro.models.atcnet import ATCNet
from phadtf_kedro.training.calibration import apply_calibration, fit_calibration
from phadtf_kedro.training.motion import Sequences, TrainConfig, train

MOUTH_OPENING = ("jawOpen", "mouthLowerDownLeft", "mouthLowerDownRight", "mouthUpperUpLeft", "mouthUpperUpRight")
CRITERIA = {"mouth": "mouth_corr", "pose": "pose_hs"}  # criterion → the score's name in the gate's report


def mouth_correlation(predicted: np.ndarray, real: np.ndarray, names: Sequence[str]) -> float:
    """Mean Pearson correlation of the mouth-opening blendshapes (a still prediction counts 0)."""
    columns = [list(names).index(f"expression/{n}") for n in MOUTH_OPENING]
    return float(np.mean([correlation(predicted[:, c], real[:, c]) for c in columns]))


def calibrated_pose_similarity(predicted_fit: np.ndarray, real_fit: np.ndarray, predicted: np.ndarray,
                                real: np.ndarray, names: Sequence[str], max_gain: float | None,
                                bin_deg: float = 2.0) -> float:
    """HS of the predicted head angles against the real ones, the pose calibrated as generation calibrates it: gains
    and means from the fit frames' predicted and real tracks (`max_gain` as `audio_motion.calibration`; None: the
    calibration is off, the angles are scored as predicted)."""
    if max_gain is not None:
        calibration = fit_calibration(predicted_fit, real_fit, names, max_gain, outputs=("pose",))
        predicted = apply_calibration(predicted, calibration)
    return head_pose_similarity(predicted[:, POSE], real[:, POSE], bin_deg)


def choose_start(general: ATCNet, scratch: ATCNet, fit: Sequences, windows: np.ndarray, targets: np.ndarray,
                 names: Sequence[str], general_cfg: TrainConfig, scratch_cfg: TrainConfig, criterion: str = "mouth",
                 max_gain: float | None = 8.0) -> dict:
    """{"start": "general" | "scratch", "criterion", "general_<score>", "scratch_<score>"} (score: `CRITERIA`):
    each candidate trained on `fit` as it would be on the whole training part (copies; the inputs are untouched),
    scored on the held-back `windows`/`targets`. Ties go to the general network."""
    if criterion not in CRITERIA:
        raise ValueError(f"start gate criterion {criterion!r}: expected one of {', '.join(CRITERIA)}")
    scores = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, model, cfg in (("general", general, general_cfg), ("scratch", scratch, scratch_cfg)):
            candidate = copy.deepcopy(model)
            train(candidate, fit, cfg, Path(tmp) / f"{name}.safetensors")
            predicted = candidate.predict(torch.as_tensor(windows)).numpy()
            if criterion == "mouth":
                scores[name] = mouth_correlation(predicted, targets, names)
            else:
                on_fit = candidate.predict(torch.as_tensor(fit.windows[0])).numpy()
                scores[name] = calibrated_pose_similarity(on_fit, fit.targets[0], predicted, targets, names, max_gain)
    start = "scratch" if scores["scratch"] > scores["general"] else "general"
    score = CRITERIA[criterion]
    return {"start": start, "criterion": criterion, f"general_{score}": scores["general"],
            f"scratch_{score}": scores["scratch"]}
