"""The MLflow UI on the store a real finetune run wrote (clip 31, tiny preset): its REST API lists the run's name,
person_id, tags, stage metrics and wall times, loss curves and contact sheets; in headless Chromium the runs table names
the run `finetune · 31`, the README's filter `tags.person_id = "31"` keeps it, and the run's page renders."""

from __future__ import annotations

import sys
import urllib.parse
from pathlib import Path

import pytest

from tests.pipelines.conftest import finetune_run
from tests.test_browser import browse, chromium, free_port, get, get_json, serve

MLFLOW = str(Path(sys.executable).with_name("mlflow"))


def check_mlflow_ui(project: Path, run_id: str, experiment_id: str, workdir: Path) -> None:
    """Serve `project`'s mlflow.db the way the README says and check what a user sees of run `run_id`."""
    browser = chromium()
    url = f"http://127.0.0.1:{free_port()}"
    cmd = [MLFLOW, "ui", "--backend-store-uri", f"sqlite:///{project / 'mlflow.db'}", "--host", "127.0.0.1",
           "--port", url.rsplit(":", 1)[1], "--workers", "1"]
    with serve(cmd, project, f"{url}/health", workdir / "mlflow_ui.log"):
        api = f"{url}/api/2.0/mlflow"
        found = get_json(f"{api}/runs/search", {"experiment_ids": [experiment_id]})["runs"]
        run = next(r for r in found if r["info"]["run_id"] == run_id)
        assert run["info"]["status"] == "FINISHED" and run["info"]["run_name"] == "finetune · 31"
        params = {p["key"]: p["value"] for p in run["data"]["params"]}
        assert params["person_id"] == "31"
        tags = {t["key"]: t["value"] for t in run["data"]["tags"]}
        assert {k: tags.get(k) for k in ("person_id", "pipeline", "preset", "git_commit")} == {
            "person_id": "31", "pipeline": "finetune", "preset": "tiny", "git_commit": "unknown"}  # a copy, not a repo
        assert not [v for v in tags.values() if " object at 0x" in v or v.startswith(str(project))], tags
        metrics = {m["key"] for m in run["data"]["metrics"]}
        assert any(k.startswith("preprocessing.") for k in metrics), sorted(metrics)
        assert {"time.preprocessing_s", "time.refinement_s", "time.evaluation_s", "time.total_s"} <= metrics
        curves = sorted(k for k in metrics if k.startswith("audio_motion.train"))
        assert curves, sorted(metrics)
        query = urllib.parse.urlencode({"run_id": run_id, "metric_key": curves[0]})
        history = get_json(f"{api}/metrics/get-history?{query}")["metrics"]
        assert len({m["step"] for m in history}) >= 2, history  # a curve, not one number

        sheets = []
        for folder in ("preprocessing", "rendering", "blending"):
            listing = get_json(f"{api}/artifacts/list?{urllib.parse.urlencode({'run_id': run_id, 'path': folder})}")
            sheets += [f["path"] for f in listing.get("files", []) if f["path"].endswith("contact_sheet.png")]
        assert "preprocessing/preprocessing_contact_sheet.png" in sheets, sheets
        png = get(f"{url}/get-artifact?{urllib.parse.urlencode({'path': sheets[0], 'run_uuid': run_id})}")
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000

        runs_page = browse(browser, f"{url}/#/experiments/{experiment_id}/runs", workdir / "runs")
        # the README's filter for one person's runs, typed into the runs page's search box (here through its URL)
        person_31, person_32 = (browse(browser, f"{url}/#/experiments/{experiment_id}/runs?" + urllib.parse.urlencode(
            {"searchFilter": f'tags.person_id = "{p}"'}, quote_via=urllib.parse.quote), workdir / f"runs_{p}")
            for p in (31, 32))
        run_page = browse(browser, f"{url}/#/experiments/{experiment_id}/runs/{run_id}", workdir / "run",
                          screenshot=workdir / "mlflow_run.png")
    assert "phadtf_kedro" in runs_page and "finetune · 31" in runs_page, "the runs table does not name the person"
    assert "finetune · 31" in person_31 and "finetune · 31" not in person_32, "the person filter does not filter"
    assert run_id in run_page and "person_id" in run_page, "the run page does not show the run and its parameters"


@pytest.mark.slow
def test_mlflow_ui_shows_the_finetune_run(run31, tmp_path):
    chromium()  # skip (or fail on CI) before anything else when there is no browser
    _, run = finetune_run(run31)
    check_mlflow_ui(run31, run.info.run_id, run.info.experiment_id, tmp_path)
