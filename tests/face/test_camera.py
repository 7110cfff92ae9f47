"""The crop camera: projection and back-projection invert each other, and OpenGL's clip matrix agrees with them."""

import numpy as np

from phadtf_kedro.face.camera import backproject, crop_intrinsics, focal_px, gl_projection, project


def test_project_backproject_round_trip():
    rng = np.random.default_rng(1)
    k = crop_intrinsics(focal_px(720), (1280, 720), np.array([[0.46, 0, -250.0], [0, 0.46, -40.0]]))
    pts = np.column_stack([rng.normal(0, 8, 50), rng.normal(0, 8, 50), -rng.uniform(30, 60, 50)])
    px = project(pts, k)
    np.testing.assert_allclose(backproject(px, -pts[:, 2], k), pts, atol=1e-9)


def test_gl_projection_lands_on_the_same_pixels():
    k = np.array([300.0, 300.0, 140.0, 110.0])
    pts = np.array([[0.0, 0.0, -40.0], [5.0, -3.0, -45.0], [-6.0, 4.0, -35.0]])
    clip = np.column_stack([pts, np.ones(3)]) @ gl_projection(k, 256).T
    ndc = clip[:, :3] / clip[:, 3:]
    pixels = np.column_stack([(ndc[:, 0] + 1) * 128, (ndc[:, 1] + 1) * 128])  # framebuffer row 0 = top
    np.testing.assert_allclose(pixels, project(pts, k), atol=1e-9)
    assert (np.abs(ndc[:, 2]) < 1).all()


def test_full_frame_focal_matches_mediapipe_fov():
    assert abs(focal_px(720) - 360 / np.tan(np.radians(31.5))) < 1e-9
