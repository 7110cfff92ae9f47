"""Each evaluation row's frames, measured as the user sees them: full-resolution frames (generated rows pasted back
into their background frame, as `generate` writes them), then cut the same way for every row.

Two cuts per frame: the row's face box resampled to `size`² (PSNR, SSIM and the tracker that gives LMD, mouth and pose
figures all work there) and the same box at its own size, where sharpness (variance of the Laplacian inside the
face's landmark hull) is measured on the frame's pixels as they are — the resolution of the video itself, not the
GAN's. Any resampling there, even 531 → 530 px, halves the Laplacian's variance: an earlier version cut every row at
the real box's side and so scored a frame of the video itself at 0.5 of its own sharpness whenever the sides differed.
Each row's box is that of the video frame its head comes from (the background frame for generated rows), so every
row's face sits in its crop the way the real face sits in the real crop. The sharpness hull is that frame's too: a
hull taken from the real frame would, on a head turned elsewhere, cover hair, edges or room instead of the face, and
score a frame of the video itself (`static`, `replay`) at 0.8 of the video's sharpness.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import cv2
import numpy as np

from phadtf_kedro.evaluation.plan import ROWS
from phadtf_kedro.face.crop import crop_affine, cut_crop, to_crop_coords
from phadtf_kedro.metrics.image import laplacian_variance
from phadtf_kedro.synthesis.paste import background_frames, on_backgrounds, pasted
from phadtf_kedro.synthesis.stream import Synthesizer
from phadtf_kedro.video.ffmpeg import VideoFile


def hull_mask(points: np.ndarray, size: int) -> np.ndarray:
    """(size, size) bool: the convex hull of (N, ≥2) points in pixels; empty when any point is NaN."""
    mask = np.zeros((size, size), np.uint8)
    if np.isfinite(points[:, :2]).all():
        cv2.fillConvexPoly(mask, cv2.convexHull(np.round(points[:, :2]).astype(np.int32)), 1)
    return mask.astype(bool)


class RowCutter:
    """Cuts frames the same way for every row and keeps the `size`² crops and the per-frame sharpness."""

    def __init__(self, face_tracks: dict[str, np.ndarray], size: int):
        self.boxes = face_tracks["crop_boxes"]
        self.landmarks = face_tracks["landmarks"]
        self.size = size

    def cut(self, frame: np.ndarray, head_frame: int) -> tuple[np.ndarray, float]:
        """A row's `frame` (full resolution) showing the head of video frame `head_frame`:
        the `size`² crop, and the sharpness inside that head's face hull on the frame's own pixels."""
        box = tuple(int(v) for v in self.boxes[head_frame])
        side = box[2]
        mask = hull_mask(to_crop_coords(self.landmarks[head_frame], crop_affine(box, side)), side)
        return cut_crop(frame, box, self.size), laplacian_variance(cut_crop(frame, box, side), mask)

    def collect(self, items: Iterator[tuple[np.ndarray, int]]) -> tuple[np.ndarray, np.ndarray]:
        crops, sharpness = [], []
        for frame, head in items:
            crop, sharp = self.cut(frame, head)
            crops.append(crop)
            sharpness.append(sharp)
        return np.stack(crops), np.array(sharpness, np.float64)


def video_rows(video: VideoFile, plan: dict[str, np.ndarray], cutter: RowCutter,
               training: dict[int, np.ndarray]) -> dict[str, np.ndarray]:
    """static and replay (training frames, already decoded) and real (the held-out frames, decoded in one pass)."""
    out = {}
    for row in ("static", "replay"):
        shown = plan[f"{row}.frame"]
        out[row], out[f"sharpness.{row}"] = cutter.collect((training[int(f)], int(f)) for f in shown)
    held = plan["real.frame"]
    real = video.frames(int(held[0]), int(held[-1]) + 1)
    out["real"], out["sharpness.real"] = cutter.collect((frame, int(f)) for f, frame in zip(held, real))
    return out


def synthesized_rows(synth: Synthesizer, video: VideoFile, plan: dict[str, np.ndarray], cutter: RowCutter,
                     generate: dict[str, Any], training: dict[int, np.ndarray]) -> dict[str, np.ndarray]:
    """ours (and blended from the same pass), ours_real_pose, mismatched: synthesized, pasted back as `generate`
    does (its paste region, `generate.seamless`) into the decoded `training` frames."""
    out: dict[str, list] = {}
    for row in ("ours", "ours_real_pose", "mismatched"):
        kinds = ("refined", "blended") if row == "ours" else ("refined",)
        names = {"refined": row, "blended": "blended"}
        rows_plan = {"coefficients": plan[f"{row}.coefficients"], "background": plan[f"{row}.background"]}
        for f, background in on_backgrounds(synth, rows_plan, video, training):
            box = cutter.boxes[f.background]
            for kind in kinds:
                full = pasted(f, kind, background, box, generate["seamless"])
                crop, sharp = cutter.cut(full, f.background)
                out.setdefault(names[kind], []).append(crop)
                out.setdefault(f"sharpness.{names[kind]}", []).append(sharp)
    return {k: np.stack(v) if not k.startswith("sharpness.") else np.array(v, np.float64) for k, v in out.items()}


def row_frames(synth: Synthesizer, video: VideoFile, plan: dict[str, np.ndarray], face_tracks: dict[str, np.ndarray],
               size: int, generate: dict[str, Any]) -> dict[str, np.ndarray]:
    """`<row>`: (T, size, size, 3) uint8 crops and `sharpness.<row>`: (T,) per-frame sharpness, for every row."""
    cutter = RowCutter(face_tracks, size)
    # every training frame any row shows, decoded once (the held-out frames are streamed by video_rows)
    shown = [plan[f"{row}.background"] for row in ("ours", "ours_real_pose", "mismatched")]
    training = background_frames(video, np.concatenate([*shown, plan["static.frame"], plan["replay.frame"]]))
    out = {**synthesized_rows(synth, video, plan, cutter, generate, training),
           **video_rows(video, plan, cutter, training)}
    return {key: out[key] for row in ROWS for key in (row, f"sharpness.{row}")}
