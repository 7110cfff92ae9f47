"""The mouth opening of a warped lower face comes from the training frame with the nearest mouth (Face2Face's mouth
retrieval), not from the matched frame's closed lips stretched open."""

from __future__ import annotations

import numpy as np

from phadtf_kedro.face.mesh import load_canonical_mesh
from phadtf_kedro.face.tracker import default_model_path
from phadtf_kedro.synthesis.region import lower_face_triangles
from phadtf_kedro.synthesis.warp import INNER_LIP, inner_mouth_triangles, mouth_sources, with_mouth_interior


def test_the_opening_triangles_join_inner_lip_vertices_only():
    mesh = load_canonical_mesh(default_model_path())
    inner = inner_mouth_triangles(mesh.triangles)
    assert len(inner) >= 10 and np.isin(inner, INNER_LIP).all()
    lower = {tuple(t) for t in lower_face_triangles(mesh.vertices, mesh.triangles)}
    assert all(tuple(t) in lower for t in inner)  # inside what the warp moves
    assert set(np.unique(inner)) == set(INNER_LIP)  # the whole inner contour takes part


def test_sources_keep_the_background_when_its_mouth_is_close_else_the_nearest_training_mouth():
    own = np.array([[0.0], [0.1], [0.5], [0.52], [0.9]])  # frame 4 is held out: never a source
    training = np.array([0, 1, 2, 3])
    generated = np.array([[0.12], [0.5], [0.53], [0.51], [0.95]])
    background = np.array([1, 0, 0, 0, 0])
    sources = mouth_sources(generated, own, background, training, margin=0.05)
    # the background's own mouth is within the margin; then the nearest training mouth (2); then the previous source
    # is kept while within the margin of the best (3 is nearer for 0.51 and 0.53); 0.95 is nearest the held-out 0.9,
    # which is no source: the widest training mouths (3, and 2 within the margin) are
    assert sources.tolist() == [1, 2, 2, 2, 2]
    assert mouth_sources(generated, own, background, training, margin=0.0).tolist() == [1, 2, 3, 3, 3]
    assert mouth_sources(generated, own, background, training, margin=10.0).tolist() == background.tolist()


def test_the_interior_comes_from_the_source_and_nothing_else_changes():
    size = 64
    warped = np.full((size, size, 3), 200, np.uint8)
    source = np.full((size, size, 3), 20, np.uint8)
    points = np.array([[20.0, 20.0], [44.0, 20.0], [20.0, 44.0], [44.0, 44.0], [5.0, 5.0]])
    inner = np.array([[0, 1, 2], [1, 3, 2]])  # a 24-px square opening
    out = with_mouth_interior(warped, source, points, points, np.full(5, 45.0), inner, feather=1.0)
    assert out[32, 32].tolist() == [20, 20, 20]  # the middle of the opening: the source's interior
    outside = np.ones((size, size), bool)
    outside[19:46, 19:46] = False
    assert (out[outside] == 200).all()  # outside the opening: the warped frame, untouched
    assert 20 < out[20, 32, 0] < 200  # the inner lip line is feathered inward


def test_a_negative_margin_still_picks_a_training_frame():
    own = np.array([[0.0], [1.0]])
    assert mouth_sources(np.array([[0.9]]), own, np.array([0]), np.array([0, 1]), -1.0).tolist() == [1]
