"""Paste a synthesized face back into the full background frame (the paper's trans_with_bigbg).

The synthesized patch (at the face's native size, see synthesis/stream.py) is scaled to its box in the frame; only its
paste region (synthesis/region.py: the lower face that speech moves, or the whole rendered face) is merged, by a
feathered alpha paste or OpenCV's Poisson seamless cloning (`seamless=True`, the paper's choice), so colour and
brightness meet the surrounding frame without a seam. A lower face warped in the video frame itself
(synthesis/stream.py `warp_space: frame`) needs no paste: `pasted` hands that frame on as it is.
"""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np

from phadtf_kedro.synthesis.stream import SynthFrame, Synthesizer
from phadtf_kedro.video.ffmpeg import VideoFile


def background_frames(video: VideoFile, needed: np.ndarray) -> dict[int, np.ndarray]:
    """Full-resolution frames `needed` (indices at 25 fps) of the person's video, decoded once in order."""
    wanted = set(int(i) for i in np.unique(needed))
    if not wanted:
        return {}
    return {t: frame for t, frame in enumerate(video.frames(0, max(wanted) + 1)) if t in wanted}


def on_backgrounds(synth: Synthesizer, plan: dict[str, np.ndarray], video: VideoFile,
                   backgrounds: dict[int, np.ndarray] | None = None) -> Iterator[tuple[SynthFrame, np.ndarray]]:
    """Each planned frame, synthesized, with the full-resolution frame of the person's video it is pasted into
    (taken from `backgrounds` when the caller has already decoded them; frames missing there, such as the mouth
    sources, are decoded)."""
    sources = synth.mouth_sources(plan["coefficients"], plan["background"])
    needed = {int(i) for i in np.concatenate([plan["background"], sources])}
    missing = needed - set(backgrounds or {})
    if missing:
        backgrounds = {**(backgrounds or {}), **background_frames(video, np.array(sorted(missing)))}
    for frame in synth.frames(plan["coefficients"], plan["background"], backgrounds, sources):
        yield frame, backgrounds[frame.background]


def pasted(frame: SynthFrame, kind: str, background: np.ndarray, box: np.ndarray, seamless: bool) -> np.ndarray:
    """The full frame of `frame`'s `kind` ("refined" or "blended"): pasted back into `background`, unless the
    synthesizer already made it in the frame itself (`SynthFrame.full`: a lower face warped where it is)."""
    if frame.full is not None:
        return frame.full
    return paste_back(getattr(frame, kind), frame.region, background, box, seamless)


def paste_back(refined: np.ndarray, mask: np.ndarray, frame: np.ndarray, box: np.ndarray,
               seamless: bool = True) -> np.ndarray:
    """The full frame with `refined` (N×N) placed in its crop box (x0, y0, side) inside `mask` (N×N)."""
    x0, y0, side = (int(v) for v in box)
    h, w = frame.shape[:2]
    patch = cv2.resize(refined, (side, side), interpolation=cv2.INTER_CUBIC)
    region = cv2.resize(mask, (side, side), interpolation=cv2.INTER_NEAREST)
    # keep 2 px clear of the frame's edges (the box may leave the frame; seamlessClone needs a border)
    xs, ys = np.arange(side) + x0, np.arange(side) + y0
    region[(ys < 2) | (ys >= h - 2), :] = 0
    region[:, (xs < 2) | (xs >= w - 2)] = 0
    if not region.any():
        return frame.copy()
    bx, by, bw, bh = cv2.boundingRect(region)
    if not seamless:  # a feathered alpha paste: ~10× cheaper than Poisson cloning, but colour seams can show
        out = frame.copy()
        alpha = cv2.GaussianBlur(region[by:by + bh, bx:bx + bw].astype(np.float32) / 255.0, (0, 0), max(side / 64, 1))
        view = out[y0 + by:y0 + by + bh, x0 + bx:x0 + bx + bw]
        view[...] = (alpha[..., None] * patch[by:by + bh, bx:bx + bw] + (1 - alpha[..., None]) * view + 0.5).astype(np.uint8)
        return out
    src = np.ascontiguousarray(patch[by:by + bh, bx:bx + bw])
    sub = np.ascontiguousarray(region[by:by + bh, bx:bx + bw])
    center = (x0 + bx + bw // 2, y0 + by + bh // 2)
    return cv2.seamlessClone(src, np.ascontiguousarray(frame), sub, center, cv2.NORMAL_CLONE)
