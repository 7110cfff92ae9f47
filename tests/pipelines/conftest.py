"""One finetune run of the real clip 31.mp4 (tiny preset), shared by the stage tests that inspect its outputs."""

from __future__ import annotations

import pytest

from tests.conftest import VIDEO_31, add_video, load_npz, make_project, run_session, shared


@pytest.fixture(scope="session")
def run31(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("p31") / "project")
    add_video(project, "31", shared(VIDEO_31))
    run_session(project, "finetune", env="tiny", person_id="31")
    return project


def finetune_run(project, pipeline: str = "finetune", person_id: str = "31"):
    """The first MLflow run of a pipeline for a person in the fixture project (other tests add runs of single stages),
    found by the tags a user filters on (phadtf_kedro.tracking)."""
    import mlflow

    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{project / 'mlflow.db'}")
    runs = client.search_runs([client.get_experiment_by_name("phadtf_kedro").experiment_id],
                              filter_string=f"tags.pipeline = '{pipeline}' and tags.person_id = '{person_id}'",
                              order_by=["attributes.start_time ASC"])
    assert runs, f"no {pipeline} run of person {person_id} logged"
    return client, runs[0]


def load31(project, layer: str, name: str) -> dict:
    """An .npz output of person 31 in the fixture project, e.g. load31(run31, "03_primary", "face_tracks.npz")."""
    return load_npz(project / "data" / layer / "31" / name)
