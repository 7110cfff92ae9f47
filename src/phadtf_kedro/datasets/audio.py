"""`WavDataset`: mono PCM WAV as (float32 samples, sample rate), written atomically with soundfile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
from kedro.io import AbstractDataset

from phadtf_kedro.audio.io import Audio
from phadtf_kedro.atomic import atomic_path


class WavDataset(AbstractDataset[Audio, Audio]):
    """Saves an `Audio` as 16-bit PCM WAV; loads it back as float32."""

    def __init__(self, filepath: str, subtype: str = "PCM_16", metadata: dict[str, Any] | None = None):
        self._filepath = Path(filepath)
        self._subtype = subtype
        self.metadata = metadata

    def load(self) -> Audio:
        samples, rate = sf.read(self._filepath, dtype="float32", always_2d=False)
        if samples.ndim > 1:
            samples = samples.mean(axis=1)
        return Audio(np.ascontiguousarray(samples, dtype=np.float32), int(rate))

    def save(self, data: Audio) -> None:
        with atomic_path(self._filepath, suffix=".part.wav") as tmp:
            sf.write(tmp, np.clip(data.samples, -1.0, 1.0), data.sample_rate, subtype=self._subtype, format="WAV")

    def _exists(self) -> bool:
        return self._filepath.is_file()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath), "subtype": self._subtype}


class DrivingAudioDataset(AbstractDataset[None, Audio]):
    """The speech a generated video says: any audio file ffmpeg decodes, loaded as 16 kHz mono and checked
    (`audio.driving.load_driving_audio`: missing, not audio, too short or silent stop the run with one line)."""

    def __init__(self, filepath: str, sample_rate: int = 16000, metadata: dict[str, Any] | None = None):
        self._filepath = Path(filepath)
        self._rate = sample_rate
        self.metadata = metadata

    def load(self) -> Audio:
        from phadtf_kedro.audio.driving import load_driving_audio

        return load_driving_audio(self._filepath, self._rate)

    def save(self, data: None) -> None:
        raise NotImplementedError("driving audio is an input: put the file at " + str(self._filepath))

    def _exists(self) -> bool:
        return self._filepath.is_file()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath), "sample_rate": self._rate}
