"""The pinhole camera MediaPipe's face geometry assumes, seen through a face crop.

Full frame W×H: u = W/2 + f·X/−Z, v = H/2 − f·Y/−Z with f = (H/2)/tan(vfov/2) (vfov 63° in MediaPipe's geometry
pipeline; see docs/architecture.md, "Camera model"). A crop is the 2×3 affine `crop_affine` from preprocessing applied
to (u, v), so each crop has its own off-centre pinhole (fx = s·f, principal point moved). Pixel coordinates are
continuous with pixel i covering [i, i + 1), the same as OpenGL's viewport, so projections and renders line up to the
sub-pixel.
"""

from __future__ import annotations

import numpy as np

DEFAULT_VFOV_DEG = 63.0


def focal_px(frame_height: float, vfov_deg: float = DEFAULT_VFOV_DEG) -> float:
    """Focal length in full-frame pixels for a vertical field of view."""
    return float(frame_height) / 2.0 / np.tan(np.radians(vfov_deg) / 2.0)


def crop_intrinsics(focal: float, frame_size, affine: np.ndarray) -> np.ndarray:
    """(..., 4) = (fx, fy, cx, cy) in crop pixels (y down) for (..., 2, 3) crop affines (uniform scale, no shear)."""
    w, h = float(frame_size[0]), float(frame_size[1])
    a = np.asarray(affine, np.float64)
    s = a[..., 0, 0]
    return np.stack([s * focal, s * focal, s * w / 2.0 + a[..., 0, 2], s * h / 2.0 + a[..., 1, 2]], axis=-1)


def project(points: np.ndarray, intrinsics: np.ndarray) -> np.ndarray:
    """Camera-space points (..., N, 3) → pixel coordinates (..., N, 2) with intrinsics (..., 4)."""
    k = np.asarray(intrinsics, np.float64)[..., None, :]
    depth = -points[..., 2]
    return np.stack([k[..., 2] + k[..., 0] * points[..., 0] / depth,
                     k[..., 3] - k[..., 1] * points[..., 1] / depth], axis=-1)


def backproject(pixels: np.ndarray, depth: np.ndarray, intrinsics: np.ndarray) -> np.ndarray:
    """Pixels (..., N, 2) at positive depths (..., N) → camera-space points (..., N, 3), the inverse of `project`."""
    k = np.asarray(intrinsics, np.float64)[..., None, :]
    x = (pixels[..., 0] - k[..., 2]) * depth / k[..., 0]
    y = -(pixels[..., 1] - k[..., 3]) * depth / k[..., 1]
    return np.stack([x, y, -depth], axis=-1)


def gl_projection(intrinsics: np.ndarray, size: int, near: float = 1.0, far: float = 1000.0) -> np.ndarray:
    """OpenGL clip matrix for a size×size crop with these intrinsics. NDC y points down the image, so the framebuffer's
    first row is the crop's top row (read back without flipping; front faces turn clockwise on screen)."""
    fx, fy, cx, cy = (float(v) for v in intrinsics)
    return np.array([
        [2.0 * fx / size, 0.0, 1.0 - 2.0 * cx / size, 0.0],
        [0.0, -2.0 * fy / size, 1.0 - 2.0 * cy / size, 0.0],
        [0.0, 0.0, -(far + near) / (far - near), -2.0 * far * near / (far - near)],
        [0.0, 0.0, -1.0, 0.0],
    ])
