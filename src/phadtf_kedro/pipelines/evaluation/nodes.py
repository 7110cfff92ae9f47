"""Evaluation nodes. On the held-out frames (after the training part), driven by their own audio:

- `ours`: ATCNet's expression with the real (replayed) head pose, rendered, blended, refined — PSNR/SSIM/LMD/sync
  measure image and mouth quality with the pose taken out; pose RMSE and HS use ATCNet's *predicted* pose.
- `static`: the last training frame repeated; `replay`: the training frames played back from the start.
- `real`: the real crops (sync reference).
Every variant's frames are tracked by the same MediaPipe tracker, at the same size.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from PIL import Image

from phadtf_kedro.audio.io import Audio
from phadtf_kedro.face.model import POSE, FaceModel
from phadtf_kedro.face.pose import choose_poses, replay_index
from phadtf_kedro.face.sheet import comparison_sheet
from phadtf_kedro.face.tracker import FaceTracker, resolve_model_path
from phadtf_kedro.metrics.image import at_size, masked_psnr, mean_ssim, psnr
from phadtf_kedro.metrics.mouth import landmark_distance, mouth_opening
from phadtf_kedro.metrics.plots import evaluation_figure
from phadtf_kedro.metrics.pose import head_pose_similarity, pose_rmse_deg
from phadtf_kedro.metrics.sync import speech_envelope, sync_offset
from phadtf_kedro.synthesis.plan import plan_frames, training_frames
from phadtf_kedro.synthesis.stream import Synthesizer
from phadtf_kedro.training.refinement import RefinementGAN

VARIANTS = ("ours", "static", "replay", "real")


def evaluation_plan(heldout_motion: dict[str, np.ndarray], face_coefficients: dict[str, np.ndarray],
                    generation: dict[str, Any], blending: dict[str, Any], params: dict[str, Any]) -> dict[str, np.ndarray]:
    """Held-out frames (at most max_frames): `ours` with the real pose, the predicted pose, and the baselines' frames."""
    frames = heldout_motion["frames"][:params["max_frames"]]
    predicted = heldout_motion["predicted"][:len(frames)]
    coeffs = face_coefficients["coefficients"]
    train = training_frames(face_coefficients)
    plan = plan_frames(predicted[:, :52], coeffs[frames][:, POSE], face_coefficients, blending["search_window"],
                       blending["hanning_taps"])
    reference = coeffs[train][:, POSE]
    predicted_pose = choose_poses(predicted[:, 52:58], reference, "predicted", generation["pose_amplitude"],
                                  reference.mean(axis=0))
    replay = train[replay_index(len(train), len(frames))]
    return {**plan, "frames": frames.astype(np.int32), "predicted_pose": predicted_pose.astype(np.float32),
            "static": np.full(len(frames), train[-1], np.int32), "replay": replay.astype(np.int32)}


def evaluation_frames(face_model: dict[str, np.ndarray], refinement_gan: RefinementGAN,
                      face_crops: dict[str, np.ndarray], face_tracks: dict[str, np.ndarray],
                      plan: dict[str, np.ndarray], blending: dict[str, Any]) -> dict[str, np.ndarray]:
    """Each variant's crops at the GAN's size (the size every figure is measured at)."""
    crops, size = face_crops["crops"], refinement_gan.config.size
    if len(plan["frames"]) == 0:
        return {name: np.zeros((0, size, size, 3), np.uint8) for name in VARIANTS}
    synth = Synthesizer(FaceModel.from_arrays(face_model, "face_model"), refinement_gan, crops,
                        face_tracks["crop_affine"], blending["samples"], blending["erode_px"], blending["feather_sigma"])
    ours = np.stack([f.refined for f in synth.frames(plan["coefficients"], plan["background"])])
    return {"ours": ours, "static": at_size(crops[plan["static"]], size),
            "replay": at_size(crops[plan["replay"]], size), "real": at_size(crops[plan["frames"]], size)}


def track_evaluation_frames(frames: dict[str, np.ndarray], params: dict[str, Any]) -> dict[str, np.ndarray]:
    """MediaPipe landmarks of every variant's frames, in pixels of a `landmark_scale`² crop (NaN: no face)."""
    model = resolve_model_path(params["face_landmarker_model"])
    out = {}
    for name, images in frames.items():
        with FaceTracker(model, max_faces=1) as tracker:
            tracks = tracker.track(images)
        scale = params["landmark_scale"] / images.shape[1] if len(images) else 1.0
        out[name] = (tracks.landmarks * scale).astype(np.float32)
    return out


def face_masks(landmarks: np.ndarray, size: int, scale: float) -> np.ndarray:
    """(T, size, size) bool masks: the convex hull of each real frame's landmarks (the face proper, no background)."""
    masks = np.zeros((len(landmarks), size, size), np.uint8)
    for t, points in enumerate(landmarks):
        if np.isfinite(points[:, :2]).all():
            hull = cv2.convexHull((points[:, :2] * size / scale).astype(np.int32))
            cv2.fillConvexPoly(masks[t], hull, 1)
    return masks.astype(bool)


def evaluation_table(frames: dict[str, np.ndarray], landmarks: dict[str, np.ndarray], plan: dict[str, np.ndarray],
                     face_coefficients: dict[str, np.ndarray], audio_16k: Audio,
                     params: dict[str, Any]) -> tuple[dict, dict, Any, Any]:
    """One row per variant: psnr, psnr_face (inside the real face's landmark hull), ssim, lmd, pose_rmse_deg, hs, sync_lag_frames, sync_corr (+ detection rate)."""
    held = plan["frames"]
    if len(held) == 0:  # a video of train_seconds or less
        blank = Image.new("RGB", (64, 64))
        return {"heldout_frames": 0}, {}, blank, blank
    coeffs = face_coefficients["coefficients"]
    real_pose = coeffs[held][:, POSE]
    start = int(round(held[0] * audio_16k.sample_rate / 25.0))
    envelope = speech_envelope(audio_16k.samples[start:], audio_16k.sample_rate, len(held))
    poses = {"ours": plan["predicted_pose"], "static": coeffs[plan["static"]][:, POSE],
             "replay": coeffs[plan["replay"]][:, POSE]}
    face = face_masks(landmarks["real"], frames["real"].shape[1], params["landmark_scale"])
    table, mouths = {}, {}
    for name in VARIANTS:
        mouths[name] = mouth_opening(landmarks[name])
        lag, corr = sync_offset(mouths[name], envelope, params["max_sync_lag"])
        row = {"sync_lag_frames": lag, "sync_corr": corr,
               "face_detected": float(np.isfinite(landmarks[name][:, 0, 0]).mean())}
        if name != "real":
            lmd = landmark_distance(landmarks[name], landmarks["real"])
            row.update(psnr=psnr(frames[name], frames["real"]),
                       psnr_face=masked_psnr(frames[name][face] / 255.0, frames["real"][face] / 255.0),
                       ssim=mean_ssim(frames[name], frames["real"]),
                       lmd=float(np.nanmean(lmd)) if np.isfinite(lmd).any() else float("nan"),
                       pose_rmse_deg=pose_rmse_deg(poses[name], real_pose),
                       hs=head_pose_similarity(poses[name], real_pose, params["hs_bin_deg"]))
        table[name] = row
    report = {"heldout_frames": int(len(held)), "table": table,
              "notes": {"psnr_ssim_lmd_sync": "ours uses the real head pose (replayed), so these isolate image and "
                                              "mouth quality; pose_rmse_deg and hs use ATCNet's predicted pose",
                        "hs": "mean over pitch/yaw/roll of the histogram intersection of generated vs real angles "
                              f"({params['hs_bin_deg']}° bins): 1 = same distribution, 0 = disjoint",
                        "lmd": f"mean lip-landmark distance after a similarity alignment, px at "
                               f"{params['landmark_scale']}²"}}
    metrics = {f"{name}.{k}": {"value": float(v), "step": 0} for name, row in table.items() for k, v in row.items()
               if np.isfinite(v)}
    figure = evaluation_figure(real_pose, plan["predicted_pose"], {k: mouths[k] for k in ("real", "ours")}, envelope)
    picks = np.linspace(0, len(held) - 1, min(params["contact_sheet_frames"], len(held))).round().astype(int)
    sheet = comparison_sheet([[frames[v][i] for v in VARIANTS] for i in picks], list(VARIANTS),
                             [int(held[i]) for i in picks])
    return report, metrics, figure, sheet
