"""The person's own face geometry: a neutral shape plus a linear expression basis driven by the 52 blendshape scores.

    vertices(e) = neutral + Σ_k e_k · basis_k        (canonical frame, cm; e = the tracker's blendshape scores)

Fitted from the training frames only. Each frame's 468 tracked landmarks are lifted back to 3D along their camera rays
at the depth the current model gives them, moved into the canonical frame with the inverse head pose, and the shape is
solved by ridge regression of those points on the scores (ridge on the basis only, so the neutral shape is free). A few
rounds of re-lifting make this a Gauss-Newton fit of the landmark reprojection error. Starts from MediaPipe's canonical mesh.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from phadtf_kedro.face.camera import backproject, project
from phadtf_kedro.face.pose import rotation


@dataclass
class PersonalShape:
    neutral: np.ndarray  # (V, 3) cm, canonical frame
    basis: np.ndarray  # (K, V, 3) cm per unit blendshape score

    def vertices(self, expression: np.ndarray) -> np.ndarray:
        """(T, K) scores → (T, V, 3) canonical-frame vertices."""
        return self.neutral[None] + np.tensordot(np.asarray(expression, np.float64), self.basis, axes=(1, 0))


def to_camera(vertices: np.ndarray, poses: np.ndarray) -> np.ndarray:
    """Canonical (T, V, 3) → camera space with (T, 6) poses."""
    rot = rotation(poses)
    return vertices @ rot.transpose(0, 2, 1) + np.asarray(poses, np.float64)[:, None, 3:]


def reprojection_error(shape: PersonalShape, expression: np.ndarray, poses: np.ndarray, intrinsics: np.ndarray,
                       landmarks: np.ndarray) -> np.ndarray:
    """Per-frame mean distance (px) between projected model vertices and tracked landmarks (T, V, 2)."""
    pixels = project(to_camera(shape.vertices(expression), poses), intrinsics)
    return np.linalg.norm(pixels - landmarks[:, : pixels.shape[1], :2], axis=-1).mean(axis=1)


def ridge_shape(points: np.ndarray, expression: np.ndarray, ridge: float) -> PersonalShape:
    """Ridge regression of canonical points (T, V, 3) on scores (T, K): the neutral shape and the basis."""
    t, v, _ = points.shape
    e = np.asarray(expression, np.float64)
    e_mean, y = e.mean(axis=0), points.reshape(t, -1)
    y_mean = y.mean(axis=0)
    ec = e - e_mean
    gram = ec.T @ ec + ridge * np.eye(e.shape[1])
    basis = np.linalg.solve(gram, ec.T @ (y - y_mean))
    neutral = y_mean - e_mean @ basis
    return PersonalShape(neutral.reshape(v, 3), basis.reshape(-1, v, 3))


def fit_shape(canonical: np.ndarray, landmarks: np.ndarray, expression: np.ndarray, poses: np.ndarray,
              intrinsics: np.ndarray, ridge: float = 1.0, rounds: int = 3) -> PersonalShape:
    """Fit neutral + basis to tracked landmarks (T, ≥V, 2 px) of frames with known poses (T, 6) and intrinsics (T, 4)."""
    n_vertices = len(canonical)
    shape = PersonalShape(np.asarray(canonical, np.float64), np.zeros((expression.shape[1], n_vertices, 3)))
    rot = rotation(poses)
    for _ in range(rounds):
        depth = -to_camera(shape.vertices(expression), poses)[..., 2]
        lifted = backproject(landmarks[:, :n_vertices, :2].astype(np.float64), depth, intrinsics)
        canon = np.einsum("tji,tvj->tvi", rot, lifted - np.asarray(poses, np.float64)[:, None, 3:])
        shape = ridge_shape(canon, expression, ridge)
    return shape
