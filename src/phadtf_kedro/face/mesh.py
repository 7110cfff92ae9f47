"""MediaPipe's canonical face mesh (468 vertices with UVs, 898 triangles), read from inside `face_landmarker.task`.

The mesh ships in the task bundle as `geometry_pipeline_metadata_landmarks.binarypb`, a serialized
`GeometryPipelineMetadata` protobuf (mediapipe/modules/face_geometry/protos). MediaPipe's wheel has no generated Python
module for it, so the two messages we need are described here and decoded by the protobuf runtime itself. Coordinates
are in centimetres in the canonical frame (+Y up, +Z out of the face towards the viewer); UVs have v pointing down the
texture image (row 0 at v = 0 after `uv_to_texture_rows`).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from phadtf_kedro.errors import PhadtfError

MESH_ENTRY = "geometry_pipeline_metadata_landmarks.binarypb"
N_VERTICES = 468


@dataclass(frozen=True)
class CanonicalMesh:
    vertices: np.ndarray  # (468, 3) float64, cm, canonical frame
    uv: np.ndarray  # (468, 2) float64 texture coordinates in [0, 1]; v = 0 is the top row of the texture image (forehead)
    triangles: np.ndarray  # (898, 3) int32, counter-clockwise seen from the front (+Z)


@lru_cache(maxsize=1)
def _metadata_class():
    """Build the message class for GeometryPipelineMetadata from a hand-written descriptor (field numbers as upstream)."""
    F = descriptor_pb2.FieldDescriptorProto
    proto = descriptor_pb2.FileDescriptorProto(name="phadtf_face_geometry.proto", package="phadtf", syntax="proto2")
    mesh = proto.message_type.add(name="Mesh3d")
    mesh.field.add(name="vertex_type", number=1, type=F.TYPE_INT32, label=F.LABEL_OPTIONAL)
    mesh.field.add(name="primitive_type", number=2, type=F.TYPE_INT32, label=F.LABEL_OPTIONAL)
    mesh.field.add(name="vertex_buffer", number=3, type=F.TYPE_FLOAT, label=F.LABEL_REPEATED,
                   options=descriptor_pb2.FieldOptions(packed=True))
    mesh.field.add(name="index_buffer", number=4, type=F.TYPE_UINT32, label=F.LABEL_REPEATED,
                   options=descriptor_pb2.FieldOptions(packed=True))
    ref = proto.message_type.add(name="WeightedLandmarkRef")
    ref.field.add(name="landmark_id", number=1, type=F.TYPE_UINT32, label=F.LABEL_OPTIONAL)
    ref.field.add(name="weight", number=2, type=F.TYPE_FLOAT, label=F.LABEL_OPTIONAL)
    meta = proto.message_type.add(name="GeometryPipelineMetadata")
    meta.field.add(name="canonical_mesh", number=1, type=F.TYPE_MESSAGE, label=F.LABEL_OPTIONAL,
                   type_name=".phadtf.Mesh3d")
    meta.field.add(name="procrustes_landmark_basis", number=2, type=F.TYPE_MESSAGE, label=F.LABEL_REPEATED,
                   type_name=".phadtf.WeightedLandmarkRef")
    meta.field.add(name="input_source", number=3, type=F.TYPE_INT32, label=F.LABEL_OPTIONAL)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("phadtf.GeometryPipelineMetadata"))


def decode_mesh(blob: bytes, source: str = "mesh") -> CanonicalMesh:
    """Decode a serialized GeometryPipelineMetadata into vertices, UVs and triangles (vertex layout XYZUV)."""
    meta = _metadata_class()()
    try:
        meta.ParseFromString(blob)
    except Exception as exc:  # protobuf's DecodeError and friends
        raise PhadtfError(f"{source}: not a face geometry protobuf ({exc})") from exc
    mesh = meta.canonical_mesh
    buf = np.asarray(mesh.vertex_buffer, np.float64)
    idx = np.asarray(mesh.index_buffer, np.int64)
    if mesh.vertex_type != 0 or buf.size == 0 or buf.size % 5 or idx.size % 3 or idx.max(initial=0) >= buf.size // 5:
        raise PhadtfError(f"{source}: canonical mesh is not an XYZUV triangle list")
    xyzuv = buf.reshape(-1, 5)
    return CanonicalMesh(vertices=xyzuv[:, :3].copy(), uv=xyzuv[:, 3:5].copy(),
                         triangles=idx.reshape(-1, 3).astype(np.int32))


def load_canonical_mesh(task_path: str | Path) -> CanonicalMesh:
    """The canonical mesh inside a `face_landmarker.task` bundle."""
    try:
        with zipfile.ZipFile(task_path) as bundle:
            blob = bundle.read(MESH_ENTRY)
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        raise PhadtfError(f"{task_path}: no {MESH_ENTRY} in the face landmarker bundle ({exc})") from exc
    mesh = decode_mesh(blob, f"{task_path}:{MESH_ENTRY}")
    if len(mesh.vertices) != N_VERTICES:
        raise PhadtfError(f"{task_path}: canonical mesh has {len(mesh.vertices)} vertices, expected {N_VERTICES}")
    return mesh
