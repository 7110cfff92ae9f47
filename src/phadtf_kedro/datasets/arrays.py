"""Dicts of numpy arrays on disk (kedro-datasets has no such dataset), written atomically: `NpzDataset` (.npz) and
`TensorsDataset` (safetensors, the form shipped model statistics take)."""

from __future__ import annotations

import json
import zipfile
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
from kedro.io import AbstractDataset
from safetensors import SafetensorError, safe_open
from safetensors.numpy import load_file, save_file

from phadtf_kedro.atomic import atomic_path
from phadtf_kedro.errors import PhadtfError

TEXT_KEY = "phadtf_text"  # safetensors metadata entry holding the non-numeric arrays


class NpzDataset(AbstractDataset[dict[str, np.ndarray], dict[str, np.ndarray]]):
    """Loads and saves `{name: array}`; `compress` trades write time for disk space."""

    def __init__(self, filepath: str, compress: bool = False, metadata: dict[str, Any] | None = None):
        self._filepath = Path(filepath)
        self._compress = compress
        self.metadata = metadata

    def load(self) -> dict[str, np.ndarray]:
        try:
            with np.load(self._filepath, allow_pickle=False) as data:
                return {k: data[k] for k in data.files}
        except FileNotFoundError:
            raise
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            raise PhadtfError(f"{self._filepath}: unreadable npz file ({type(exc).__name__}: {exc}); "
                              "delete it and rerun the step that writes it") from exc

    def save(self, data: dict[str, np.ndarray]) -> None:
        with atomic_path(self._filepath, suffix=".part.npz") as tmp:
            (np.savez_compressed if self._compress else np.savez)(tmp, **{k: np.asarray(v) for k, v in data.items()})

    def _exists(self) -> bool:
        return self._filepath.is_file()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath), "compress": self._compress}


class TensorsDataset(AbstractDataset[dict[str, np.ndarray], dict[str, np.ndarray]]):
    """`{name: array}` in one safetensors file, written atomically: numeric arrays as tensors, text arrays (names,
    hashes) as JSON in its metadata. The form the package ships model statistics in; `packaged`: a file under
    `phadtf_kedro/assets/` loaded while `filepath` does not exist (a shipped default that a pipeline can replace)."""

    def __init__(self, filepath: str, packaged: str | None = None, metadata: dict[str, Any] | None = None):
        self._filepath = Path(filepath)
        self._packaged = packaged
        self.metadata = metadata

    def load(self) -> dict[str, np.ndarray]:
        path = self._filepath
        if not path.is_file() and self._packaged:
            path = Path(str(files("phadtf_kedro") / "assets" / self._packaged))
        if not path.is_file():
            raise FileNotFoundError(path)
        try:
            arrays = load_file(str(path))
            with safe_open(str(path), framework="np") as f:
                meta = f.metadata() or {}
            text = json.loads(meta.get(TEXT_KEY, "{}"))
        except (OSError, ValueError, SafetensorError) as exc:
            raise PhadtfError(f"{path}: unreadable safetensors file ({type(exc).__name__}: {exc}); "
                              "delete it and rerun the step that writes it") from exc
        return {**arrays, **{k: np.array(v, dtype=str) for k, v in text.items()}}

    def save(self, data: dict[str, np.ndarray]) -> None:
        arrays = {k: np.asarray(v) for k, v in data.items()}
        tensors = {k: v.copy(order="C") for k, v in arrays.items() if v.dtype.kind in "biuf"}  # 0-d stays 0-d
        text = {k: v.tolist() for k, v in arrays.items() if k not in tensors}
        with atomic_path(self._filepath, suffix=".part.safetensors") as tmp:
            save_file(tensors, str(tmp), metadata={TEXT_KEY: json.dumps(text)})

    def _exists(self) -> bool:
        return self._filepath.is_file()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath), "packaged": self._packaged}
