"""Checkpoints as safetensors files: the model's state_dict (and, for resuming, the optimizer's) plus JSON metadata.

Never pickles: tensors go through safetensors, everything else (config, epoch, step, optimizer hyper-parameters) is
JSON in the file's metadata. Writes are atomic, so a kill -9 mid-write leaves the previous checkpoint intact.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, safe_open, save_file

from phadtf_kedro.atomic import atomic_path
from phadtf_kedro.errors import PhadtfError

Optimizer = torch.optim.Optimizer | dict[str, torch.optim.Optimizer]


def config_from_params(cls, params: dict[str, Any], **overrides):
    """A training-config dataclass from a Kedro parameter dict (keys it does not know, e.g. `lr_scratch`, ignored)."""
    return cls(**{**{k: v for k, v in params.items() if k in cls.__dataclass_fields__}, **overrides})


def _named(optimizer: Optimizer | None) -> dict[str, torch.optim.Optimizer]:
    return {} if optimizer is None else optimizer if isinstance(optimizer, dict) else {"main": optimizer}


def save_checkpoint(path: str | Path, model: torch.nn.Module, meta: dict[str, Any],
                    optimizer: Optimizer | None = None) -> None:
    """Model weights, and with optimizers (one, or a dict of named ones) also their state and torch's RNG state
    (dropout and augmentation draws), for exact resuming."""
    tensors = {f"model.{k}": v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    info = dict(meta)
    optimizers = _named(optimizer)
    if optimizers:
        info["optimizer_param_groups"] = {}
        for opt_name, opt in optimizers.items():
            state = opt.state_dict()
            for index, slots in state["state"].items():
                for name, value in slots.items():
                    tensors[f"optim.{opt_name}.{index}.{name}"] = torch.as_tensor(value).detach().contiguous().cpu()
            info["optimizer_param_groups"][opt_name] = state["param_groups"]
        tensors["rng"] = torch.get_rng_state()
    with atomic_path(path, suffix=".part.safetensors") as tmp:
        save_file(tensors, str(tmp), metadata={"phadtf": json.dumps(info)})


def read_meta(path: str | Path) -> dict[str, Any]:
    """The JSON metadata of a checkpoint, or one line saying why the file is not one."""
    try:
        with safe_open(str(path), framework="pt") as f:
            return json.loads((f.metadata() or {})["phadtf"])
    except (OSError, SafetensorError, KeyError, ValueError) as exc:
        raise PhadtfError(f"{path}: not a phadtf_kedro checkpoint ({type(exc).__name__}: {exc})") from exc


def load_checkpoint(path: str | Path, model: torch.nn.Module, expected_config: dict[str, Any],
                    optimizer: Optimizer | None = None) -> dict[str, Any]:
    """Load weights (and optimizer state) into `model`; refuse a checkpoint made with a different config."""
    meta = read_meta(path)
    if meta.get("config") != expected_config:
        theirs, ours = meta.get("config") or {}, expected_config
        diff = {k: (theirs.get(k), ours.get(k)) for k in sorted(set(theirs) | set(ours)) if theirs.get(k) != ours.get(k)}
        raise PhadtfError(f"{path}: checkpoint was made with a different network config "
                          + ", ".join(f"{k}={a} (this run: {b})" for k, (a, b) in diff.items()))
    tensors = load_file(str(path))
    model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
    optimizers = _named(optimizer)
    if optimizers and "optimizer_param_groups" in meta:
        for opt_name, opt in optimizers.items():
            state: dict[int, dict[str, torch.Tensor]] = {}
            for key, value in tensors.items():
                if key.startswith(f"optim.{opt_name}."):
                    index, name = key[len(f"optim.{opt_name}."):].split(".", 1)
                    state.setdefault(int(index), {})[name] = value
            opt.load_state_dict({"state": state, "param_groups": meta["optimizer_param_groups"][opt_name]})
        if "rng" in tensors:
            torch.set_rng_state(tensors["rng"])
    return meta
