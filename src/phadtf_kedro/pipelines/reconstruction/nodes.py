"""Reconstruction nodes: per-frame coefficients and a per-person face model from the preprocessing tracks and crops.

Only the first `train_seconds` of the video teach the model (shape, expression basis, texture); every frame gets
coefficients, and the held-out frames measure how well the model generalizes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from phadtf_kedro.errors import PhadtfError
from phadtf_kedro.face.appearance import fit_appearance
from phadtf_kedro.face.camera import crop_intrinsics, focal_px
from phadtf_kedro.face.crop import fill_gaps
from phadtf_kedro.face.mesh import load_canonical_mesh
from phadtf_kedro.face.model import FaceModel, coefficient_names, pack
from phadtf_kedro.face.pose import matrix_to_pose
from phadtf_kedro.face.render import FaceRenderer
from phadtf_kedro.face.shape import PersonalShape, fit_shape, reprojection_error
from phadtf_kedro.face.texture import uv_footprint
from phadtf_kedro.face.tracker import resolve_model_path


def tracked_motion(face_tracks: dict[str, np.ndarray], params: dict[str, Any]) -> dict[str, np.ndarray]:
    """Expression (blendshapes) and pose (from the transformation matrix) per frame; untracked frames interpolated."""
    valid = face_tracks["num_faces"] == 1
    if valid.sum() < 2:
        raise PhadtfError("face_tracks: fewer than 2 tracked frames; rerun preprocessing on a usable video")
    poses = np.full((len(valid), 6), np.nan)
    poses[valid] = matrix_to_pose(face_tracks["transform"][valid])
    train = np.arange(len(valid)) < int(round(params["train_seconds"] * float(face_tracks["fps"])))
    return {"expression": fill_gaps(face_tracks["blendshapes"]), "poses": fill_gaps(poses),
            "valid": valid, "train": train}


def fit_face_shape(face_tracks: dict[str, np.ndarray], motion: dict[str, np.ndarray], model_path: str | None,
                   params: dict[str, Any]) -> dict[str, np.ndarray]:
    """The person's neutral shape and linear expression basis, fitted to the training frames' landmarks."""
    mesh = load_canonical_mesh(resolve_model_path(model_path))
    focal = focal_px(face_tracks["frame_size"][1], params["vertical_fov_deg"])
    intrinsics = crop_intrinsics(focal, face_tracks["frame_size"], face_tracks["crop_affine"])
    fit = motion["train"] & motion["valid"]
    shape = fit_shape(mesh.vertices, face_tracks["crop_landmarks"][fit], motion["expression"][fit],
                      motion["poses"][fit], intrinsics[fit], ridge=params["expression_ridge"],
                      rounds=params["shape_rounds"])
    return {"neutral": shape.neutral, "basis": shape.basis, "uv": mesh.uv, "triangles": mesh.triangles,
            "focal": np.float64(focal), "frame_size": face_tracks["frame_size"], "intrinsics": intrinsics}


def fit_face_appearance(face_shape: dict[str, np.ndarray], motion: dict[str, np.ndarray],
                        face_tracks: dict[str, np.ndarray], face_crops: dict[str, np.ndarray],
                        params: dict[str, Any]) -> tuple[dict, dict, dict]:
    """UV albedo texture from the training crops and SH lighting for every frame; returns (face model, coefficients,
    photometric figures)."""
    shape = PersonalShape(face_shape["neutral"], face_shape["basis"])
    crops = face_crops["crops"]
    model = FaceModel(shape, face_shape["uv"], face_shape["triangles"], np.ones((1, 1, 3), np.float32),
                      float(face_shape["focal"]), tuple(face_shape["frame_size"]),
                      [str(n) for n in face_tracks["blendshape_names"]])
    base = pack(motion["expression"], motion["poses"], np.zeros((len(crops), 27)))
    renderer = FaceRenderer(model.triangles, model.uv, None, crops.shape[1], samples=0)
    try:
        appearance = fit_appearance(
            renderer, lambda t: model.camera_vertices(base[t])[0], face_shape["intrinsics"], crops,
            np.flatnonzero(motion["train"] & motion["valid"]), texture_size=params["texture_size"],
            stride=params["texture_stride"], sigma=params["robust_sigma"], erode=params["mask_erode_px"],
            footprint=uv_footprint(model.uv, model.triangles, params["texture_size"]))
    finally:
        renderer.release()
    model.texture = appearance.texture
    coefficients = {"coefficients": pack(motion["expression"], motion["poses"], appearance.light),
                    "names": np.array(coefficient_names(model.blendshape_names)),
                    "valid": motion["valid"], "train": motion["train"]}
    photometric = {"psnr": appearance.psnr, "texture_coverage": appearance.texture_coverage}
    return model.to_arrays(), coefficients, photometric


def reconstruction_report(person_id: str, face_model: dict[str, np.ndarray], face_coefficients: dict[str, np.ndarray],
                          face_tracks: dict[str, np.ndarray], photometric: dict[str, Any]) -> tuple[dict, dict]:
    """Landmark reprojection error and photometric PSNR, on training and held-out frames."""
    model = FaceModel.from_arrays(face_model)
    c = face_coefficients["coefficients"].astype(np.float64)
    intrinsics = model.intrinsics(face_tracks["crop_affine"])
    errors = reprojection_error(model.shape, c[:, :52], c[:, 52:58], intrinsics, face_tracks["crop_landmarks"])
    valid, train = face_coefficients["valid"], face_coefficients["train"]
    held = valid & ~train
    figures = {
        "reprojection_px_train": float(errors[valid & train].mean()),
        "reprojection_px_heldout": float(errors[held].mean()) if held.any() else float("nan"),
        "photometric_psnr_train": float(photometric["psnr"][valid & train].mean()),
        "photometric_psnr_heldout": float(photometric["psnr"][held].mean()) if held.any() else float("nan"),
        "texture_coverage": float(photometric["texture_coverage"]),
        "train_frames": int((valid & train).sum()),
        "heldout_frames": int(held.sum()),
    }
    report = {"person_id": str(person_id), **{k: round(v, 4) if isinstance(v, float) else v for k, v in figures.items()},
              "focal_px": round(model.focal, 3)}
    metrics = {k: {"value": float(v), "step": 0} for k, v in figures.items() if np.isfinite(v)}
    return report, metrics
