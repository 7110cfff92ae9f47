"""Scale-out fixtures: a private PostgreSQL cluster and MLflow servers on it (127.0.0.1, stopped by PID when the
fixture ends), and a project holding two real persons. Under CI a missing PostgreSQL or Airflow fails the test."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA, VIDEO_31, add_video, make_project, shared

PERSONS = {"31": VIDEO_31, "vox2_741400163": SHARED_DATA / "corpus" / "vox2_741400163.mp4"}  # both ≥ 12 s
ON_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
QUIET = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "KEDRO_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "1"}


def required(present: bool, message: str) -> None:
    """A skip where something this test needs is not installed, but a failure under CI, which installs it."""
    if not present:
        if ON_CI:
            pytest.fail(f"{message}: CI installs it (.ci/run)", pytrace=False)
        pytest.skip(message)


def two_persons(root: Path) -> Path:
    """A project copy with the real videos of PERSONS."""
    project = make_project(root)
    for person, video in PERSONS.items():
        add_video(project, person, shared(video))
    return project


@pytest.fixture(scope="session")
def postgres():
    from phadtf_kedro.scaleout.services import PostgresCluster, postgres_bin

    required(postgres_bin() is not None, "PostgreSQL not installed (apt-get install postgresql)")
    with PostgresCluster() as cluster:
        yield cluster


@pytest.fixture(scope="module")
def mlflow_server(postgres, tmp_path_factory):
    """A fresh MLflow tracking server (its own database, no experiment yet) with served artifacts."""
    from phadtf_kedro.scaleout.services import MLFLOW, MlflowServer

    required(MLFLOW.is_file(), f"{MLFLOW} not found")
    pytest.importorskip("psycopg")
    folder = tmp_path_factory.mktemp("mlflow-server")
    url = postgres.create_database(f"mlflow_{uuid.uuid4().hex[:8]}")
    with MlflowServer(url, folder / "artifacts", folder / "server.log") as server:
        server.artifacts = folder / "artifacts"
        yield server


def runs_by_pipeline(client, pipeline: str) -> dict[str, object]:
    """The project experiment's runs of `pipeline` ("a+b": a run of both, in either order: Kedro does not keep the
    order of `--pipelines`), by person_id tag, asserting one run per person."""
    experiment = client.get_experiment_by_name("phadtf_kedro")
    assert experiment is not None, "no phadtf_kedro experiment on the server"
    runs = [r for r in client.search_runs([experiment.experiment_id])
            if set(r.data.tags.get("pipeline", "").split("+")) == set(pipeline.split("+"))]
    persons = [r.data.tags.get("person_id") for r in runs]
    assert sorted(persons) == sorted(PERSONS), f"{pipeline}: runs of {persons}"
    return {r.data.tags["person_id"]: r for r in runs}


def overlapped(a, b) -> bool:
    return a.info.start_time < b.info.end_time and b.info.start_time < a.info.end_time
