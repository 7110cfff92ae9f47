"""Blending nodes: renders composited onto pose-matched background crops, for the GAN's training and held-out frames.

Training frames are blended onto themselves (the render of frame t over the crop of frame t: what the GAN learns to
turn back into the real crop). Held-out frames, from their reconstructed coefficients, get backgrounds matched by pose
among the training frames only, and are rendered in the matched frame's crop box with its head position (translation)
and lighting: that is where the head is in it, and how it is lit (generation does the same, see synthesis/plan.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from phadtf_kedro.face.blend import composite, match_backgrounds
from phadtf_kedro.face.model import LIGHT, POSE, TRANSLATION, FaceModel, check_coefficients
from phadtf_kedro.face.sequence import render_sequence
from phadtf_kedro.face.sheet import comparison_sheet
from phadtf_kedro.metrics.image import mean_ssim, psnr


def blend_training_frames(face_renders: dict[str, np.ndarray], face_crops: dict[str, np.ndarray],
                          face_coefficients: dict[str, np.ndarray], params: dict[str, Any]) -> dict[str, np.ndarray]:
    """Each tracked training frame's render over its own crop."""
    frames = np.flatnonzero(face_coefficients["train"] & face_coefficients["valid"])
    blended = np.stack([composite(face_renders["rgba"][t], face_crops["crops"][t], params["erode_px"],
                                  params["feather_sigma"]) for t in frames])
    return {"blended": blended, "frames": frames.astype(np.int32), "background": frames.astype(np.int32)}


def match_heldout_backgrounds(face_coefficients: dict[str, np.ndarray], params: dict[str, Any]) -> dict[str, np.ndarray]:
    """For every held-out frame, a training frame whose head pose matches (keyframes on the smoothed angle track)."""
    coeffs = check_coefficients(face_coefficients["coefficients"], "face_coefficients")
    train = np.flatnonzero(face_coefficients["train"] & face_coefficients["valid"])
    held = np.flatnonzero(~face_coefficients["train"])
    if len(held) == 0:  # a video of train_seconds or less
        return {"frames": held.astype(np.int32), "background": held.astype(np.int32), "keyframes": held.astype(np.int32)}
    angles = coeffs[:, POSE][:, :3]
    index, keys = match_backgrounds(angles[held], angles[train], params["search_window"], params["hanning_taps"])
    return {"frames": held.astype(np.int32), "background": train[index].astype(np.int32),
            "keyframes": held[keys].astype(np.int32)}


def blend_heldout_frames(face_model: dict[str, np.ndarray], face_coefficients: dict[str, np.ndarray],
                         face_tracks: dict[str, np.ndarray], face_crops: dict[str, np.ndarray],
                         backgrounds: dict[str, np.ndarray], params: dict[str, Any]) -> dict[str, np.ndarray]:
    """Held-out frames rendered from their reconstructed coefficients into their matched background crops."""
    model = FaceModel.from_arrays(face_model, "face_model")
    frames, background = backgrounds["frames"], backgrounds["background"]
    crops, size = face_crops["crops"], face_crops["crops"].shape[1]
    if len(frames) == 0:
        return {"blended": np.zeros((0, size, size, 3), np.uint8), "frames": frames, "background": background}
    coeffs = check_coefficients(face_coefficients["coefficients"], "face_coefficients")[frames].copy()
    coeffs[:, TRANSLATION] = face_coefficients["coefficients"][background][:, TRANSLATION]  # on the background's head,
    coeffs[:, LIGHT] = face_coefficients["coefficients"][background][:, LIGHT]  # in its light (as generation does)
    renders = render_sequence(model, coeffs, face_tracks["crop_affine"][background], size, params["samples"],
                              outputs=("rgba",))
    blended = np.stack([composite(r.rgba, crops[b], params["erode_px"], params["feather_sigma"])
                        for r, b in zip(renders, background)])
    return {"blended": blended, "frames": frames, "background": background}


def blending_report(blended_heldout: dict[str, np.ndarray], face_crops: dict[str, np.ndarray],
                    face_coefficients: dict[str, np.ndarray], params: dict[str, Any]) -> tuple[dict, dict, Any]:
    """Held-out blended vs real crops (PSNR, SSIM: the baseline refinement must beat) and the matched pose distance."""
    crops = face_crops["crops"]
    frames, background = blended_heldout["frames"], blended_heldout["background"]
    if len(frames) == 0:
        return {"heldout_frames": 0}, {}, comparison_sheet([[crops[0]]], ["no held-out frames"], [0])
    real = crops[frames]
    angles = face_coefficients["coefficients"][:, 52:55].astype(np.float64)
    figures = {
        "heldout_psnr": psnr(blended_heldout["blended"], real),
        "heldout_ssim": mean_ssim(blended_heldout["blended"], real),
        "background_pose_l1_deg": float(np.degrees(np.abs(angles[frames] - angles[background]).sum(axis=1)).mean()),
        "heldout_frames": int(len(frames)),
    }
    picks = np.linspace(0, len(frames) - 1, min(params["contact_sheet_frames"], len(frames))).round().astype(int)
    rows = [[real[i], crops[background[i]], blended_heldout["blended"][i]] for i in picks]
    sheet = comparison_sheet(rows, ["real", "background", "blended"], [int(frames[i]) for i in picks])
    return figures, {k: {"value": float(v), "step": 0} for k, v in figures.items()}, sheet
