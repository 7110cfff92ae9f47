"""evaluation inside finetune on 31.mp4 (tiny preset: the first 100 held-out frames): every row and metric in the
report and in MLflow, rows that are what they claim to be, plots and a contact sheet."""

from __future__ import annotations

import json

import numpy as np
import pytest

from phadtf_kedro.evaluation.plan import ROWS
from tests.pipelines.conftest import finetune_run, load31

pytestmark = pytest.mark.slow
METRICS = ("psnr", "psnr_per_frame", "psnr_face", "ssim", "sharpness_ratio", "lmd", "mouth_corr", "mouth_std_ratio",
           "sync_lag_frames", "sync_corr", "pose_rmse_deg", "pose_std_ratio", "hs", "hs_velocity", "beat_align",
           "face_detected", "one_face")


def test_every_row_has_every_metric(run31):
    report = json.loads((run31 / "data" / "08_reporting" / "31" / "evaluation.json").read_text())
    table, notes = report["table"], report["notes"]
    assert report["heldout_frames"] == 100 and set(table) == set(ROWS)
    gate = json.loads((run31 / "data" / "06_models" / "31" / "refinement_gate.json").read_text())
    assert gate["path"] in ("refined", "blended") and report["refinement_gate"] == gate["reason"]
    # generate's path: the gate's verdict for a rendered lower face; warped real pixels are never refined
    assert report["refinement_path"] == (gate["path"] if report["lower_face"] == "render" else "blended")
    for row in ROWS:
        for name in METRICS:
            value = table[row][name]
            assert (value is not None and np.isfinite(value)) or f"{row}.{name}" in notes, (row, name)
    assert [k for k in notes if k.startswith("real.")] == ["real.psnr", "real.psnr_per_frame", "real.psnr_face"]
    client, run = finetune_run(run31)
    for row in ROWS:
        for name in ("lmd", "mouth_corr", "pose_std_ratio", "sharpness_ratio"):
            assert run.data.metrics[f"evaluation.{row}.{name}"] == pytest.approx(table[row][name])
    artifacts = [a.path for a in client.list_artifacts(run.info.run_id, "evaluation")]
    assert {"evaluation/evaluation_plots.png", "evaluation/evaluation_contact_sheet.png"} <= set(artifacts)


def test_rows_are_what_they_claim(run31):
    table = json.loads((run31 / "data" / "08_reporting" / "31" / "evaluation.json").read_text())["table"]
    assert table["real"]["face_detected"] > 0.95 and table["real"]["sync_corr"] > 0.2  # 0.36 measured
    # the still frame: a still head and a still mouth, seen by the same tracker as every other row
    assert table["static"]["pose_std_ratio"] < 0.1 and table["static"]["mouth_std_ratio"] < 0.1
    assert table["static"]["beat_align"] == 0.0  # no motion, no beats
    # replay moves like the person (it is the person), without following the held-out speech
    assert table["replay"]["pose_std_ratio"] > 0.6 and table["replay"]["hs_velocity"] > table["static"]["hs_velocity"]
    # frames of the video itself are as sharp as the video (measured on their own pixels, inside their own face), and
    # so is ours: only the lower face is pasted, synthesized at the face's own size
    assert 0.8 < table["static"]["sharpness_ratio"] < 1.3 and 0.8 < table["replay"]["sharpness_ratio"] < 1.3
    assert table["ours"]["sharpness_ratio"] > 0.6
    assert table["ours"]["one_face"] > 0.95  # no doubled features
    frames = load31(run31, "07_model_output", "evaluation/frames.npz")
    assert all(frames[row].shape == (100, 256, 256, 3) for row in ROWS)
    plan = load31(run31, "07_model_output", "evaluation/plan.npz")
    assert not np.array_equal(plan["ours.coefficients"], plan["mismatched.coefficients"])  # other speech, other motion
    assert np.array_equal(plan["real.frame"], np.arange(300, 400))
    assert (plan["ours.background"] < 300).all()  # backgrounds come from the training part only
    # pose_source matched: the real pose track only chooses the backgrounds; each frame takes its background's pose
    coefficients = load31(run31, "04_feature", "coefficients.npz")["coefficients"]
    for row in ("ours", "ours_real_pose"):
        np.testing.assert_allclose(plan[f"{row}.coefficients"][:, 52:58],
                                   coefficients[plan[f"{row}.background"]][:, 52:58], atol=1e-4)
