"""The embedded demo person: scikit-image's `astronaut` photograph (Eileen Collins, NASA, public domain), made to speak.

Deterministic and offline: the speech comes from eSpeak NG, the mouth opens with the speech's loudness (the jaw is
warped down and the gap between the lips is painted as a dark mouth cavity), and the head sways and nods gently. The
face geometry (lip and chin positions) is found on the photograph with the same MediaPipe tracker the pipeline uses.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy.ndimage import gaussian_filter1d
from skimage import data

from phadtf_kedro.face.tracker import FaceTracker, resolve_model_path
from phadtf_kedro.sample.speech import synthesize
from phadtf_kedro.video.ffmpeg import VideoClip

FPS = 25
UPPER_LIP, LOWER_LIP, MOUTH_LEFT, MOUTH_RIGHT, CHIN = 13, 14, 61, 291, 152


@dataclass
class MouthGeometry:
    upper: np.ndarray  # (2,) pixel position of the inner upper lip
    lower: np.ndarray
    left: np.ndarray
    right: np.ndarray
    chin: np.ndarray


def portrait(size: int = 512) -> np.ndarray:
    """Head and shoulders of the astronaut photograph, square, scaled so the face is about a third of the frame."""
    photo = data.astronaut()  # 512×512 RGB, face around x 170…280, y 40…190
    return np.ascontiguousarray(cv2.resize(photo[0:300, 72:372], (size, size), interpolation=cv2.INTER_CUBIC))


def locate_mouth(image: np.ndarray, model_path: str | None = None) -> MouthGeometry:
    """Lip corners, inner lips and chin on a still photograph, from one MediaPipe pass."""
    with FaceTracker(resolve_model_path(model_path), max_faces=1) as tracker:
        tracks = tracker.track([image])
    if not tracks.detected[0]:
        raise RuntimeError("demo photograph: no face found")
    lm = tracks.landmarks[0, :, :2]
    return MouthGeometry(lm[UPPER_LIP], lm[LOWER_LIP], lm[MOUTH_LEFT], lm[MOUTH_RIGHT], lm[CHIN])


def mouth_opening(samples: np.ndarray, rate: int, n_frames: int) -> np.ndarray:
    """Per-frame mouth opening in [0, 1] from the speech's RMS loudness (40 ms frames, gated and smoothed)."""
    hop = rate // FPS
    padded = np.pad(samples, (0, max(0, n_frames * hop - len(samples))))[: n_frames * hop]
    rms = np.sqrt(np.mean(padded.reshape(n_frames, hop) ** 2, axis=1))
    level = np.clip((20 * np.log10(rms + 1e-6) + 45.0) / 30.0, 0.0, 1.0)  # −45 dBFS closed … −15 dBFS wide open
    return np.clip(gaussian_filter1d(level, 0.8), 0.0, 1.0)


def _speaking_frame(image: np.ndarray, geo: MouthGeometry, opening: float, max_open: float,
                    grid: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Open the mouth by `opening` × `max_open` pixels: warp the jaw down, paint the cavity between the lips."""
    xs, ys = grid
    drop = opening * max_open
    if drop < 0.3:
        return image.copy()
    center_x = (geo.left[0] + geo.right[0]) / 2.0
    half_width = (geo.right[0] - geo.left[0]) / 2.0
    lip_y = (geo.upper[1] + geo.lower[1]) / 2.0
    chin_y = geo.chin[1]
    # jaw weight: 1 from the lip line down to the chin, fading sideways and below the chin
    below = 1.0 / (1.0 + np.exp(-np.clip((ys - lip_y) / 1.5, -50, 50)))
    side = np.exp(-(((xs - center_x) / (2.2 * half_width)) ** 4))
    under_chin = np.exp(-np.clip(ys - chin_y, 0, None) / (0.35 * (chin_y - lip_y)))
    shift = drop * below * side * under_chin
    warped = cv2.remap(image, xs, (ys - shift).astype(np.float32), cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    # the cavity: a dark ellipse between the parted lips, soft-edged
    mask = np.zeros(image.shape[:2], np.float32)
    axes = (int(round(half_width * 0.75)), max(1, int(round(drop / 2.0 + 0.5))))
    cv2.ellipse(mask, (int(round(center_x)), int(round(lip_y + drop / 2.0))), axes, 0, 0, 360, 1.0, -1, cv2.LINE_AA)
    mask = cv2.GaussianBlur(mask, (0, 0), 1.2)[..., None]
    cavity = np.array([58, 18, 22], np.float32)
    out = warped.astype(np.float32) * (1.0 - mask) + cavity * mask
    return np.clip(out, 0, 255).astype(np.uint8)


def _head_motion(t: float, size: int, pivot: np.ndarray, loudness: float) -> np.ndarray:
    """A 2×3 similarity for frame time `t`: slow sway (roll), a nod that follows the speech, a little drift."""
    roll = 2.0 * np.sin(2 * np.pi * t / 4.3) + 0.8 * np.sin(2 * np.pi * t / 1.9 + 1.0)
    dx = 4.0 * np.sin(2 * np.pi * t / 5.7 + 0.5)
    dy = 2.0 * np.sin(2 * np.pi * t / 3.1) + 2.5 * loudness
    m = cv2.getRotationMatrix2D((float(pivot[0]), float(pivot[1])), roll, 1.0 + 0.01 * np.sin(2 * np.pi * t / 6.5))
    m[:, 2] += (dx, dy)
    return m


def make_demo_clip(text: str, min_seconds: float = 15.5, voice: str = "en-us", words_per_minute: int = 150,
                   max_open_px: float = 16.0, model_path: str | None = None) -> VideoClip:
    """The demo person speaking `text` (repeated until `min_seconds`), as frames at 25 fps with the speech muxed in."""
    image = portrait()
    geo = locate_mouth(image, model_path)
    speech, rate = synthesize(text, voice, words_per_minute)
    pause = np.zeros(int(0.4 * rate), np.float32)
    pieces = [speech]
    while sum(len(p) for p in pieces) < min_seconds * rate:
        pieces += [pause, speech]
    audio = np.concatenate(pieces)
    n_frames = int(np.ceil(len(audio) / rate * FPS))
    audio = np.pad(audio, (0, int(n_frames * rate / FPS) - len(audio)))
    opening = mouth_opening(audio, rate, n_frames)
    h, w = image.shape[:2]
    grid = tuple(np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32)))

    def frames():
        for t in range(n_frames):
            face = _speaking_frame(image, geo, float(opening[t]), max_open_px, grid)
            m = _head_motion(t / FPS, w, geo.chin, float(opening[t]))
            yield cv2.warpAffine(face, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)

    return VideoClip(frames=frames, fps=FPS, audio=audio, sample_rate=rate)
