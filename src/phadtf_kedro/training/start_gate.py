"""Which ATCNet a person starts from: the general network (trained on other speakers) or one trained from scratch on
the person's own first seconds, decided per person on a validation split of their training part.

Neither wins everywhere. On the corpus validation speakers (5-14 s clips) the general network follows the mouth and a
network trained from scratch on a few seconds collapses to the mean; a person with more of their own speech can be
the other way round. The criterion is what a viewer sees: how well the predicted mouth-opening blendshapes follow the
real ones on the last `gate_frames` training frames (mean Pearson correlation), with both candidates fitted without
those frames. The loss is no criterion: it rewards a prediction near the mean, which is exactly the collapse.
"""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from phadtf_kedro.metrics.sync import correlation
from phadtf_kedro.models.atcnet import ATCNet
from phadtf_kedro.training.motion import Sequences, TrainConfig, train

MOUTH_OPENING = ("jawOpen", "mouthLowerDownLeft", "mouthLowerDownRight", "mouthUpperUpLeft", "mouthUpperUpRight")


def mouth_correlation(predicted: np.ndarray, real: np.ndarray, names: Sequence[str]) -> float:
    """Mean Pearson correlation of the mouth-opening blendshapes (a still prediction counts 0)."""
    columns = [list(names).index(f"expression/{n}") for n in MOUTH_OPENING]
    return float(np.mean([correlation(predicted[:, c], real[:, c]) for c in columns]))


def choose_start(general: ATCNet, scratch: ATCNet, fit: Sequences, windows: np.ndarray, targets: np.ndarray,
                 names: Sequence[str], general_cfg: TrainConfig, scratch_cfg: TrainConfig) -> dict:
    """{"start": "general" | "scratch", "general_mouth_corr", "scratch_mouth_corr"}: each candidate trained on `fit`
    as it would be on the whole training part (copies; the inputs are untouched), scored on the held-back
    `windows`/`targets`. Ties go to the general network."""
    scores = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, model, cfg in (("general", general, general_cfg), ("scratch", scratch, scratch_cfg)):
            candidate = copy.deepcopy(model)
            train(candidate, fit, cfg, Path(tmp) / f"{name}.safetensors")
            predicted = candidate.predict(torch.as_tensor(windows)).numpy()
            scores[name] = mouth_correlation(predicted, targets, names)
    start = "scratch" if scores["scratch"] > scores["general"] else "general"
    return {"start": start, "general_mouth_corr": scores["general"], "scratch_mouth_corr": scores["scratch"]}
