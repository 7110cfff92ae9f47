"""Second-order spherical-harmonics lighting, as in PHADTF's 3DMM (9 coefficients × 3 colour channels per frame).

    pixel_c = albedo_c · Σ_k L_{c,k} · Y_k(n)          (n: unit camera-space normal)

Y_k are the 9 real SH basis functions (constants below); L absorbs the Lambertian convolution factors, so it is fitted
directly. Given albedo and normals at the face's pixels the model is linear in L: one least-squares problem per channel.
The same basis is written in GLSL for the renderer, so a fitted L renders exactly what the fit assumed.
"""

from __future__ import annotations

import numpy as np

SH_CONSTANTS = (0.282095, 0.488603, 0.488603, 0.488603, 1.092548, 1.092548, 0.315392, 1.092548, 0.546274)
N_LIGHT = 27  # 9 coefficients × RGB, stored coefficient-major: L[k, c] at index 3k + c


def sh_basis(normals: np.ndarray) -> np.ndarray:
    """(..., 3) unit normals → (..., 9) SH basis values."""
    x, y, z = normals[..., 0], normals[..., 1], normals[..., 2]
    c = SH_CONSTANTS
    return np.stack([np.full_like(x, c[0]), c[1] * y, c[2] * z, c[3] * x, c[4] * x * y, c[5] * y * z,
                     c[6] * (3.0 * z * z - 1.0), c[7] * x * z, c[8] * (x * x - y * y)], axis=-1)


SH_GLSL = """
vec3 sh_shading(vec3 n, vec3 L[9]) {
    float b[9] = float[9](%f, %f * n.y, %f * n.z, %f * n.x, %f * n.x * n.y, %f * n.y * n.z,
                          %f * (3.0 * n.z * n.z - 1.0), %f * n.x * n.z, %f * (n.x * n.x - n.y * n.y));
    vec3 s = vec3(0.0);
    for (int k = 0; k < 9; ++k) s += b[k] * L[k];
    return s;
}
""" % SH_CONSTANTS


def ambient_light(level: float = 1.0) -> np.ndarray:
    """Uniform white light whose shading is `level` everywhere (renders the bare albedo at level 1)."""
    light = np.zeros((9, 3))
    light[0] = level / SH_CONSTANTS[0]
    return light.reshape(N_LIGHT)


def shading(normals: np.ndarray, light: np.ndarray) -> np.ndarray:
    """(..., 3) normals and a 27-vector → (..., 3) per-channel shading."""
    return sh_basis(normals) @ np.asarray(light, np.float64).reshape(9, 3)


def fit_light(colors: np.ndarray, albedo: np.ndarray, normals: np.ndarray, ridge: float = 1e-4,
              max_pixels: int = 6000) -> np.ndarray:
    """Least-squares SH light (27,) from N face pixels: observed colours (N, 3), albedo (N, 3), normals (N, 3).

    27 unknowns need far fewer than a face's ~20k pixels: an even subsample of `max_pixels` gives the same answer
    faster. A tiny ridge keeps the 2nd-order terms finite when the visible normals span little of the sphere.
    """
    step = max(1, len(colors) // max_pixels)
    basis = sh_basis(np.asarray(normals[::step], np.float64))
    design = np.asarray(albedo[::step], np.float64).T[:, :, None] * basis[None]  # (3, N, 9)
    gram = design.transpose(0, 2, 1) @ design
    rhs = (design.transpose(0, 2, 1) @ np.asarray(colors[::step], np.float64).T[:, :, None])[..., 0]
    scale = np.trace(gram, axis1=1, axis2=2)[:, None, None] / 9.0
    light = np.linalg.solve(gram + ridge * scale * np.eye(9), rhs[..., None])[..., 0]  # (3, 9)
    return light.T.reshape(N_LIGHT)
