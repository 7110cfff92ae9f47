"""A person's face model and the per-frame coefficient vector that drives it.

Coefficients, one row per 25 fps frame (PHADTF used a 257-vector of BFM identity | expression | texture | light | pose;
identity and texture are per person here, so a row holds only what changes per frame):

    [ expression: 52 blendshape scores | pose: pitch, yaw, roll (rad), tx, ty, tz (cm) | light: 27 SH coefficients ]
      columns 0–51                       52–57                                           58–84

The face model holds what is fixed per person: the neutral shape and expression basis (face/shape.py), the mesh's
triangles and UVs, the albedo texture, and the camera (focal length of the full frame; each frame's crop adds its box).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from phadtf_kedro.errors import PhadtfError
from phadtf_kedro.face.camera import crop_intrinsics
from phadtf_kedro.face.lighting import N_LIGHT
from phadtf_kedro.face.pose import POSE_NAMES
from phadtf_kedro.face.shape import PersonalShape, to_camera

N_EXPRESSION = 52
EXPRESSION, POSE, LIGHT = slice(0, 52), slice(52, 58), slice(58, 85)
TRANSLATION = slice(55, 58)  # tx, ty, tz (cm) inside POSE
N_COEFFICIENTS = N_EXPRESSION + len(POSE_NAMES) + N_LIGHT


def coefficient_names(blendshape_names) -> list[str]:
    return ([f"expression/{n}" for n in blendshape_names] + [f"pose/{n}" for n in POSE_NAMES]
            + [f"light/{k}{'rgb'[c]}" for k in range(9) for c in range(3)])


def pack(expression: np.ndarray, poses: np.ndarray, light: np.ndarray) -> np.ndarray:
    return np.concatenate([expression, poses, light], axis=1).astype(np.float32)


def check_coefficients(coefficients: np.ndarray, source: str = "coefficients") -> np.ndarray:
    """The (T, 85) finite float array, or one line saying what is wrong with it."""
    c = np.asarray(coefficients)
    if c.ndim != 2 or c.shape[1] != N_COEFFICIENTS:
        raise PhadtfError(f"{source}: coefficient array has shape {c.shape}, expected (frames, {N_COEFFICIENTS}) = "
                          "expression 52 | pose 6 | light 27")
    if not np.issubdtype(c.dtype, np.floating) or not np.isfinite(c).all():
        raise PhadtfError(f"{source}: coefficients contain non-finite or non-numeric values")
    return c.astype(np.float64)


@dataclass
class FaceModel:
    shape: PersonalShape
    uv: np.ndarray  # (V, 2)
    triangles: np.ndarray  # (F, 3)
    texture: np.ndarray  # (S, S, 3) float32 albedo
    focal: float  # full-frame focal length, px
    frame_size: tuple[int, int]  # (W, H) of the source video
    blendshape_names: list[str]

    def camera_vertices(self, coefficients: np.ndarray) -> np.ndarray:
        """(T, 85) coefficients → (T, V, 3) camera-space vertices."""
        c = np.atleast_2d(coefficients)
        return to_camera(self.shape.vertices(c[:, EXPRESSION]), c[:, POSE])

    def intrinsics(self, crop_affine: np.ndarray) -> np.ndarray:
        """(T, 2, 3) crop affines → (T, 4) crop intrinsics."""
        return crop_intrinsics(self.focal, self.frame_size, crop_affine)

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {"neutral": self.shape.neutral.astype(np.float32), "basis": self.shape.basis.astype(np.float32),
                "uv": self.uv.astype(np.float32), "triangles": self.triangles.astype(np.int32),
                "texture": self.texture.astype(np.float32), "focal": np.float64(self.focal),
                "frame_size": np.array(self.frame_size, np.int32), "blendshape_names": np.array(self.blendshape_names)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], source: str = "face model") -> FaceModel:
        missing = {"neutral", "basis", "uv", "triangles", "texture", "focal", "frame_size"} - set(arrays)
        if missing:
            raise PhadtfError(f"{source}: not a face model (missing {', '.join(sorted(missing))})")
        return cls(PersonalShape(arrays["neutral"].astype(np.float64), arrays["basis"].astype(np.float64)),
                   arrays["uv"], arrays["triangles"], arrays["texture"], float(arrays["focal"]),
                   tuple(int(v) for v in arrays["frame_size"]), [str(n) for n in arrays["blendshape_names"]])
