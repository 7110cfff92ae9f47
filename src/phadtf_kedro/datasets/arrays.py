"""`NpzDataset`: a dict of numpy arrays in one .npz file (kedro-datasets has none), written atomically."""

from __future__ import annotations

import zipfile
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
from kedro.io import AbstractDataset

from phadtf_kedro.atomic import atomic_path
from phadtf_kedro.errors import PhadtfError


class NpzDataset(AbstractDataset[dict[str, np.ndarray], dict[str, np.ndarray]]):
    """Loads and saves `{name: array}`; `compress` trades write time for disk space. `packaged`: a file under
    `phadtf_kedro/assets/` loaded while `filepath` does not exist (a shipped default that a pipeline can replace)."""

    def __init__(self, filepath: str, compress: bool = False, packaged: str | None = None,
                 metadata: dict[str, Any] | None = None):
        self._filepath = Path(filepath)
        self._compress = compress
        self._packaged = packaged
        self.metadata = metadata

    def load(self) -> dict[str, np.ndarray]:
        path = self._filepath
        if not path.is_file() and self._packaged:
            path = Path(str(files("phadtf_kedro") / "assets" / self._packaged))
        try:
            with np.load(path, allow_pickle=False) as data:
                return {k: data[k] for k in data.files}
        except FileNotFoundError:
            raise
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            raise PhadtfError(f"{path}: unreadable npz file ({type(exc).__name__}: {exc}); "
                              "delete it and rerun the step that writes it") from exc

    def save(self, data: dict[str, np.ndarray]) -> None:
        with atomic_path(self._filepath, suffix=".part.npz") as tmp:
            (np.savez_compressed if self._compress else np.savez)(tmp, **{k: np.asarray(v) for k, v in data.items()})

    def _exists(self) -> bool:
        return self._filepath.is_file()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath), "compress": self._compress, "packaged": self._packaged}
