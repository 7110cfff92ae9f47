"""train_general nodes: the person-independent ATCNet over every person preprocessed and reconstructed locally.

PHADTF trained this mapping on LRW and never released the recipe; here it is whatever persons exist under
data/04_feature (each with coefficients and MFCC windows). By default only each person's training frames are used, so
their held-out frames stay unseen when the general model is fine-tuned and evaluated on them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch

from phadtf_kedro.errors import PhadtfError
from phadtf_kedro.models.atcnet import ATCNet
from phadtf_kedro.pipelines.audio_motion.nodes import fingerprint, motion_sequences, network_config
from phadtf_kedro.training.checkpoint import config_from_params
from phadtf_kedro.training.distributed import spawn_train
from phadtf_kedro.training.motion import Sequences, TrainConfig, train


def general_sequences(all_coefficients: dict[str, Callable], all_mfcc_windows: dict[str, Callable],
                      params: dict[str, Any]) -> dict[str, Any]:
    """One training sequence per person that has both coefficients and MFCC windows."""
    persons = sorted(set(all_coefficients) & set(all_mfcc_windows))
    if not persons:
        raise PhadtfError("data/04_feature: no person with coefficients.npz and mfcc_windows.npz; run finetune (or "
                          "preprocessing and reconstruction) for at least one person first")
    windows, targets = [], []
    for person in persons:
        motion = motion_sequences(all_coefficients[person](), all_mfcc_windows[person]())
        keep = motion["train"] if params["frames"] == "train" else np.ones(len(motion["train"]), bool)
        windows.append(motion["windows"][keep])
        targets.append(motion["targets"][keep])
    return {"persons": persons, "windows": windows, "targets": targets}


def train_general_atcnet(sequences: dict[str, Any], resume_path: Path, network: dict[str, Any],
                         params: dict[str, Any]) -> tuple[ATCNet, dict, dict]:
    """Train the general ATCNet from scratch on all persons; returns the model, loss curves and a report.

    `world_size` > 1 trains data-parallel over that many spawned processes (training/distributed.py): each takes a
    share of every batch, the result is that of one process within float tolerance (dropout aside), and only this
    process (rank 0's weights and losses) reaches the outputs and the MLflow run."""
    world_size, backend = params.get("world_size", 1), params.get("backend", "auto")
    if not isinstance(world_size, int) or isinstance(world_size, bool) or world_size < 1:
        raise PhadtfError(f"train_general.world_size {world_size!r}: a whole number ≥ 1")
    torch.manual_seed(params["seed"])
    data = Sequences(sequences["windows"], sequences["targets"])
    model = ATCNet(network_config(network))
    model.set_target_stats(*data.stats())
    cfg = config_from_params(TrainConfig, params)
    history: dict[str, list] = {}

    def on_epoch(epoch: int, losses: dict) -> None:
        for k, v in losses.items():
            history.setdefault(k, []).append({"value": v, "step": epoch})

    meta = {"start": "scratch", "persons": sequences["persons"], "train": asdict(cfg),
            "data": fingerprint(*data.windows, *data.targets)}
    if world_size > 1:
        epochs, result = spawn_train(model, data, cfg, resume_path, meta, world_size, backend)
        for epoch, losses in sorted(epochs.items()):
            on_epoch(epoch, losses)
    else:
        result = train(model, data, cfg, resume_path, meta, on_epoch)
    model.trained_meta = {"start": "scratch", "persons": sequences["persons"], "steps": result["steps"]}
    report = {"persons": sequences["persons"], "frames": int(sum(len(w) for w in data.windows)),
              "steps": result["steps"], "resumed_from_step": result["resumed_from_step"], "world_size": world_size,
              "final_loss": history["loss"][-1]["value"] if history else None}
    return model, history, report
