"""Reconstruction nodes on small synthetic tracks: gaps, the train/held-out split."""

import numpy as np

from phadtf_kedro.face.pose import pose_to_matrix
from phadtf_kedro.pipelines.reconstruction.nodes import tracked_motion


def test_untracked_frames_are_interpolated_and_split_by_time():
    poses = np.column_stack([np.linspace(-0.2, 0.2, 50), np.zeros((50, 2)), np.linspace(-5, 5, 50), np.zeros(50),
                             np.full(50, -45.0)])
    transform = pose_to_matrix(poses).astype(np.float32)
    blendshapes = np.tile(np.linspace(0, 1, 50)[:, None], (1, 52)).astype(np.float32)
    num_faces = np.ones(50, np.int32)
    num_faces[[0, 20, 21]] = 0
    transform[num_faces == 0] = np.nan
    blendshapes[num_faces == 0] = np.nan
    tracks = {"transform": transform, "blendshapes": blendshapes, "num_faces": num_faces, "fps": np.float32(25)}
    motion = tracked_motion(tracks, {"train_seconds": 1.2})
    assert np.isfinite(motion["poses"]).all() and np.isfinite(motion["expression"]).all()
    np.testing.assert_allclose(motion["poses"][1:], poses[1:], atol=1e-5)  # gaps inside: linear, like the truth
    np.testing.assert_allclose(motion["expression"][1:, 0], np.linspace(0, 1, 50)[1:], atol=1e-6)
    np.testing.assert_allclose(motion["poses"][0], poses[1], atol=1e-5)  # an edge gap holds the nearest frame
    assert motion["train"].sum() == 30 and motion["valid"].sum() == 47
