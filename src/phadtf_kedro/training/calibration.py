"""Per-person amplitude calibration of ATCNet's outputs: the spread of each output brought to the person's own.

Trained with MSE on a person's few seconds, ATCNet's outputs stay near their mean: on 31.mp4's held-out frames the
predicted jawOpen moves about half as much as the real one, the head angles a tenth or less. The calibration measures,
per output, the predicted and the real mean and standard deviation on the person's training frames (predicted as one
utterance, as generation does) and maps a prediction y to

    real_mean + gain · (y − predicted_mean),    gain = clip(real_std / predicted_std, 0, max_gain)

so on those frames each output has the person's mean and spread. In-sample, the expression's ridge follows the
person's own frames more closely than it will follow new speech, so that spread overstates what new speech gets.
`expression_spread: out_of_fold` widens every expression gain by one factor: the in-sample predictions' spread over
the out-of-fold ones' (models/ridge_expression.py `out_of_fold`: each block of the training frames predicted by a
ridge fitted without it), both taken within each block (around the block's own mean, which a fold's intercept
offsets) and pooled over all expression outputs: how much closer the fit is on the frames it was fitted to. One
factor keeps the in-sample gains' proportions between outputs, which per-output out-of-fold gains, each from a few
seconds, do not (docs/quality.md has both, measured). `max_gain` bounds what an output the network barely
moves may be blown up to (its motion would be mostly noise). The head pose has its own bound, `max_gain_pose`: with
PHADTF's matched pose the calibrated angles only choose which of the person's real frames (and so real head motion)
each output frame shows, and a calm query keeps that choice near the mean pose, a head that barely moves. An output
whose prediction does not move keeps gain 1.
The calibration is a dict of arrays (per output: its name, gain, means and stds), stored beside the person's ATCNet
(an .npz) and applied at generation time (`synthesis.plan.plan_from_prediction(..., calibration=...)`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from phadtf_kedro.errors import PhadtfError
from phadtf_kedro.models.ridge_expression import fold_bounds

FIELDS = ("gain", "predicted_mean", "real_mean", "predicted_std", "real_std")


def fit_calibration(predicted: np.ndarray, real: np.ndarray, names: Sequence[str], max_gain: float,
                    outputs: Sequence[str] = ("expression", "pose"), max_gain_pose: float | None = None,
                    held_out: np.ndarray | None = None, folds: int = 1) -> dict:
    """Calibration from predicted and real (T, D) tracks of the same frames. Only outputs whose name starts with
    one of `outputs` (`expression/…`, `pose/…`) are calibrated; the others get gain 1 and no shift. The gains of
    `pose/…` outputs are bounded by `max_gain_pose` (None: `max_gain`). `held_out`: (T, K) out-of-fold predictions
    of the first K outputs in `folds` contiguous blocks: their gains are widened by the in-sample over the held-out
    within-block spread of the K outputs together."""
    p, r = np.asarray(predicted, np.float64), np.asarray(real, np.float64)
    if p.shape != r.shape or p.ndim != 2 or p.shape[1] != len(names) or len(p) < 2:
        raise ValueError(f"calibration needs two (T ≥ 2, {len(names)}) tracks, got {p.shape} and {r.shape}")
    p_mean, r_mean, p_std, r_std = p.mean(0), r.mean(0), p.std(0), r.std(0)
    group = _groups(names)
    pose_cap = max_gain if max_gain_pose is None else max_gain_pose
    gain = _gains(p_std, r_std, np.where(group == "pose", pose_cap, max_gain))
    chosen = np.isin(group, list(outputs))
    factor = 1.0
    if held_out is not None:
        k = np.shape(held_out)[1]
        held = np.sum(block_std(held_out, folds) ** 2)
        factor = float(np.sqrt(np.sum(block_std(p[:, :k], folds) ** 2) / held)) if held > 0 else 1.0
        gain[:k] = _gains(p_std[:k] / factor, r_std[:k], max_gain)
    gain = np.where(chosen, gain, 1.0)
    r_mean = np.where(chosen, r_mean, p_mean)
    return {"names": np.array([str(n) for n in names]), "frames": np.array(len(p)), "max_gain": np.array(max_gain),
            "spread": np.array("in_sample" if held_out is None else "out_of_fold"), "spread_factor": np.array(factor),
            "max_gain_pose": np.array(pose_cap), "outputs": np.array(list(outputs), dtype=str), "gain": gain,
            "predicted_mean": p_mean, "real_mean": r_mean,
            "predicted_std": p_std, "real_std": r_std}


def block_std(track: np.ndarray, folds: int) -> np.ndarray:
    """(D,) spread of a (T, D) track within `folds` contiguous blocks (as `out_of_fold` cuts them): the root of the
    mean of each block's variance around its own mean."""
    x = np.asarray(track, np.float64)
    blocks = [x[lo:hi] for lo, hi in fold_bounds(len(x), folds) if hi - lo >= 2]
    return np.sqrt(np.mean([b.var(axis=0) for b in blocks], axis=0))


def _groups(names: Sequence[str]) -> np.ndarray:
    """Each output's group: the part of its name before the first `/` (`expression`, `pose`)."""
    return np.array([str(n).split("/")[0] for n in names])


def _gains(predicted_std: np.ndarray, real_std: np.ndarray, cap: np.ndarray | float) -> np.ndarray:
    """real / predicted spread, at most `cap`; 1 for an output whose prediction does not move."""
    moving = predicted_std > 1e-12
    return np.where(moving, np.clip(real_std / np.where(moving, predicted_std, 1.0), 0.0, cap), 1.0)


def identity_calibration(names: Sequence[str]) -> dict:
    """A calibration that changes nothing (calibration switched off)."""
    zeros = np.zeros(len(names))
    return {"names": np.array([str(n) for n in names]), "frames": np.array(0), "max_gain": np.array(1.0),
            "max_gain_pose": np.array(1.0), "outputs": np.array([], dtype=str), "gain": np.ones(len(names)),
            "predicted_mean": zeros, "real_mean": zeros, "predicted_std": zeros, "real_std": zeros}


def apply_calibration(predicted: np.ndarray, calibration: dict, source: str = "atcnet_calibration") -> np.ndarray:
    """(T, D) predictions mapped through a calibration made for the same D outputs."""
    p = np.asarray(predicted, np.float64)
    missing = [k for k in (*FIELDS, "names") if k not in calibration]
    if missing:
        raise PhadtfError(f"{source}: missing {', '.join(missing)}; rerun the audio_motion pipeline for this person")
    if any(len(calibration[k]) != p.shape[-1] for k in (*FIELDS, "names")):
        raise PhadtfError(f"{source}: made for {len(calibration['names'])} outputs, the prediction has {p.shape[-1]}; "
                          "rerun the audio_motion pipeline for this person")
    gain, p_mean, r_mean = (np.asarray(calibration[k], np.float64) for k in ("gain", "predicted_mean", "real_mean"))
    return r_mean + gain * (p - p_mean)


def with_pose_cap(calibration: dict, cap: float) -> dict:
    """The calibration with its head-pose gains bounded by `cap` instead (recomputed from its stored spreads): what
    `pose_source: predicted` renders must not widen a barely moving pose as far as the matched query may."""
    calibrated = [str(o) for o in np.atleast_1d(calibration.get("outputs", []))]
    pose = (_groups(calibration["names"]) == "pose") & ("pose" in calibrated)
    p_std, r_std = (np.asarray(calibration[k], np.float64) for k in ("predicted_std", "real_std"))
    return {**calibration, "gain": np.where(pose, _gains(p_std, r_std, cap), calibration["gain"])}
