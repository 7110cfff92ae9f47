"""Per-person amplitude calibration of ATCNet's outputs: the spread of each output brought to the person's own.

Trained with MSE on a person's few seconds, ATCNet's outputs stay near their mean: on 31.mp4's held-out frames the
predicted jawOpen moves about half as much as the real one, the head angles a tenth or less. The calibration measures,
per output, the predicted and the real mean and standard deviation on the person's training frames (predicted as one
utterance, as generation does) and maps a prediction y to

    real_mean + gain · (y − predicted_mean),    gain = clip(real_std / predicted_std, 0, max_gain)

so on those frames each output has the person's mean and spread. `max_gain` bounds what an output the network barely
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

FIELDS = ("gain", "predicted_mean", "real_mean", "predicted_std", "real_std")


def fit_calibration(predicted: np.ndarray, real: np.ndarray, names: Sequence[str], max_gain: float,
                    outputs: Sequence[str] = ("expression", "pose"), max_gain_pose: float | None = None) -> dict:
    """Calibration from predicted and real (T, D) tracks of the same frames. Only outputs whose name starts with
    one of `outputs` (`expression/…`, `pose/…`) are calibrated; the others get gain 1 and no shift. The gains of
    `pose/…` outputs are bounded by `max_gain_pose` (None: `max_gain`)."""
    p, r = np.asarray(predicted, np.float64), np.asarray(real, np.float64)
    if p.shape != r.shape or p.ndim != 2 or p.shape[1] != len(names) or len(p) < 2:
        raise ValueError(f"calibration needs two (T ≥ 2, {len(names)}) tracks, got {p.shape} and {r.shape}")
    p_mean, r_mean, p_std, r_std = p.mean(0), r.mean(0), p.std(0), r.std(0)
    group = _groups(names)
    pose_cap = max_gain if max_gain_pose is None else max_gain_pose
    gain = _gains(p_std, r_std, np.where(group == "pose", pose_cap, max_gain))
    chosen = np.isin(group, list(outputs))
    gain = np.where(chosen, gain, 1.0)
    r_mean = np.where(chosen, r_mean, p_mean)
    return {"names": np.array([str(n) for n in names]), "frames": np.array(len(p)), "max_gain": np.array(max_gain),
            "max_gain_pose": np.array(pose_cap), "outputs": np.array(list(outputs), dtype=str), "gain": gain,
            "predicted_mean": p_mean, "real_mean": r_mean,
            "predicted_std": p_std, "real_std": r_std}


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
