"""Two persons fine-tuned at the same moment by two `kedro run`s against an MLflow server on a real PostgreSQL, pointed
at by MLFLOW_TRACKING_URI alone (conf/base untouched): the experiment, new on that server, is created once despite the
race; both runs finish, each with its person's tags, params and metrics and served artifacts; nothing lands in the
Default experiment or in the project's local SQLite store."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import KEDRO
from tests.scaleout.conftest import PERSONS, QUIET, overlapped, runs_by_pipeline, two_persons

pytestmark = pytest.mark.slow


def test_two_concurrent_finetunes_on_a_tracking_server(mlflow_server, tmp_path):
    import mlflow

    project = two_persons(tmp_path / "project")
    env = {**os.environ, **QUIET, "MLFLOW_TRACKING_URI": mlflow_server.uri}
    logs = {p: open(tmp_path / f"{p}.log", "w") for p in PERSONS}
    procs = {p: subprocess.Popen([KEDRO, "run", "--pipelines=finetune", "--env=tiny", "--params", f"person_id={p}"],
                                 cwd=project, env=env, stdout=logs[p], stderr=subprocess.STDOUT) for p in PERSONS}
    try:
        for person, proc in procs.items():
            rc = proc.wait(timeout=1500)
            assert rc == 0, (tmp_path / f"{person}.log").read_text()[-4000:]
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    client = mlflow.MlflowClient(tracking_uri=mlflow_server.uri)
    assert [e.name for e in client.search_experiments()].count("phadtf_kedro") == 1
    assert client.search_runs(["0"]) == []  # nothing in Default
    runs = runs_by_pipeline(client, "finetune")
    assert overlapped(*runs.values())  # the two really ran at the same time
    for person, run in runs.items():
        assert run.info.status == "FINISHED"
        assert run.data.params["person_id"] == person and run.data.tags["preset"] == "tiny"
        assert run.data.metrics["preprocessing.frames"] > 250 and "time.total_s" in run.data.metrics
        assert client.list_artifacts(run.info.run_id), f"{person}: no artifact served"
        assert run.info.artifact_uri.startswith("mlflow-artifacts:")  # through the server, not a client-side path
    assert any(mlflow_server.artifacts.rglob("*")), "the server's artifact store is empty"
    assert not (project / "mlflow.db").exists()  # base config's SQLite store was not used


def test_experiment_creation_race(mlflow_server):
    """Eight clients create one new experiment at the same instant: all get its id, and it exists once."""
    import threading

    import mlflow

    from phadtf_kedro.scaleout.experiment import ensure_experiment

    name, ids, errors = "race_check", [], []
    barrier = threading.Barrier(8)

    def create() -> None:
        client = mlflow.MlflowClient(tracking_uri=mlflow_server.uri)
        barrier.wait(timeout=30)
        try:
            ids.append(ensure_experiment(client, name))
        except Exception as error:  # noqa: BLE001 — reported below
            errors.append(error)

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors and len(ids) == 8 and len(set(ids)) == 1
    client = mlflow.MlflowClient(tracking_uri=mlflow_server.uri)
    assert [e.name for e in client.search_experiments()].count(name) == 1
