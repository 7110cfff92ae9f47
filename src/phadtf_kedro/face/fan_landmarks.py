"""Optional landmark backend for the evaluation's LMD: face-alignment's 2D-FAN (Bulat & Tzimiropoulos 2017).

Why: papers report LMD on FAN's 68 iBUG points (AD-NeRF, ER-NeRF), so only an LMD on those points compares with
theirs; MediaPipe's 478 points (the default, `evaluation.landmarks: mediapipe`) give another number. With
`evaluation.landmarks: fan` only LMD changes (`metrics/mouth.py` aligns on `IBUG_RIGID` and compares `IBUG_LIPS`);
mouth opening, sync, head pose and the face mask stay MediaPipe's.

face-alignment is an optional extra (`pip install 'phadtf_kedro[face-alignment]'`). It downloads its weights (the
S3FD face detector and 2D-FAN-4) into torch's hub cache on first use; where that fails (no internet, a proxy) the run
stops with one line naming what could not be fetched, and no traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from phadtf_kedro.errors import PhadtfError

N_POINTS = 68
WEIGHTS_SITE = "https://www.adrianbulat.com/downloads/python-fan/"  # where face-alignment 1.4 fetches both networks


def _weights_cache() -> str:
    import torch

    return f"{torch.hub.get_dir()}/checkpoints"


def load_fan(device: str | None = None) -> Any:
    """face-alignment's 2D landmark model (S3FD detector + 2D-FAN-4) on `device` (None: CUDA when there is one),
    fetching its weights on first use; a PhadtfError in one line when the package or its weights cannot be had."""
    try:
        import face_alignment
    except ImportError as exc:
        raise PhadtfError(f"evaluation.landmarks=fan needs the face-alignment package ({exc}): "
                          "pip install 'phadtf_kedro[face-alignment]', or set evaluation.landmarks=mediapipe") from exc
    if device is None:
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        return face_alignment.FaceAlignment(face_alignment.LandmarksType.TWO_D, device=device, flip_input=False)
    except Exception as exc:  # URLError, HTTPError, a truncated download: all mean "no weights"
        reason = (str(exc).strip().splitlines() or [""])[0]
        raise PhadtfError(f"face-alignment could not load its 2D-FAN / S3FD weights from {WEIGHTS_SITE} into "
                          f"{_weights_cache()} ({type(exc).__name__}: {reason}): connect to the internet once, or set "
                          "evaluation.landmarks=mediapipe") from exc


def _extent(points: np.ndarray) -> float:
    """Area of the points' bounding box: the largest face is the one the crop was cut around."""
    span = points[:, :2].max(axis=0) - points[:, :2].min(axis=0)
    return float(span[0] * span[1])


def fan_landmarks(model: Any, frames: np.ndarray) -> np.ndarray:
    """(T, 68, 2) float32 landmarks in pixels of each RGB uint8 frame; NaN where the detector finds no face, the
    largest face where it finds several."""
    out = np.full((len(frames), N_POINTS, 2), np.nan, np.float32)
    for t, frame in enumerate(frames):
        faces = model.get_landmarks_from_image(np.ascontiguousarray(frame))
        if faces:
            out[t] = max(faces, key=_extent)[:, :2]
    return out


def fan_tracks(frames: Mapping[str, np.ndarray], model: Any | None = None) -> dict[str, np.ndarray]:
    """`fan.<row>` (T, 68, 2) for every row of `frames`, one model loaded for all of them."""
    model = load_fan() if model is None else model
    return {f"fan.{row}": fan_landmarks(model, images) for row, images in frames.items()}
