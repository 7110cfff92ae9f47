"""Audio → motion nodes: ATCNet fine-tuned on one person's first 12 s, evaluated on the rest of their video.

Fine-tuning starts from the general ATCNet (the `train_general` pipeline's output, or `general_checkpoint`) when one
exists, else from scratch; the report and MLflow say which.
"""

from __future__ import annotations

import copy
import hashlib
import logging
from dataclasses import asdict
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import torch

from phadtf_kedro.errors import PhadtfError
from phadtf_kedro.face.model import EXPRESSION, POSE, check_coefficients
from phadtf_kedro.metrics.motion import motion_figures
from phadtf_kedro.models.atcnet import ATCNet, ATCNetConfig
from phadtf_kedro.models.ridge_expression import (fit_ridge, out_of_fold, uses_ridge, utterance_frames,
                                                  with_ridge_expression)
from phadtf_kedro.training.calibration import fit_calibration, identity_calibration
from phadtf_kedro.training.checkpoint import config_from_params
from phadtf_kedro.training.motion import Sequences, TrainConfig, heldout_loss, train
from phadtf_kedro.training.start_gate import choose_start

log = logging.getLogger(__name__)


def motion_sequences(face_coefficients: dict[str, np.ndarray], mfcc_windows: dict[str, np.ndarray]) -> dict:
    """Per frame: the MFCC window and the target [expression 52 | pose 6]; the train/held-out split."""
    coeffs = check_coefficients(face_coefficients["coefficients"], "face_coefficients")
    windows = mfcc_windows["windows"]
    if len(windows) != len(coeffs):
        raise PhadtfError(f"mfcc_windows: {len(windows)} windows for {len(coeffs)} frames of coefficients; rerun "
                          "preprocessing and reconstruction for this person")
    targets = np.concatenate([coeffs[:, EXPRESSION], coeffs[:, POSE]], axis=1).astype(np.float32)
    names = [str(n) for n in face_coefficients["names"][:58]]
    return {"windows": windows.astype(np.float32), "targets": targets, "train": face_coefficients["train"],
            "names": names}


def network_config(network: dict[str, Any], n_expression: int = 52, n_pose: int = 6) -> ATCNetConfig:
    return ATCNetConfig.from_dict({**network, "n_expression": n_expression, "n_pose": n_pose})


def fingerprint(*arrays: np.ndarray) -> str:
    digest = hashlib.sha256()
    for a in arrays:
        digest.update(np.ascontiguousarray(a).tobytes())
    return digest.hexdigest()[:16]


def finetune_atcnet(motion: dict, atcnet_general: ATCNet | None, resume_path: Path, network: dict[str, Any],
                    params: dict[str, Any], expression_model: str,
                    calibration: dict[str, Any]) -> tuple[ATCNet, dict, dict]:
    """Fine-tune ATCNet on the training frames; returns the model, its per-epoch loss history, and how it started.
    The start gate scores what the video takes from ATCNet: its mouth with `expression_model: atcnet`, else its head
    pose as calibrated (`calibration`: audio_motion.calibration)."""
    config = network_config(network)
    if atcnet_general is not None and atcnet_general.config != config and getattr(atcnet_general, "packaged", False):
        log.warning("the shipped general ATCNet (%s) has another network config than this run's "
                    "audio_motion.network: fine-tuning starts from scratch; `kedro run --pipelines=train_general` with "
                    "this config makes a general one", atcnet_general.source_path)
        atcnet_general = None
    if atcnet_general is not None and atcnet_general.config != config:
        raise PhadtfError(f"{atcnet_general.source_path}: general ATCNet has config {atcnet_general.config.to_dict()}, "
                          f"this run's audio_motion.network is {config.to_dict()}")
    train_frames = np.flatnonzero(motion["train"])
    fit, val = train_frames[:len(train_frames) - params["val_frames"]], train_frames[len(train_frames) - params["val_frames"]:]
    data = Sequences([motion["windows"][fit]], [motion["targets"][fit]])
    validation = Sequences([motion["windows"][val]], [motion["targets"][val]]) if len(val) else None
    general_cfg = config_from_params(TrainConfig, params, epochs=0)  # `steps` (0: the general network as it is)
    scratch_cfg = config_from_params(TrainConfig, params, lr=params["lr_scratch"], steps=0)  # `epochs`
    torch.manual_seed(params["seed"])
    scratch = ATCNet(config)
    scratch.set_target_stats(*data.stats())
    choice, gate = (params["start"] if atcnet_general is not None else "scratch"), None
    if choice == "auto":
        criterion = "mouth" if expression_model == "atcnet" else "pose"
        calibrated = calibration["enabled"] and "pose" in calibration["outputs"]
        max_gain = float(calibration["max_gain"]) if calibrated else None
        gate = _start_gate(motion, atcnet_general, scratch, params["gate_frames"], general_cfg, scratch_cfg,
                           criterion, max_gain)
        choice = gate["start"] if gate else "general"
    if choice == "general":
        model, start, cfg = copy.deepcopy(atcnet_general), f"general:{atcnet_general.source_path}", general_cfg
    else:
        model, start, cfg = scratch, "scratch", scratch_cfg
    log.info("ATCNet for this person starts from %s (%s)%s", start,
             f"{cfg.steps} steps" if choice == "general" else f"{cfg.epochs} epochs",
             "; start gate ({}): {}".format(gate["criterion"], ", ".join(f"{k} {v:.3f}" for k, v in gate.items()
                                                                          if k not in ("start", "criterion")))
             if gate else "")
    held = ~motion["train"]
    history: dict[str, list] = {}

    def on_epoch(epoch: int, losses: dict) -> None:
        if held.any():  # logged only, never used to choose anything
            losses = {**losses, "heldout_loss": heldout_loss(model, motion["windows"][held], motion["targets"][held],
                                                             cfg)["loss"]}
        for k, v in losses.items():
            history.setdefault(k, []).append({"value": v, "step": epoch})

    meta = {"start": start, "train": asdict(cfg), "data": fingerprint(data.windows[0], data.targets[0])}
    result = train(model, data, cfg, resume_path, meta, on_epoch, validation)
    model.trained_meta = {"start": start, "steps": result["steps"], "kept_epoch": result["kept_epoch"],
                          "train": asdict(cfg)}
    info = {"start": start, "resumed_from_step": result["resumed_from_step"], "steps": result["steps"],
            "kept_epoch": result["kept_epoch"], "start_gate": gate}
    return model, {k: v for k, v in history.items() if v}, info


def _start_gate(motion: dict, general: ATCNet, scratch: ATCNet, gate_frames: int, general_cfg: TrainConfig,
                scratch_cfg: TrainConfig, criterion: str, max_gain: float | None) -> dict | None:
    """The start gate (training/start_gate.py) on the last `gate_frames` training frames; None when the training part
    is too short to hold them back."""
    train_frames = np.flatnonzero(motion["train"])
    if not 0 < gate_frames <= len(train_frames) - 4 * scratch_cfg.clip_frames:
        return None
    fit, held_back = train_frames[:-gate_frames], train_frames[-gate_frames:]
    return choose_start(general, scratch, Sequences([motion["windows"][fit]], [motion["targets"][fit]]),
                        motion["windows"][held_back], motion["targets"][held_back], motion["names"], general_cfg,
                        scratch_cfg, criterion, max_gain)


def fit_expression_ridge(motion: dict, ridge_general: dict[str, np.ndarray], params: dict[str, Any]) -> dict:
    """The person's mouth model (models/ridge_expression.py): the corpus' frames plus the person's training frames
    (weighted `own_weight`), solved once, around the person's own mean expression. With `model: atcnet`, a marker
    that keeps ATCNet's expression."""
    if params["model"] != "ridge":
        return {"model": np.array("atcnet")}
    rows = [int(r) for r in ridge_general["rows"]]
    if rows != list(params["rows"]):
        raise PhadtfError(f"ridge_general: corpus frames of MFCC rows {rows}, this run's "
                          f"audio_motion.expression.rows is {list(params['rows'])}; run `kedro run "
                          "--pipelines=train_general` with these rows")
    if "features" not in ridge_general:
        raise PhadtfError("ridge_general: no corpus frames (an older file of sufficient statistics?); run `kedro run "
                          "--pipelines=train_general` or delete data/06_models/general/ to use the shipped ones")
    sets, weights = [ridge_general], [1.0]
    train = motion["train"]
    expression = motion["targets"][train][:, EXPRESSION]
    if train.any():
        sets.append(utterance_frames([motion["windows"][train]], [expression], params["rows"]))
        weights.append(params["own_weight"])
    resting = expression.mean(axis=0) if train.any() else None
    return fit_ridge(sets, weights, params["alpha"], params["rbf_weight"], params["sigma"], params["smooth"], resting)


def predict_motion(atcnet: ATCNet, expression_ridge: dict, motion: dict) -> dict[str, np.ndarray]:
    """Expression and pose for the held-out frames, driven by their own audio (one utterance from 12 s to the end)."""
    held = ~motion["train"]
    if not held.any():  # a video of train_seconds or less: nothing held out
        return {"predicted": np.zeros((0, motion["targets"].shape[1]), np.float32), "frames": np.zeros(0, np.int32),
                "names": np.array(motion["names"])}
    predicted = atcnet.predict(torch.as_tensor(motion["windows"][held])).numpy()
    predicted = with_ridge_expression(predicted, expression_ridge, motion["windows"][held])
    return {"predicted": predicted.astype(np.float32), "frames": np.flatnonzero(held).astype(np.int32),
            "names": np.array(motion["names"])}


def calibrate_atcnet(atcnet: ATCNet, expression_ridge: dict, ridge_general: dict[str, np.ndarray], motion: dict,
                     params: dict[str, Any], expression: dict[str, Any]) -> dict:
    """Per-output amplitude calibration on the training frames, predicted as one utterance like generation does
    (`training/calibration.py`); generation applies it. Switched off (`enabled: false`) it is the identity. With
    `expression_spread: out_of_fold` (and the ridge's expression) the expression's gains come from out-of-fold
    predictions of the training frames in `folds` blocks."""
    train = np.flatnonzero(motion["train"])
    if not params["enabled"] or len(train) < 2:
        return identity_calibration(motion["names"])
    windows = motion["windows"][train]
    predicted = with_ridge_expression(atcnet.predict(torch.as_tensor(windows)).numpy(), expression_ridge, windows)
    held_out, folds = None, int(params["folds"])
    if params["expression_spread"] == "out_of_fold" and uses_ridge(expression_ridge) and len(train) >= 2 * folds:
        held_out = out_of_fold(ridge_general, windows, motion["targets"][train][:, EXPRESSION], expression, folds)
    return fit_calibration(predicted, motion["targets"][train], motion["names"], params["max_gain"], params["outputs"],
                           params["max_gain_pose"], held_out, folds)


def audio_motion_report(person_id: str, atcnet: ATCNet, motion: dict, held_out: dict[str, np.ndarray],
                        training: dict, calibration: dict, params: dict[str, Any]) -> tuple[dict, dict]:
    """Held-out expression MSE, pose error, jawOpen correlation, next to the 'predict the training mean' baseline;
    the calibration's expression spread factor (1 in-sample)."""
    if len(held_out["frames"]) == 0:
        log.warning("person %s: no frames after train_seconds, nothing held out to evaluate ATCNet on", person_id)
        report = {"person_id": str(person_id), "start": training["start"], "steps": training["steps"],
                  "heldout_frames": 0}
        return report, {"from_general": {"value": float(training["start"] != "scratch"), "step": 0}}
    real = motion["targets"][held_out["frames"]]
    mean = np.broadcast_to(motion["targets"][motion["train"]].mean(axis=0), real.shape)
    jaw = motion["names"].index("expression/jawOpen")
    ours = motion_figures(held_out["predicted"], real, 52, jaw)
    baseline = motion_figures(mean, real, 52, jaw)
    cfg = config_from_params(TrainConfig, params)
    heldout = heldout_loss(atcnet, motion["windows"][held_out["frames"]], real, cfg)["loss"]
    gate = training.get("start_gate") or {}
    figures = {**ours, "heldout_loss": heldout, "from_general": float(training["start"] != "scratch"),
               "expression_spread_factor": float(calibration.get("spread_factor", 1.0)),
               **{f"start_gate_{k}": v for k, v in gate.items() if k not in ("start", "criterion")},
               **{f"baseline_mean_{k}": v for k, v in baseline.items()}}
    if mlflow.active_run() is not None:
        mlflow.set_tag("audio_motion.start", training["start"])
    report = {"person_id": str(person_id), "start": training["start"], "steps": training["steps"],
              "kept_epoch": training["kept_epoch"],
              "resumed_from_step": training["resumed_from_step"], "heldout_frames": len(real),
              **{k: round(v, 5) for k, v in figures.items()}}
    return report, {k: {"value": float(v), "step": 0} for k, v in figures.items()}
