"""`VideoDataset`: a video file in the catalog.

Loading is lazy: it returns a `VideoFile` handle (path + decode settings) and touches no bytes, so that the stage that
uses it can validate the file and report one clear line. Saving takes a `VideoClip` (frames produced on demand, fps,
optional audio) and encodes H.264 + AAC mp4 to a temp file that replaces the target only when encoding succeeded.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import mlflow
from kedro.io import AbstractDataset

from phadtf_kedro.atomic import atomic_path
from phadtf_kedro.datasets.partitions import OptionalPartitionedDataset
from phadtf_kedro.synthesis.output import VIDEO_FILES, TalkingVideo
from phadtf_kedro.video.ffmpeg import VideoClip, VideoFile, VideoWriter, encode_concurrently, write_video


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


class VideoFolderDataset(OptionalPartitionedDataset):
    """Every `.mp4` in a folder as {name: loader of its `VideoFile`}; a missing or empty folder loads as {}."""

    def __init__(self, path: str, fps: float = 25.0, metadata: dict[str, Any] | None = None):
        super().__init__(path=path, dataset={"type": VideoDataset, "fps": fps}, filename_suffix=".mp4",
                         metadata=metadata)


class TalkingVideoDataset(AbstractDataset[TalkingVideo, dict[str, str]]):
    """A folder with video.mp4 (full frame), crop.mp4 (face crop) and preview.mp4 (render | blended | refined), all
    H.264 + AAC with the driving audio, encoded in one pass over a lazily produced `TalkingVideo` (frames are made
    while the last ones are encoded).

    The files are written into a temporary folder that replaces the target only when all three finished, so a failed
    or interrupted generation leaves an earlier result intact. With an active MLflow run they are logged as artifacts
    under `artifact_path`. Loading returns the three paths."""

    def __init__(self, path: str, crf: int = 18, artifact_path: str | None = None, metadata: dict[str, Any] | None = None):
        self._path = Path(path)
        self._crf = crf
        self._artifact_path = artifact_path
        self.metadata = metadata

    def load(self) -> dict[str, str]:
        return {name: str(self._path / f"{name}.mp4") for name in VIDEO_FILES}

    def save(self, data: TalkingVideo) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{self._path.name}.", suffix=".part", dir=self._path.parent))
        writers = [VideoWriter(tmp / f"{name}.mp4", data.fps, data.audio, data.sample_rate, self._crf)
                   for name in VIDEO_FILES]
        try:
            encode_concurrently(writers, data.frames())
            for writer in writers:
                writer.close()
            old = self._path.with_name(f".{self._path.name}.old")
            if self._path.exists():
                self._path.replace(old)
            tmp.replace(self._path)
            shutil.rmtree(old, ignore_errors=True)
        finally:
            for writer in writers:
                writer.abort()
            shutil.rmtree(tmp, ignore_errors=True)
        if self._artifact_path and mlflow.active_run() is not None:
            mlflow.log_artifacts(str(self._path), self._artifact_path)

    def _exists(self) -> bool:
        return all((self._path / f"{name}.mp4").is_file() for name in VIDEO_FILES)

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path), "crf": self._crf, "artifact_path": self._artifact_path}
