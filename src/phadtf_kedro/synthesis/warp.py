"""The background frame's own lower face, moved to the generated expression: a piecewise-affine mesh warp.

The face mesh is posed twice in the background frame's crop box, with that frame's reconstructed expression (`own`:
where each surface point *is* in the real pixels) and with the generated one (where it must go). Every lower-face
triangle of the generated pose takes the real pixels of the same triangle in the own pose, so lips, teeth, stubble
and skin keep the video's own texture and resolution while they follow the new mouth shape. The mesh spans the mouth
opening (MediaPipe's canonical mesh has triangles between the inner lips), so an opening mouth stretches what lies
between the lips in the background frame. Triangles are painted far to near, so the nearer surface wins.
"""

from __future__ import annotations

import cv2
import numpy as np


def triangle_ids(points: np.ndarray, depth: np.ndarray, triangles: np.ndarray, size: int) -> np.ndarray:
    """(size, size) int32: which of `triangles` covers each pixel of the (V, 2) projected `points` (−1: none),
    the nearest one (smallest `depth`) where several overlap."""
    ids = np.full((size, size), -1, np.int32)
    order = np.argsort(-depth[triangles].mean(axis=1))  # far first: nearer triangles overwrite
    corners = np.round(points[triangles] * 4).astype(np.int32)
    for i in order:
        cv2.fillConvexPoly(ids, corners[i], int(i), shift=2)
    return ids


def mesh_warp(image: np.ndarray, own: np.ndarray, generated: np.ndarray, depth: np.ndarray,
              triangles: np.ndarray) -> np.ndarray:
    """`image` (S, S, 3) with the content of each triangle at its `own` (V, 2) pixel position moved to its
    `generated` position (`depth` (V,): the generated vertices' distance, for overlaps). Pixels no triangle covers
    keep their own value."""
    size = image.shape[0]
    ids = triangle_ids(generated, depth, triangles, size)
    ys, xs = np.nonzero(ids >= 0)
    map_x, map_y = np.meshgrid(np.arange(size, dtype=np.float32), np.arange(size, dtype=np.float32))
    if len(ys):
        tri = triangles[ids[ys, xs]]
        a, b, c = generated[tri[:, 0]], generated[tri[:, 1]], generated[tri[:, 2]]
        p = np.column_stack([xs, ys]).astype(np.float64)
        v0, v1, v2 = b - a, c - a, p - a
        det = v0[:, 0] * v1[:, 1] - v1[:, 0] * v0[:, 1]
        det = np.where(np.abs(det) < 1e-9, 1e-9, det)
        wb = (v2[:, 0] * v1[:, 1] - v1[:, 0] * v2[:, 1]) / det
        wc = (v0[:, 0] * v2[:, 1] - v2[:, 0] * v0[:, 1]) / det
        wa = 1.0 - wb - wc
        source = wa[:, None] * own[tri[:, 0]] + wb[:, None] * own[tri[:, 1]] + wc[:, None] * own[tri[:, 2]]
        map_x[ys, xs], map_y[ys, xs] = source[:, 0], source[:, 1]
    return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
