"""What each generated frame shows: its 85 coefficients and the training frame whose background it sits on.

Expression comes from ATCNet (optionally amplitude-calibrated per person, `training.calibration`). The head pose
(`face.pose.choose_poses`, `pose_source`):

- `matched` (PHADTF's test time, `choose_bg_gexinghua2_reassign2`): ATCNet's pose track only chooses the background —
  keyframes on it are matched among the training frames (`face.blend.match_backgrounds`) — and every frame then takes
  *all six* pose values of its matched training frame. The head moves as the person's head really moved, and the face
  sits exactly on the head of its background frame. This is the paper's personalization.
- `predicted`: ATCNet's angles (scaled around the person's mean by `pose_amplitude`), on a background matched to them.
- `reference`: the person's tracked poses replayed from the start.

In all three the render takes the background frame's head *position* (translation) and lighting: the face must sit on
the head that is in the background frame, lit like that room; a translation of its own would float the face beside
that head.
"""

from __future__ import annotations

import numpy as np

from phadtf_kedro.errors import PhadtfError
from phadtf_kedro.face.blend import match_backgrounds
from phadtf_kedro.face.model import EXPRESSION, LIGHT, POSE, TRANSLATION, check_coefficients, pack
from phadtf_kedro.face.pose import POSE_SOURCES, choose_poses
from phadtf_kedro.training.calibration import apply_calibration, with_pose_cap


def training_frames(face_coefficients: dict[str, np.ndarray]) -> np.ndarray:
    """Indices of the tracked training frames: the only frames backgrounds and replayed poses come from."""
    return np.flatnonzero(face_coefficients["train"] & face_coefficients["valid"])


def plan_frames(expression: np.ndarray, poses: np.ndarray, face_coefficients: dict[str, np.ndarray],
                window: int | None, taps: int, reassign: bool = False, speed: float = 1.0,
                head_speed_quantile: float | None = None, pace: str = "linear") -> dict[str, np.ndarray]:
    """Coefficients (T, 85) and background frame index (T,) for given expression (T, 52) and pose (T, 6) tracks.

    `reassign`: every frame takes the full pose of its matched training frame (PHADTF), else only its translation.
    `speed`, `head_speed_quantile`, `pace`: how fast the backgrounds may and do run (`face.blend.match_backgrounds`)."""
    coeffs = check_coefficients(face_coefficients["coefficients"], "face_coefficients")
    train = training_frames(face_coefficients)
    index, keys = match_backgrounds(poses[:, :3], coeffs[train][:, POSE][:, :3], window, taps, speed,
                                    head_speed_quantile=head_speed_quantile, pace=pace)
    background = train[index]
    on_head = np.array(poses, np.float64, copy=True)
    on_head[:, 3:6] = coeffs[background][:, TRANSLATION]
    if reassign:
        on_head = coeffs[background][:, POSE].astype(np.float64)
    planned = pack(np.clip(expression, 0.0, 1.0), on_head, coeffs[background][:, LIGHT]).astype(np.float32)
    return {"coefficients": planned, "background": background.astype(np.int32), "keyframes": keys.astype(np.int32)}


def plan_from_prediction(predicted: np.ndarray, face_coefficients: dict[str, np.ndarray], pose_source: str,
                         pose_amplitude: float, window: int | None, taps: int, calibration: dict | None = None,
                         speed: float = 1.0, head_speed_quantile: float | None = None,
                         pace: str = "linear") -> dict[str, np.ndarray]:
    """PHADTF's test time from ATCNet's (T, 58) expression | pose: calibrated (when a `calibration` is given; the
    pose's gains bounded by the expression's `max_gain` when the predicted angles are shown), the
    pose reassigned from matched training frames, replaced by the replayed track, or kept (see the module docstring).
    `window` caps the match's search half-width (None: PHADTF's ±speed × frames since the previous keyframe)."""
    if pose_source not in POSE_SOURCES:
        raise PhadtfError(f"audio_motion.generation.pose_source is {pose_source!r}: expected one of "
                          f"{', '.join(POSE_SOURCES)}")
    if calibration is not None:
        if pose_source == "predicted" and "max_gain" in calibration:  # the angles are shown, not only matched
            calibration = with_pose_cap(calibration, float(calibration["max_gain"]))
        predicted = apply_calibration(predicted, calibration)
    coeffs = face_coefficients["coefficients"]
    reference = coeffs[training_frames(face_coefficients)][:, POSE]
    poses = choose_poses(predicted[:, POSE], reference, pose_source, pose_amplitude, reference.mean(axis=0))
    return plan_frames(predicted[:, EXPRESSION], poses, face_coefficients, window, taps,
                       reassign=pose_source == "matched", speed=speed, head_speed_quantile=head_speed_quantile,
                       pace=pace)
