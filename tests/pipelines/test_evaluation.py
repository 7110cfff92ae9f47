"""evaluation inside finetune on 31.mp4 (tiny preset): one table of ours vs the static and replay baselines and the
real video, in the report and in MLflow, with plots."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.pipelines.conftest import finetune_run, load31

pytestmark = pytest.mark.slow
METRICS = ("psnr", "psnr_face", "ssim", "lmd", "pose_rmse_deg", "hs", "sync_lag_frames", "sync_corr")


def test_the_table_has_every_variant_and_metric(run31):
    report = json.loads((run31 / "data" / "08_reporting" / "31" / "evaluation.json").read_text())
    table = report["table"]
    assert report["heldout_frames"] == 307
    for variant in ("ours", "static", "replay"):
        for name in METRICS:
            assert np.isfinite(table[variant][name]), (variant, name)
        assert 0.0 <= table[variant]["hs"] <= 1.0 and table[variant]["psnr"] > 10.0
        assert abs(table[variant]["sync_lag_frames"]) <= 10
    assert table["real"]["face_detected"] > 0.95
    assert table["real"]["sync_corr"] > 0.2  # the real video's mouth follows its speech (0.37 measured at 256²)
    assert table["static"]["lmd"] > 0  # a still frame's lips are not the real ones
    frames = load31(run31, "07_model_output", "evaluation/frames.npz")
    assert frames["ours"].shape == frames["real"].shape == (307, 64, 64, 3)
    client, run = finetune_run(run31)
    for variant in ("ours", "static", "replay"):
        assert run.data.metrics[f"evaluation.{variant}.lmd"] == pytest.approx(table[variant]["lmd"])
    artifacts = [a.path for a in client.list_artifacts(run.info.run_id, "evaluation")]
    assert {"evaluation/evaluation_plots.png", "evaluation/evaluation_contact_sheet.png"} <= set(artifacts)
