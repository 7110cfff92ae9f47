"""Every metric of every evaluation row against the real held-out video, on the same frames, crops and tracker.

Image: `psnr` (MSE pooled over all frames), `psnr_per_frame` (PSNR per frame, averaged, as papers report it),
`psnr_face` (pooled, inside the real face's landmark hull), `ssim`, `sharpness_ratio` (variance of the Laplacian
inside each row's own face hull at the video's resolution, generated ÷ real). Mouth: `lmd`, `mouth_corr` (Pearson of the
inner-lip gap ÷ inter-ocular distance, row vs real, frame by frame), `mouth_std_ratio`, the sync proxy
(`sync_lag_frames`, `sync_corr`: mouth against the 1–3 kHz speech envelope). Head (angles from the same tracker on
every row's crops, so every row's pose is measured the same way): `pose_rmse_deg`, `pose_std_ratio`, `hs`,
`hs_velocity`, `beat_align` (motion beats against the held-out audio's onsets). `face_detected`: share of frames where
the tracker found the face.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from phadtf_kedro.evaluation.plan import ROWS
from phadtf_kedro.metrics.image import frame_psnrs, masked_psnr, mean_ssim
from phadtf_kedro.metrics.motion import std_ratio
from phadtf_kedro.metrics.mouth import landmark_distance
from phadtf_kedro.metrics.pose import head_pose_similarity, head_pose_velocity_similarity, pose_rmse_deg, pose_std_ratio
from phadtf_kedro.metrics.sync import beat_align, correlation, motion_beats, sync_offset

SELF_UNDEFINED = ("psnr", "psnr_per_frame", "psnr_face")  # infinite for the real row (a frame against itself)


def image_metrics(frames: np.ndarray, real: np.ndarray, face: np.ndarray, sharpness: np.ndarray,
                  real_sharpness: np.ndarray) -> dict[str, float]:
    pooled, per_frame = frame_psnrs(frames, real)
    return {"psnr": pooled, "psnr_per_frame": per_frame,
            "psnr_face": masked_psnr(frames[face] / 255.0, real[face] / 255.0), "ssim": mean_ssim(frames, real),
            "sharpness_ratio": float(np.nanmean(sharpness) / np.nanmean(real_sharpness))}


def mouth_metrics(landmarks: np.ndarray, real_landmarks: np.ndarray, mouth: np.ndarray, real_mouth: np.ndarray,
                  envelope: np.ndarray, max_lag: int) -> dict[str, float]:
    lmd = landmark_distance(landmarks, real_landmarks)
    lag, corr = sync_offset(mouth, envelope, max_lag)
    return {"lmd": float(np.nanmean(lmd)) if np.isfinite(lmd).any() else float("nan"),
            "mouth_corr": correlation(mouth, real_mouth), "mouth_std_ratio": std_ratio(mouth, real_mouth),
            "sync_lag_frames": float(lag), "sync_corr": corr}


def head_metrics(pose: np.ndarray, real_pose: np.ndarray, onsets: np.ndarray, params: dict[str, Any]) -> dict[str, float]:
    return {"pose_rmse_deg": pose_rmse_deg(pose, real_pose), "pose_std_ratio": pose_std_ratio(pose, real_pose),
            "hs": head_pose_similarity(pose, real_pose, params["hs_bin_deg"]),
            "hs_velocity": head_pose_velocity_similarity(pose, real_pose, params["hs_velocity_bin_deg"]),
            "beat_align": beat_align(onsets, motion_beats(pose, params["beat_smooth_frames"],
                                                               params["beat_min_prominence_deg"]),
                                     params["beat_sigma_frames"])}


def evaluation_rows(frames: dict[str, np.ndarray], landmarks: dict[str, np.ndarray], poses: dict[str, np.ndarray],
                    mouths: dict[str, np.ndarray], face: np.ndarray, envelope: np.ndarray, onsets: np.ndarray,
                    params: dict[str, Any]) -> dict[str, dict[str, float | None]]:
    """`table[row][metric]` for every row; a value that is undefined (infinite or NaN) is None."""
    table = {}
    for row in ROWS:
        values = {**image_metrics(frames[row], frames["real"], face, frames[f"sharpness.{row}"],
                                  frames["sharpness.real"]),
                  **mouth_metrics(landmarks.get(f"fan.{row}", landmarks[row]),  # LMD on FAN's points if tracked
                                  landmarks.get("fan.real", landmarks["real"]), mouths[row], mouths["real"], envelope,
                                  params["max_sync_lag"]),
                  **head_metrics(poses[row], poses["real"], onsets, params),
                  "face_detected": float(np.isfinite(landmarks[row][:, 0, 0]).mean())}
        table[row] = {k: (float(v) if np.isfinite(v) else None) for k, v in values.items()}
    return table


def undefined_notes(table: dict[str, dict[str, float | None]]) -> dict[str, str]:
    """Why a cell is None, per `row.metric`."""
    notes = {}
    for row, values in table.items():
        for metric, value in values.items():
            if value is not None:
                continue
            if row == "real" and metric in SELF_UNDEFINED:
                notes[f"{row}.{metric}"] = "infinite: the real frames compared with themselves"
            else:
                notes[f"{row}.{metric}"] = "undefined: no frame where the tracker found a face in both this row and " \
                                           "the real video (or the real track does not move)"
    return notes
