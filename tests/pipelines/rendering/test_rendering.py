"""Rendering on the real clip 31.mp4 (tiny preset): anti-aliased renders that sit on the face, and bad inputs."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from phadtf_kedro.errors import PhadtfError
from tests.conftest import run_cli, run_session
from tests.pipelines.conftest import finetune_run, load31

pytestmark = pytest.mark.slow


def test_renders_cover_the_face_with_soft_edges(run31):
    renders = load31(run31, "07_model_output", "renders.npz")
    assert renders["rgba"].shape == (607, 256, 256, 4) and renders["normal"].shape == (607, 256, 256, 3)
    alpha = renders["rgba"][..., 3]
    edge = (alpha > 0) & (alpha < 255)
    assert edge.sum(axis=(1, 2)).min() > 100  # anti-aliased outline on every frame
    inside = alpha == 255
    assert 0.15 < inside.mean() < 0.5  # the face fills a plausible share of the 1.8× margin crop
    normal_z = renders["normal"][..., 2][inside].astype(np.float32) / 127.5 - 1.0
    assert np.median(normal_z) > 0.7  # a frontal face: normals mostly towards the camera (+Z)
    report = json.loads((run31 / "data" / "08_reporting" / "31" / "rendering.json").read_text())
    assert report["mask_landmark_coverage"] >= 0.99  # all 468 tracked face landmarks fall on the render's mask
    assert report["render_psnr_train"] >= 24.0 and report["render_psnr_heldout"] >= 23.0


def test_contact_sheet_is_logged(run31):
    client, run = finetune_run(run31)
    assert "rendering/rendering_contact_sheet.png" in [a.path for a in client.list_artifacts(run.info.run_id,
                                                                                              "rendering")]
    assert run.data.metrics["rendering.mask_landmark_coverage"] >= 0.99


def test_stage_without_earlier_outputs_names_the_missing_step(run31):
    with pytest.raises(PhadtfError, match=r"face_(crops|tracks).npz: missing for person 'nobody'; run the preprocessing step first"):
        run_session(run31, "reconstruction", env="tiny", person_id="nobody")
    result = run_cli(run31, "--pipelines=rendering", "--env=tiny", "--params", "person_id=nobody")
    assert result.returncode == 2
    assert "run the reconstruction step first" in result.stderr and "Traceback" not in result.stderr
    assert not (run31 / "data" / "07_model_output" / "nobody").exists()


def test_corrupt_coefficient_file_is_one_clear_line(run31, tmp_path):
    path = run31 / "data" / "04_feature" / "31" / "coefficients.npz"
    renders = run31 / "data" / "07_model_output" / "31" / "renders.npz"
    backup, before = tmp_path / "coefficients.npz", renders.stat().st_mtime_ns
    shutil.copy(path, backup)
    try:
        path.write_bytes(backup.read_bytes()[:4000])
        result = run_cli(run31, "--pipelines=rendering", "--env=tiny", "--params", "person_id=31")
        assert result.returncode == 2
        assert "coefficients.npz: unreadable npz file" in result.stderr and "Traceback" not in result.stderr
        np.savez(path, coefficients=np.zeros((607, 40), np.float32))
        with pytest.raises(PhadtfError, match=r"face_coefficients: coefficient array has shape \(607, 40\)"):
            run_session(run31, "rendering", env="tiny", person_id="31")
        assert renders.stat().st_mtime_ns == before  # the earlier renders are untouched
    finally:
        shutil.copy(backup, path)
