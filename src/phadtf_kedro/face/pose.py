"""The project's one head-pose convention: 6 numbers per frame, (pitch, yaw, roll, tx, ty, tz).

The facial transformation matrix M = [R | t] maps canonical-mesh points (cm; +X the face's left→right as seen from the
camera, +Y up, +Z out of the face) into camera space, where the camera looks down −Z. The rotation is factored as

    R = Rz(roll) · Ry(yaw) · Rx(pitch)        (angles in radians; scipy's intrinsic "ZYX")

so pitch nods about the camera's X axis (positive lifts the chin), yaw turns about Y, roll tilts about Z. Translation is
in the tracker's metric units (cm), tz is negative in front of the camera. This is the only module that converts.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

POSE_NAMES = ("pitch", "yaw", "roll", "tx", "ty", "tz")


def matrix_to_pose(matrices: np.ndarray) -> np.ndarray:
    """(..., 4, 4) rigid transforms → (..., 6) poses. Any scale in the 3×3 block is removed first (SVD polar part)."""
    m = np.asarray(matrices, np.float64)
    lead = m.shape[:-2]
    flat = m.reshape(-1, 4, 4)
    u, _, vt = np.linalg.svd(flat[:, :3, :3])
    rot = u @ vt
    rot[np.linalg.det(rot) < 0] *= -1.0
    roll_yaw_pitch = Rotation.from_matrix(rot).as_euler("ZYX")
    pose = np.concatenate([roll_yaw_pitch[:, ::-1], flat[:, :3, 3]], axis=1)
    return pose.reshape(*lead, 6)


def pose_to_matrix(poses: np.ndarray) -> np.ndarray:
    """(..., 6) poses → (..., 4, 4) rigid transforms, the inverse of `matrix_to_pose`."""
    p = np.asarray(poses, np.float64)
    lead = p.shape[:-1]
    flat = p.reshape(-1, 6)
    out = np.zeros((len(flat), 4, 4))
    out[:, :3, :3] = Rotation.from_euler("ZYX", flat[:, 2::-1]).as_matrix()
    out[:, :3, 3] = flat[:, 3:]
    out[:, 3, 3] = 1.0
    return out.reshape(*lead, 4, 4)


def rotation(poses: np.ndarray) -> np.ndarray:
    """The (..., 3, 3) rotation of (..., 6) poses."""
    return pose_to_matrix(poses)[..., :3, :3]


POSE_SOURCES = ("matched", "predicted", "reference")


def replay_index(n_reference: int, n_frames: int) -> np.ndarray:
    """Frames 0, 1, …, n−1, n−2, …, 0, 1, … of a reference of n frames: replayed from the start, bouncing at the ends."""
    t = np.arange(n_frames)
    period = max(2 * n_reference - 2, 1)
    return np.where(t % period < n_reference, t % period, period - t % period)


def choose_poses(predicted: np.ndarray, reference: np.ndarray, source: str = "predicted", amplitude: float = 1.0,
                 person_mean: np.ndarray | None = None) -> np.ndarray:
    """The head-pose track a generated video starts from, (T, 6).

    `predicted`: the network's poses, their deviation from the person's mean pose scaled by `amplitude` (1 = as
    predicted, 0 = still head at the mean). `matched` (PHADTF's test time): the same track, which is then only the
    query of the background match — `synthesis.plan` replaces all six values of every frame by those of the matched
    training frame. `reference`: the person's own tracked poses replayed from the start (PHADTF's
    test_personalized2), bouncing back and forth when the audio is longer than the video.
    """
    if source in ("predicted", "matched"):
        mean = predicted.mean(axis=0) if person_mean is None else np.asarray(person_mean, np.float64)
        return mean + amplitude * (np.asarray(predicted, np.float64) - mean)
    if source == "reference":
        return np.asarray(reference, np.float64)[replay_index(len(reference), len(predicted))]
    raise ValueError(f"pose source {source!r}: expected one of {', '.join(POSE_SOURCES)}")
