"""Where a generated frame differs from its background frame: the lower face, as the new expression and as the
background frame's own expression put it.

With PHADTF's test-time pose (`pose_source: matched`) the face is rendered on the head of its background frame, in
that frame's pose: hair, ears, eyes, brows and room are already right, at the video's own resolution. Only what speech
moves (lips, jaw, chin, cheeks) needs new pixels. Pasting back just that region keeps the rest of the face as sharp
as the video itself, instead of replacing it with an upscaled GAN output. The region is the union of the lower-face
triangles of the mesh posed twice — with the generated expression and with the background frame's reconstructed one —
so the old chin and lips are covered wherever the new ones moved away from them.
"""

from __future__ import annotations

import cv2
import numpy as np

from phadtf_kedro.face.blend import fill_holes
from phadtf_kedro.face.camera import project
from phadtf_kedro.face.model import FaceModel

NOSE_TIP = 1  # MediaPipe face-mesh vertex at the tip of the nose: the lower face is what lies below it


def lower_face_triangles(neutral: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """(F', 3) triangles of the mesh whose three vertices all lie below the nose tip (canonical y points up)."""
    below = neutral[:, 1] < neutral[NOSE_TIP, 1]
    return triangles[below[triangles].all(axis=1)]


def fill_triangles(points: np.ndarray, triangles: np.ndarray, size: int) -> np.ndarray:
    """(size, size) uint8 {0, 255}: the triangles of (V, 2) pixel coordinates, filled."""
    mask = np.zeros((size, size), np.uint8)
    if len(triangles) and np.isfinite(points).all():
        cv2.fillPoly(mask, list(np.round(points[triangles] * 4).astype(np.int32)), 255, shift=2)
    return mask


def changed_region(model: FaceModel, generated: np.ndarray, own: np.ndarray, intrinsics: np.ndarray, size: int,
                   grow_px: int, triangles: np.ndarray | None = None) -> np.ndarray:
    """(size, size) uint8 {0, 255} mask of the lower face under the `generated` and the background's `own` (85,)
    coefficients, seen through the crop `intrinsics` (4,), dilated by `grow_px` (px at `size`)."""
    if triangles is None:
        triangles = lower_face_triangles(model.shape.neutral, model.triangles)
    posed = model.camera_vertices(np.stack([generated, own]))
    return region_of([project(p, intrinsics) for p in posed], triangles, size, grow_px)


def region_of(projections: list[np.ndarray], triangles: np.ndarray, size: int, grow_px: int) -> np.ndarray:
    """The union of `triangles` over several (V, 2) projections of the mesh, dilated by `grow_px`."""
    mask = np.zeros((size, size), np.uint8)
    for points in projections:
        mask |= fill_triangles(points, triangles, size)
    return dilated(mask, grow_px)


def dilated(mask: np.ndarray, grow_px: int) -> np.ndarray:
    """`mask` grown by `grow_px` with an elliptic element; only around what it covers (the lower face is a fraction of
    the crop, and the dilation's cost grows with the area it is run on)."""
    if grow_px <= 0 or not mask.any():
        return mask
    x, y, w, h = cv2.boundingRect(mask)
    x0, y0 = max(x - grow_px, 0), max(y - grow_px, 0)
    x1, y1 = min(x + w + grow_px, mask.shape[1]), min(y + h + grow_px, mask.shape[0])
    out = mask.copy()
    out[y0:y1, x0:x1] = cv2.dilate(mask[y0:y1, x0:x1],
                                   cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow_px + 1,) * 2))
    return out


def face_mask(rgba: np.ndarray, grow_px: int) -> np.ndarray:
    """The whole rendered face (`region: face`, the paper's paste): coverage, holes filled, dilated by grow_px."""
    return dilated(fill_holes(rgba[..., 3] >= 128).astype(np.uint8) * 255, grow_px)
