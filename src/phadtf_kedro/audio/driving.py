"""Driving audio for generation: any file ffmpeg can decode (wav, mp3, m4a, a video's soundtrack; any rate, any
channels) becomes 16 kHz mono; what cannot drive a face is refused with one line naming the file and the check."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from phadtf_kedro.audio.io import Audio
from phadtf_kedro.errors import PhadtfError
from phadtf_kedro.video.ffmpeg import read_audio

MIN_SECONDS = 0.3  # shorter than one 280 ms MFCC window plus a frame: nothing to say
SILENCE_DBFS = -60.0  # RMS below this over the whole file: digital silence or a dead microphone


def load_driving_audio(path: str | Path, sample_rate: int = 16000, min_seconds: float = MIN_SECONDS,
                       silence_dbfs: float = SILENCE_DBFS) -> Audio:
    path = Path(path)
    if not path.is_file():
        raise PhadtfError(f"{path}: driving audio not found")
    samples = read_audio(path, sample_rate)  # raises PhadtfError when there is no decodable audio stream
    duration = len(samples) / sample_rate
    if duration < min_seconds:
        raise PhadtfError(f"{path}: {duration:.2f} s of audio is shorter than the minimum {min_seconds} s")
    refuse_silence(path, samples, silence_dbfs)
    return Audio(samples.astype(np.float32), sample_rate)


def level_dbfs(samples: np.ndarray) -> float:
    """RMS level of float samples in dBFS (full scale = 1.0); -240 for digital silence."""
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if len(samples) else 0.0
    return 20.0 * float(np.log10(max(rms, 1e-12)))


def refuse_silence(path: str | Path, samples: np.ndarray, silence_dbfs: float = SILENCE_DBFS) -> None:
    """One line when the whole recording is quieter than `silence_dbfs` (no speech to learn from or to say)."""
    level = level_dbfs(samples)
    if level < silence_dbfs:
        raise PhadtfError(f"{path}: audio is silent (RMS {level:.0f} dBFS, below {silence_dbfs:.0f} dBFS)")
