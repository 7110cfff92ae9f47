"""Datasets for trained networks: a finished ATCNet as a safetensors state_dict with its config, and the path of a
training run's resume checkpoint (the training loop writes it as it goes, so Kedro hands the node the place)."""

from __future__ import annotations

from dataclasses import asdict
from importlib.resources import files
from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset

from phadtf_kedro.errors import PhadtfError
from phadtf_kedro.models.atcnet import ATCNet, ATCNetConfig
from phadtf_kedro.training.checkpoint import load_checkpoint, read_meta, save_checkpoint
from phadtf_kedro.models.refinement_gan import GANConfig, RefinementGAN


class ATCNetDataset(AbstractDataset[ATCNet, "ATCNet | None"]):
    """An ATCNet saved with its config (metadata) and, in `meta`, what it was trained from. With `optional`, a missing
    file loads as None (used for the general checkpoint that fine-tuning starts from when it exists); with `packaged`,
    a missing file loads the weights of that name shipped in `phadtf_kedro/assets/` (the general ATCNet every user
    starts from offline; `packaged` is then set on the model)."""

    def __init__(self, filepath: str, optional: bool = False, packaged: str | None = None,
                 metadata: dict[str, Any] | None = None):
        self._filepath = Path(filepath)
        self._optional = optional
        self._packaged = packaged
        self.metadata = metadata

    def load(self) -> ATCNet | None:
        path, packaged = self._filepath, False
        if not path.is_file() and self._packaged:
            path, packaged = Path(str(files("phadtf_kedro") / "assets" / self._packaged)), True
        if self._optional and not path.is_file():
            return None
        if not path.is_file():
            raise PhadtfError(f"{path}: no trained ATCNet here")
        meta = read_meta(path)
        config = ATCNetConfig.from_dict(meta.get("config") or {})
        model = ATCNet(config)
        load_checkpoint(path, model, config.to_dict())
        model.trained_meta = {k: v for k, v in meta.items() if k != "config"}
        model.source_path = f"phadtf_kedro/assets/{self._packaged}" if packaged else str(path)
        model.packaged = packaged
        model.eval()
        return model

    def save(self, model: ATCNet) -> None:
        save_checkpoint(self._filepath, model, {"config": model.config.to_dict(), **getattr(model, "trained_meta", {})})

    def _exists(self) -> bool:
        return self._filepath.is_file()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath), "optional": self._optional, "packaged": self._packaged}


class ResumeCheckpointDataset(AbstractDataset[None, Path]):
    """Loads as the path where a training run keeps its resume checkpoint (which may not exist yet)."""

    def __init__(self, filepath: str, metadata: dict[str, Any] | None = None):
        self._filepath = Path(filepath)
        self.metadata = metadata

    def load(self) -> Path:
        return self._filepath

    def save(self, data: None) -> None:
        raise PhadtfError(f"{self._filepath}: the resume checkpoint is written by the training loop, not saved")

    def _exists(self) -> bool:
        return True

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath)}


class RefinementGANDataset(AbstractDataset[RefinementGAN, RefinementGAN]):
    """The person's refinement GAN (generator, discriminator, encoders, memory) with its config, as safetensors."""

    def __init__(self, filepath: str, metadata: dict[str, Any] | None = None):
        self._filepath = Path(filepath)
        self.metadata = metadata

    def load(self) -> RefinementGAN:
        if not self._filepath.is_file():
            raise PhadtfError(f"{self._filepath}: no trained refinement GAN here")
        config = GANConfig(**(read_meta(self._filepath).get("config") or {}))
        model = RefinementGAN(config)
        load_checkpoint(self._filepath, model, asdict(config))
        return model.eval()

    def save(self, model: RefinementGAN) -> None:
        save_checkpoint(self._filepath, model, {"config": asdict(model.config)})

    def _exists(self) -> bool:
        return self._filepath.is_file()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath)}
