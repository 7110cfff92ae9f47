"""A generated talking video, produced lazily: the frames are computed while they are encoded."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

VIDEO_FILES = ("video", "crop", "preview")  # the full frame, the face crop, render | blended | refined side by side


@dataclass
class TalkingVideo:
    """`frames()` yields one (full frame, crop, preview) triple of RGB uint8 arrays per video frame, at `fps`;
    `audio` (mono float32 at `sample_rate`) is muxed into each file."""

    frames: Callable[[], Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]]]
    fps: float
    audio: np.ndarray
    sample_rate: int
