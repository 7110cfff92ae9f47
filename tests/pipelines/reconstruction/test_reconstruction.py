"""Reconstruction on the real clip 31.mp4 (tiny preset): the personalized model's fit, on training and held-out frames."""

from __future__ import annotations

import json

import numpy as np
import pytest

from phadtf_kedro.face.model import N_COEFFICIENTS, FaceModel
from phadtf_kedro.face.pose import pose_to_matrix
from tests.pipelines.conftest import finetune_run, load31

pytestmark = pytest.mark.slow


def _report(project):
    return json.loads((project / "data" / "08_reporting" / "31" / "reconstruction.json").read_text())


def test_landmark_reprojection_error(run31):
    """Targets from the issue: ≤ 1.0 px on training frames, ≤ 1.5 px held out (256² crops). Measured with the base
    preset: 0.55 / 0.96 px; the unpersonalized canonical mesh with the tracker's own pose gives 4.2 / 4.1 px."""
    report = _report(run31)
    assert report["train_frames"] == 300 and report["heldout_frames"] == 307
    assert report["reprojection_px_train"] <= 1.0
    assert report["reprojection_px_heldout"] <= 1.5


def test_photometric_fit_is_a_real_texture(run31):
    """Texture × SH shading vs the crop inside the face mask. Floor 24 dB: the base preset measured 28.2 (train) and
    26.4 dB (held-out); a flat texture of the face's mean colour under the same fitted light scores about 20 dB here
    (see test_flat_texture_scores_lower), so 24 dB can only be reached with a real, aligned albedo."""
    report = _report(run31)
    assert report["photometric_psnr_train"] >= 24.0
    assert report["photometric_psnr_heldout"] >= 23.0
    assert report["texture_coverage"] >= 0.75


def test_coefficients_layout_and_pose_round_trip(run31):
    coeffs = load31(run31, "04_feature", "coefficients.npz")
    c = coeffs["coefficients"]
    assert c.shape == (607, N_COEFFICIENTS) and np.isfinite(c).all()
    assert list(coeffs["names"][:2]) == ["expression/_neutral", "expression/browDownLeft"]
    assert coeffs["names"][52] == "pose/pitch" and coeffs["names"][58] == "light/0r"
    tracks = load31(run31, "03_primary", "face_tracks.npz")
    np.testing.assert_allclose(pose_to_matrix(c[:, 52:58]), tracks["transform"], atol=2e-4)
    np.testing.assert_allclose(c[:, :52], tracks["blendshapes"], atol=1e-6)


def test_face_model_is_personal(run31):
    model = FaceModel.from_arrays(load31(run31, "06_models", "face_model.npz"))
    assert model.shape.neutral.shape == (468, 3) and model.shape.basis.shape == (52, 468, 3)
    assert model.texture.shape == (128, 128, 3)  # tiny preset
    jaw = model.blendshape_names.index("jawOpen")
    chin = 152  # the chin's lowest point moves down when the jaw opens
    assert model.shape.basis[jaw, chin, 1] < -0.5
    assert model.texture.std() > 0.05  # not flat


def test_reconstruction_is_logged_to_mlflow(run31):
    _, run = finetune_run(run31)
    for name in ("reprojection_px_train", "reprojection_px_heldout", "photometric_psnr_train",
                 "photometric_psnr_heldout"):
        assert np.isfinite(run.data.metrics[f"reconstruction.{name}"])
    assert run.data.params["reconstruction.texture_stride"] == "5"  # the tiny preset's parameters were logged


def test_flat_texture_scores_lower(run31):
    """The PSNR floor above means something: the same geometry and light with a flat mean-colour texture score
    well below the fitted albedo."""
    from phadtf_kedro.face.sequence import render_sequence
    from phadtf_kedro.metrics.image import masked_psnr

    model = FaceModel.from_arrays(load31(run31, "06_models", "face_model.npz"))
    coeffs = load31(run31, "04_feature", "coefficients.npz")["coefficients"]
    crops = load31(run31, "02_intermediate", "face_crops.npz")["crops"]
    affine = load31(run31, "03_primary", "face_tracks.npz")["crop_affine"]
    frames = np.arange(310, 600, 29)  # held-out frames
    fitted, flat_texture = model.texture, np.broadcast_to(model.texture.reshape(-1, 3).mean(0), model.texture.shape)
    scores = {}
    for name, texture in (("fitted", fitted), ("flat", flat_texture)):
        model.texture = np.ascontiguousarray(texture)
        renders = render_sequence(model, coeffs[frames], affine[frames], 256, samples=0, outputs=("rgba",))
        scores[name] = np.mean([masked_psnr(r.color()[r.alpha >= 0.5], crops[t][r.alpha >= 0.5] / 255.0)
                                for r, t in zip(renders, frames)])
    print(scores)
    assert scores["fitted"] >= 23.0
    assert scores["flat"] <= scores["fitted"] - 3.0
