"""The pose convention: matrix → (pitch, yaw, roll, t) → matrix is the identity, and each angle turns the axis it names."""

import numpy as np
from scipy.spatial.transform import Rotation

from phadtf_kedro.face.pose import matrix_to_pose, pose_to_matrix


def test_round_trip_matrix_pose_matrix():
    rng = np.random.default_rng(0)
    m = np.zeros((200, 4, 4))
    m[:, :3, :3] = Rotation.from_euler("xyz", rng.uniform(-0.8, 0.8, (200, 3))).as_matrix()
    m[:, :3, 3] = rng.normal(0, 10, (200, 3))
    m[:, 3, 3] = 1
    np.testing.assert_allclose(pose_to_matrix(matrix_to_pose(m)), m, atol=1e-12)
    poses = matrix_to_pose(m)
    np.testing.assert_allclose(matrix_to_pose(pose_to_matrix(poses)), poses, atol=1e-12)


def test_each_angle_names_its_axis():
    yaw = pose_to_matrix(np.array([0, 0.3, 0, 0, 0, -40]))[:3, :3]
    assert np.isclose(yaw[1, 1], 1) and np.isclose(yaw[0, 2], np.sin(0.3))  # about camera Y: the nose (+Z) swings towards +X
    pitch = pose_to_matrix(np.array([0.3, 0, 0, 0, 0, 0]))[:3, :3]
    assert np.isclose(pitch[0, 0], 1) and np.isclose(pitch[1, 2], -np.sin(0.3))
    roll = pose_to_matrix(np.array([0, 0, 0.3, 0, 0, 0]))[:3, :3]
    assert np.isclose(roll[2, 2], 1) and np.isclose(roll[1, 0], np.sin(0.3))


def test_scale_in_the_matrix_is_ignored():
    m = pose_to_matrix(np.array([0.1, -0.2, 0.05, 1, 2, -50]))
    scaled = m.copy()
    scaled[:3, :3] *= 1.1
    np.testing.assert_allclose(matrix_to_pose(scaled), matrix_to_pose(m), atol=1e-12)
