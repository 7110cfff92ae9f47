"""train_general nodes: the person-independent ATCNet over a corpus of talking-head clips (many speakers) and every
person preprocessed and reconstructed locally.

PHADTF trained this mapping on LRW and never released the recipe; here it is the clips under `corpus` (by default
`data/01_raw/corpus`; the shipped weights come from `../shared/data/corpus`, see the report's manifest) minus the
clips in `corpus.exclude` (the evaluation's identities and the validation speakers), plus whatever persons exist
under data/04_feature. Of a local person only the training frames are used, so their held-out frames stay unseen when
the general model is fine-tuned and evaluated on them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch

from phadtf_kedro.errors import PhadtfError
from phadtf_kedro.face.model import EXPRESSION
from phadtf_kedro.face.tracker import resolve_model_path
from phadtf_kedro.models.atcnet import ATCNet
from phadtf_kedro.models.ridge_expression import utterance_frames
from phadtf_kedro.pipelines.audio_motion.nodes import fingerprint, motion_sequences, network_config
from phadtf_kedro.training.checkpoint import config_from_params
from phadtf_kedro.training.corpus import clip_motion
from phadtf_kedro.training.distributed import spawn_train
from phadtf_kedro.training.motion import Sequences, TrainConfig, train


def corpus_motion(corpus_videos: dict[str, Callable], landmarker: str | None,
                  params: dict[str, Any]) -> tuple[dict[str, dict], dict[str, dict]]:
    """Per corpus clip not excluded: its MFCC windows and tracked motion (training/corpus.py); and its manifest entry
    (sha256, frames, tracked fraction), so the general model says exactly what it learned from."""
    model = resolve_model_path(landmarker)
    motion, manifest = {}, {}
    for clip in sorted(set(corpus_videos) - set(params["exclude"])):
        video = corpus_videos[clip]()
        motion[clip] = clip_motion(video.path, model, params["min_valid"])
        manifest[clip] = {"sha256": hashlib.sha256(Path(video.path).read_bytes()).hexdigest(),
                          "frames": len(motion[clip]["valid"]),
                          "tracked": round(float(motion[clip]["valid"].mean()), 4)}
    return motion, manifest


def general_sequences(corpus: dict[str, dict], all_coefficients: dict[str, Callable],
                      all_mfcc_windows: dict[str, Callable], params: dict[str, Any]) -> dict[str, Any]:
    """One training sequence per corpus clip and per local person with coefficients and MFCC windows (`exclude` is
    about corpus clips: of a local person only the training frames are used in any case)."""
    clips = sorted(corpus)
    persons = sorted(set(all_coefficients) & set(all_mfcc_windows)) if params["local_persons"] else []
    if not clips and not persons:
        raise PhadtfError("train_general: no corpus clip (--params corpus=DIR of talking-head .mp4 clips) and no local "
                          "person with coefficients.npz and mfcc_windows.npz (run finetune for one first)")
    windows = [corpus[c]["windows"] for c in clips]
    targets = [corpus[c]["targets"] for c in clips]
    valid = [corpus[c]["valid"].astype(bool) for c in clips]
    for person in persons:
        motion = motion_sequences(all_coefficients[person](), all_mfcc_windows[person]())
        keep = motion["train"] if params["frames"] == "train" else np.ones(len(motion["train"]), bool)
        windows.append(motion["windows"][keep])
        targets.append(motion["targets"][keep])
        valid.append(np.ones(int(keep.sum()), bool))
    return {"clips": clips, "persons": persons, "windows": windows, "targets": targets, "valid": valid}


def train_general_atcnet(sequences: dict[str, Any], manifest: dict[str, dict], resume_path: Path,
                         network: dict[str, Any], params: dict[str, Any]) -> tuple[ATCNet, dict, dict]:
    """Train the general ATCNet from scratch on the corpus clips and local persons; returns the model, loss curves and
    a report whose `corpus` is the manifest of the clips (sha256, frames) the weights came from.

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

    meta = {"start": "scratch", "clips": sequences["clips"], "persons": sequences["persons"], "train": asdict(cfg),
            "data": fingerprint(*data.windows, *data.targets)}
    if world_size > 1:
        epochs, result = spawn_train(model, data, cfg, resume_path, meta, world_size, backend)
        for epoch, losses in sorted(epochs.items()):
            on_epoch(epoch, losses)
    else:
        result = train(model, data, cfg, resume_path, meta, on_epoch)
    model.trained_meta = {"start": "scratch", "clips": sequences["clips"], "persons": sequences["persons"],
                          "steps": result["steps"], "train": asdict(cfg), "data": meta["data"]}
    report = {"clips": sequences["clips"], "persons": sequences["persons"], "corpus": manifest,
              "frames": int(sum(len(w) for w in data.windows)), "train": asdict(cfg), "data": meta["data"],
              "steps": result["steps"], "resumed_from_step": result["resumed_from_step"], "world_size": world_size,
              "final_loss": history["loss"][-1]["value"] if history else None}
    return model, history, report


def general_ridge_frames(sequences: dict[str, Any], params: dict[str, Any]) -> dict[str, np.ndarray]:
    """The corpus' (and local persons') share of the mouth's ridge regressor (models/ridge_expression.py): their
    tracked frames' speaker-normalised MFCC windows and expression targets (centred per clip), and what they came
    from."""
    frames = utterance_frames(sequences["windows"], [t[:, EXPRESSION] for t in sequences["targets"]], params["rows"],
                              valid=sequences.get("valid"))
    return {**frames, "clips": np.array(sequences["clips"], dtype=str),
            "persons": np.array(sequences["persons"], dtype=str),
            "data": np.array(fingerprint(*sequences["windows"], *sequences["targets"]))}
