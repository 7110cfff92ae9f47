"""Texture gathering (hole filling, occlusion robustness) and the personal shape fit, on synthetic data."""

import numpy as np

from phadtf_kedro.face.camera import project
from phadtf_kedro.face.shape import PersonalShape, fit_shape, reprojection_error, to_camera
from phadtf_kedro.face.texture import TextureAccumulator, push_pull


def test_push_pull_fills_holes_from_neighbours():
    sums = np.zeros((32, 32, 3))
    weights = np.zeros((32, 32))
    sums[:, :16], weights[:, :16] = 0.2, 1.0
    sums[:, 16:20], weights[:, 16:20] = 0.8, 1.0  # columns 20… never seen
    image = push_pull(sums, weights)
    assert np.allclose(image[:, :16], 0.2) and np.allclose(image[:, 16:20], 0.8)
    assert (image[:, 20:] > 0.3).all() and (image[:, 20:] <= 0.8 + 1e-9).all()


def test_occluding_frame_is_outvoted():
    rng = np.random.default_rng(0)
    uv = rng.uniform(0, 1, (4000, 2))
    normals = np.tile([0.0, 0.0, 1.0], (4000, 1))
    truth = np.full((16, 16, 3), 0.5, np.float32)
    acc = TextureAccumulator(16)
    for _ in range(5):
        acc.add(np.full((4000, 3), 0.5), uv, normals, reference=truth)
    acc.add(np.full((4000, 3), 0.0), uv, normals, reference=truth)  # a hand over the face: black
    assert np.abs(acc.texture() - 0.5).max() < 0.01


def test_shape_fit_recovers_a_synthetic_person():
    rng = np.random.default_rng(2)
    canonical = rng.normal(0, 5, (60, 3))
    truth = PersonalShape(canonical + rng.normal(0, 0.3, (60, 3)), rng.normal(0, 0.3, (4, 60, 3)))
    expression = rng.uniform(0, 1, (120, 4))
    poses = np.column_stack([rng.normal(0, 0.15, (120, 3)), rng.normal(0, 1, (120, 2)), -45 + rng.normal(0, 2, 120)])
    intrinsics = np.tile([420.0, 420.0, 128.0, 128.0], (120, 1))
    landmarks = project(to_camera(truth.vertices(expression), poses), intrinsics)
    start = PersonalShape(canonical, np.zeros((4, 60, 3)))
    assert reprojection_error(start, expression, poses, intrinsics, landmarks).mean() > 5
    errors = [reprojection_error(fit_shape(canonical, landmarks, expression, poses, intrinsics, ridge=1e-6,
                                           rounds=r), expression, poses, intrinsics, landmarks).mean() for r in (1, 6)]
    # lateral offsets are recovered at once; depth only through the head's rotations, so later rounds creep on
    # (measured 0.69 px after 1 round, 0.55 after 6 on this noise-free synthetic person)
    assert errors[0] < 0.8 and errors[1] < 0.9 * errors[0]
