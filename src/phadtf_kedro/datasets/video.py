"""`VideoDataset`: a video file in the catalog.

Loading is lazy: it returns a `VideoFile` handle (path + decode settings) and touches no bytes, so that the stage that
uses it can validate the file and report one clear line. Saving takes a `VideoClip` (frames produced on demand, fps,
optional audio) and encodes H.264 + AAC mp4 to a temp file that replaces the target only when encoding succeeded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset

from phadtf_kedro.datasets.atomic import atomic_path
from phadtf_kedro.video.ffmpeg import VideoClip, VideoFile, write_video


class VideoDataset(AbstractDataset[VideoClip, VideoFile]):
    """An mp4 (or anything ffmpeg reads); `fps` sets the frame rate frames are decoded at (None: the file's own)."""

    def __init__(self, filepath: str, fps: float | None = 25.0, crf: int = 18, metadata: dict[str, Any] | None = None):
        self._filepath = Path(filepath)
        self._fps = fps
        self._crf = crf
        self.metadata = metadata

    def load(self) -> VideoFile:
        return VideoFile(str(self._filepath), fps=self._fps)

    def save(self, data: VideoClip) -> None:
        with atomic_path(self._filepath, suffix=".part" + (self._filepath.suffix or ".mp4")) as tmp:
            write_video(tmp, data, crf=self._crf)

    def _exists(self) -> bool:
        return self._filepath.is_file()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath), "fps": self._fps}
