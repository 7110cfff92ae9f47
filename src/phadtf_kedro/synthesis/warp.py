"""The background frame's own lower face, moved to the generated expression: a piecewise-affine mesh warp.

The face mesh is posed twice in the background frame's crop box, with that frame's reconstructed expression (`own`:
where each surface point *is* in the real pixels) and with the generated one (where it must go). Every lower-face
triangle of the generated pose takes the real pixels of the same triangle in the own pose, so lips, teeth, stubble
and skin keep the video's own texture and resolution while they follow the new mouth shape. The mesh spans the mouth
opening (MediaPipe's canonical mesh has triangles between the inner lips), so an opening mouth stretches what lies
between the lips in the background frame. Triangles are painted far to near, so the nearer surface wins.

Around the mesh the warp may fade into the frame (`surround`, `faded_into_surround`): a pixel just outside the
generated lower face takes the displacement of the nearest pixel inside it, eased to none over a band three times
as wide as that move. Without it, where the new jaw closes more than the background frame's, the old chin stayed
where it was below the new one: a doubled jaw line. With it, the neck and cheeks' surroundings stretch or shrink to
meet the moved contour, as in image morphing with fixed outer points.

The face model places a frame's lips only up to a residual (that frame's own mouth); by default the own pose's lips
take the shape the tracker saw instead (`with_tracked_lips`, `generate.own_lips: tracked`), so that residual does not
ride into the generated mouth.

Where the new mouth opens wider than the background frame's, stretching its closed lips would smear lip pixels over
the opening: the opening's triangles are then filled from the training frame whose own mouth is most like the new one
(`mouth_sources`, `with_mouth_interior`; `generate.mouth_interior: retrieved`).
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy.spatial import cKDTree


def triangle_ids(points: np.ndarray, depth: np.ndarray, triangles: np.ndarray,
                 shape: int | tuple[int, int]) -> np.ndarray:
    """`shape` (an int: square) int32: which of `triangles` covers each pixel of the (V, 2) projected `points`
    (−1: none), the nearest one (smallest `depth`) where several overlap."""
    ids = np.full((shape, shape) if isinstance(shape, int) else shape, -1, np.int32)
    order = np.argsort(-depth[triangles].mean(axis=1))  # far first: nearer triangles overwrite
    corners = np.round(points[triangles] * 4).astype(np.int32)
    for i in order:
        cv2.fillConvexPoly(ids, corners[i], int(i), shift=2)
    return ids


def triangle_affines(triangles: np.ndarray, generated: np.ndarray, own: np.ndarray) -> np.ndarray:
    """(F, 2, 3) per triangle, the affine map of a pixel (x, y, 1) at the triangle's `generated` position to the same
    barycentric point at its `own` position."""
    a, b, c = (generated[triangles[:, k]].astype(np.float64) for k in range(3))
    oa, ob, oc = (own[triangles[:, k]].astype(np.float64) for k in range(3))
    v0, v1 = b - a, c - a
    det = v0[:, 0] * v1[:, 1] - v1[:, 0] * v0[:, 1]
    det = np.where(np.abs(det) < 1e-9, 1e-9, det)[:, None]
    db, dc = ob - oa, oc - oa  # where the barycentric weights of b and c move the point
    along_x = (v1[:, 1:2] * db - v0[:, 1:2] * dc) / det
    along_y = (v0[:, 0:1] * dc - v1[:, 0:1] * db) / det
    offset = oa - along_x * a[:, 0:1] - along_y * a[:, 1:2]
    return np.stack([along_x, along_y, offset], axis=2)


def source_positions(ids: np.ndarray, ys: np.ndarray, xs: np.ndarray, triangles: np.ndarray, generated: np.ndarray,
                     own: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For pixels (ys, xs) covered by triangle `ids`, where they come from: the same barycentric point of the triangle
    at its `own` position (x and y arrays)."""
    m = triangle_affines(triangles, generated, own)[ids[ys, xs]]
    return (m[:, 0, 0] * xs + m[:, 0, 1] * ys + m[:, 0, 2], m[:, 1, 0] * xs + m[:, 1, 1] * ys + m[:, 1, 2])


def _box(corners: np.ndarray, shape: tuple[int, ...], pad: int = 0) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1): the pixels around (N, 2) points, grown by `pad`, within an image of `shape` (empty when
    x1 ≤ x0 or y1 ≤ y0)."""
    x0, y0 = (max(int(np.floor(v)) - pad, 0) for v in corners.min(axis=0))
    x1, y1 = (min(int(np.ceil(v)) + pad + 1, limit) for v, limit in zip(corners.max(axis=0), shape[1::-1]))
    return x0, y0, x1, y1


def surround_band(own: np.ndarray, generated: np.ndarray, triangles: np.ndarray) -> float:
    """Width in px of the widest band around the generated mesh over which the warp may fade to none: `BAND_PER_PX`
    times the largest move of a vertex of `triangles`, at least `MIN_BAND_PX` (each pixel's own band follows the move
    of the mesh next to it: `faded_into_surround`)."""
    used = np.unique(triangles)
    moves = np.linalg.norm(np.asarray(own, np.float64)[used] - np.asarray(generated, np.float64)[used], axis=1)
    return float(max(BAND_PER_PX * np.max(moves, initial=0.0), MIN_BAND_PX))


RESAMPLING = {"linear": cv2.INTER_LINEAR, "cubic": cv2.INTER_CUBIC}
BAND_PER_PX = 3.0  # px of fade per px of move: the eased fade's steepest slope (1.5 / band) stays below 1, no fold
MIN_BAND_PX = 2.0  # the narrowest band, where the contour barely moves


def faded_into_surround(covered: np.ndarray, dx: np.ndarray, dy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Displacements (dx, dy), known on the `covered` pixels, carried outside them: each other pixel takes the
    displacement of its nearest covered pixel, eased by a smoothstep from 1 at the mesh to 0 at `BAND_PER_PX` times
    that displacement's length (at least `MIN_BAND_PX`). Where the contour barely moves (the upper cheeks, the line
    under the nose) the band is a pixel or two, so the video's own pixels are hardly resampled there."""
    if covered.all() or not covered.any():
        return dx, dy
    distance, label = cv2.distanceTransformWithLabels((~covered).astype(np.uint8), cv2.DIST_L2, 5,
                                                      labelType=cv2.DIST_LABEL_PIXEL)
    nearest = np.flatnonzero(covered)[label - 1]  # labels number the covered pixels in raster order, from 1
    ndx, ndy = dx.ravel()[nearest], dy.ravel()[nearest]
    band = np.maximum(BAND_PER_PX * np.hypot(ndx, ndy), MIN_BAND_PX)
    fade = np.clip(1.0 - distance / band, 0.0, 1.0)
    fade = np.where(covered, 1.0, fade * fade * (3.0 - 2.0 * fade)).astype(np.float32)
    return ndx * fade, ndy * fade


def mesh_warp(image: np.ndarray, own: np.ndarray, generated: np.ndarray, depth: np.ndarray,
              triangles: np.ndarray, surround: bool = False, resampling: str = "linear") -> np.ndarray:
    """`image` (H, W, 3) (a crop or the whole video frame) with the content of each triangle at its `own` (V, 2)
    pixel position moved to its `generated` position (`depth` (V,): the generated vertices' distance, for
    overlaps). Pixels no triangle covers keep their own value, or with `surround` follow the mesh's nearest
    displacement, eased to none (`faded_into_surround`); only the box around the `triangles` at their generated
    position (grown by `surround_band`) is resampled, bilinearly or bicubically (`resampling`: a sub-pixel move
    blurs less)."""
    pad = int(np.ceil(surround_band(own, generated, triangles))) if surround else 0
    x0, y0, x1, y1 = _box(generated[np.unique(triangles)], image.shape, pad)  # not the mesh's other vertices
    out = image.copy()
    if x1 <= x0 or y1 <= y0:
        return out
    ids = triangle_ids(generated - [x0, y0], depth, triangles, (y1 - y0, x1 - x0))
    # per pixel, its triangle's affine map; the last slot, for pixels no triangle covers, is the identity
    affines = np.concatenate([triangle_affines(triangles, generated, own), [[[1, 0, 0], [0, 1, 0]]]]).astype(np.float32)
    m = affines[ids]  # ids −1 → the identity
    x, y = np.meshgrid(np.arange(x0, x1, dtype=np.float32), np.arange(y0, y1, dtype=np.float32))
    map_x = m[..., 0, 0] * x + m[..., 0, 1] * y + m[..., 0, 2]
    map_y = m[..., 1, 0] * x + m[..., 1, 1] * y + m[..., 1, 2]
    if surround:
        dx, dy = faded_into_surround(ids >= 0, map_x - x, map_y - y)
        map_x, map_y = x + dx, y + dy
    out[y0:y1, x0:x1] = cv2.remap(image, map_x, map_y, RESAMPLING[resampling], borderMode=cv2.BORDER_REPLICATE)
    return out


# MediaPipe face-mesh vertices of the outer lip contour, in order around the mouth
OUTER_LIP = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185)


def lip_vertices(neutral: np.ndarray) -> np.ndarray:
    """Indices of the lips' vertices: those on or inside the outer lip contour of the (V, 3) canonical mesh seen from
    the front (the lip body and the inner contour)."""
    ring = np.asarray(neutral, np.float32)[list(OUTER_LIP), :2]
    inside = [cv2.pointPolygonTest(ring, (float(x), float(y)), False) >= 0 for x, y in np.asarray(neutral)[:, :2]]
    return np.flatnonzero(inside)


def with_tracked_lips(own: np.ndarray, tracked: np.ndarray, lips: np.ndarray) -> np.ndarray:
    """(V, 2) projected `own` vertices with the `lips`' shape taken from `tracked` (the tracker's landmarks of the same
    frame, same pixels), their mean position kept; `own` itself where the tracker has no such points.

    Why: the person's face model (face/shape.py) explains a frame's lips only up to a residual. The warp moves what lies
    at the model's lips to the generated lips, so that residual (the background frame's own mouth, unrelated to the
    speech) rode along into every generated mouth; with the lips where the tracker sees them, the generated mouth has
    the generated shape."""
    points = np.asarray(tracked, np.float64)[lips, :2]
    if not np.isfinite(points).all():
        return own
    out = np.array(own, np.float64)
    out[lips] = points - points.mean(axis=0) + out[lips].mean(axis=0)
    return out


# MediaPipe face-mesh vertices of the inner lip contour: the triangles between them span the mouth opening
INNER_LIP = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 191, 80, 81, 82, 13, 312, 311, 310, 415)
# the blendshapes the mouth interior follows: how far the mouth opens and whether the lips meet
MOUTH_SHAPES = ("jawOpen", "mouthClose", "mouthLowerDownLeft", "mouthLowerDownRight", "mouthUpperUpLeft",
                "mouthUpperUpRight")


def inner_mouth_triangles(triangles: np.ndarray) -> np.ndarray:
    """(F', 3) triangles of the mesh whose three vertices lie on the inner lip contour: the mouth opening."""
    inner = np.isin(triangles, INNER_LIP).all(axis=1)
    return triangles[inner]


def mouth_sources(generated: np.ndarray, own: np.ndarray, background: np.ndarray, training: np.ndarray,
                  margin: float) -> np.ndarray:
    """Per generated frame, the training frame whose mouth interior (teeth, tongue, the dark of the mouth) to show:
    the one whose own mouth shape (`generated`, `own`: (T, K) and (N_video, K) `MOUTH_SHAPES` columns) is nearest,
    unless the background frame's own mouth, or failing that the previous frame's source, is within `margin` of it
    (fewer switches: the interior does not flicker between equally good frames). Only `training` frames are sources.

    Why: the warp stretches what lies between the background frame's lips; where the new mouth opens wider than the
    background's, that is a smear of lip pixels. Face2Face (Thies et al. 2016) retrieves the mouth interior from the
    person's own frames for the same reason."""
    generated, own = np.asarray(generated, np.float64), np.asarray(own, np.float64)
    training = np.asarray(training, np.int64)
    lowest, nearest = cKDTree(own[training]).query(generated)  # memory O(T): generation may drive minutes of audio
    best = training[nearest]
    sources, previous = np.empty(len(generated), np.int64), None
    for t, (b, g) in enumerate(zip(np.asarray(background, np.int64), generated)):
        if np.linalg.norm(g - own[b]) <= lowest[t] + margin:
            sources[t] = b
        elif previous is not None and np.linalg.norm(g - own[previous]) <= lowest[t] + margin:
            sources[t] = previous
        else:
            sources[t] = best[t]
        previous = sources[t]
    return sources


def with_mouth_interior(warped: np.ndarray, source_crop: np.ndarray, source_px: np.ndarray, generated: np.ndarray,
                        depth: np.ndarray, inner: np.ndarray, feather: float, resampling: str = "linear") -> np.ndarray:
    """`warped` (a crop or a whole frame) with the mouth opening (`inner` triangles at their `generated` positions)
    taken from another frame's crop or frame, where those triangles lie at `source_px`; the seam along the inner lips
    feathered by `feather` px. Only the opening's bounding box is computed (it is a few % of the crop)."""
    x0, y0, x1, y1 = _box(generated[np.unique(inner)], warped.shape, int(np.ceil(3 * feather)) + 2)
    if x1 <= x0 or y1 <= y0:
        return warped
    local = generated - [x0, y0]
    ids = triangle_ids(local, depth, inner, (y1 - y0, x1 - x0))
    ys, xs = np.nonzero(ids >= 0)
    if not len(ys):
        return warped
    sx, sy = source_positions(ids, ys, xs, inner, local, source_px)
    interior = cv2.remap(source_crop, sx[None].astype(np.float32), sy[None].astype(np.float32),
                         RESAMPLING[resampling], borderMode=cv2.BORDER_REPLICATE)[0]
    mask = (ids >= 0).astype(np.float32)
    if feather > 0:  # fade inward only: the seam along the inner lips
        mask = cv2.GaussianBlur(mask, (0, 0), feather) * mask
    out = warped.copy()
    view = out[y0:y1, x0:x1]
    weight = mask[ys, xs][:, None]
    view[ys, xs] = np.clip(weight * interior + (1.0 - weight) * view[ys, xs] + 0.5, 0, 255).astype(np.uint8)
    return out
