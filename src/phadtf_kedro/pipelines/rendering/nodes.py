"""Rendering nodes: the person's face re-rendered from coefficients, with alpha and normal maps, and its checks."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from phadtf_kedro.face.model import FaceModel, check_coefficients
from phadtf_kedro.face.sequence import render_sequence
from phadtf_kedro.face.sheet import comparison_sheet
from phadtf_kedro.metrics.image import masked_psnr


def render_frames(face_model: dict[str, np.ndarray], face_coefficients: dict[str, np.ndarray],
                  face_tracks: dict[str, np.ndarray], size: int, params: dict[str, Any]) -> dict[str, np.ndarray]:
    """Every frame from its reconstructed coefficients, in its own crop box (size² like the crops): RGBA
    (premultiplied by coverage) and normal maps."""
    model = FaceModel.from_arrays(face_model, "face_model")
    coefficients = check_coefficients(face_coefficients.get("coefficients", np.zeros((0, 0))), "face_coefficients")
    rgba, normal = [], []
    for frame in render_sequence(model, coefficients, face_tracks["crop_affine"], size, params["samples"]):
        rgba.append(frame.rgba)
        normal.append(frame.normal_map[..., :3])
    return {"rgba": np.stack(rgba), "normal": np.stack(normal)}


def rendering_report(renders: dict[str, np.ndarray], face_crops: dict[str, np.ndarray],
                     face_tracks: dict[str, np.ndarray], face_coefficients: dict[str, np.ndarray],
                     params: dict[str, Any]) -> tuple[dict, dict, Any]:
    """PSNR of the render vs the crop inside the face mask, mask coverage of the tracked face, contact sheet."""
    crops, rgba = face_crops["crops"], renders["rgba"]
    alpha = rgba[..., 3].astype(np.float32) / 255.0
    valid, train = face_coefficients["valid"], face_coefficients["train"]
    psnr = np.full(len(crops), np.nan)
    coverage = np.full(len(crops), np.nan)
    size = crops.shape[1]
    # the outline landmarks sit on the silhouette itself: count a landmark as covered within one pixel of the mask
    near_face = np.stack([cv2.dilate((a > 0).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0 for a in alpha])
    for t in np.flatnonzero(valid):
        inside = alpha[t] >= 0.5
        color = rgba[t, ..., :3].astype(np.float32) / np.maximum(alpha[t], 1e-3)[..., None]
        psnr[t] = masked_psnr(color[inside] / 255.0, crops[t][inside].astype(np.float32) / 255.0)
        pts = np.clip(np.round(face_tracks["crop_landmarks"][t, :468, :2] - 0.5).astype(int), 0, size - 1)
        coverage[t] = float(np.mean(near_face[t][pts[:, 1], pts[:, 0]]))
    held = valid & ~train
    figures = {"render_psnr_train": float(np.nanmean(psnr[valid & train])),
               "render_psnr_heldout": float(np.nanmean(psnr[held])) if held.any() else float("nan"),
               "mask_landmark_coverage": float(np.nanmean(coverage))}
    metrics = {k: {"value": v, "step": 0} for k, v in figures.items() if np.isfinite(v)}
    frames = np.linspace(0, len(crops) - 1, min(params["contact_sheet_frames"], len(crops))).round().astype(int)
    rows = []
    for t in frames:
        over = (rgba[t, ..., :3] + (1.0 - alpha[t, ..., None]) * crops[t]).clip(0, 255).astype(np.uint8)
        rows.append([crops[t], rgba[t, ..., :3], over])
    return figures, metrics, comparison_sheet(rows, ["real", "render", "overlay"], list(frames))
