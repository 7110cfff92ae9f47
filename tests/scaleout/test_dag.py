"""The Airflow 3 DAG `phadtf_persons` (airflow/dags/) run for real by `airflow dags test` with the LocalExecutor, two
tasks at a time, over two real persons (tiny preset), reporting to an MLflow server on PostgreSQL: one process and one
MLflow run per person, fine-tunes in parallel, a data-parallel (2-rank) train_general, then a re-fine-tune from it.
And on the features those persons produced, train_general with 2 ranks predicts what it does with 1."""

from __future__ import annotations

import time

import pytest

from tests.scaleout.conftest import PERSONS, QUIET, overlapped, required, runs_by_pipeline, two_persons

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dag_run(mlflow_server, tmp_path_factory):
    import mlflow

    from phadtf_kedro.scaleout.local_airflow import AIRFLOW, LocalAirflow

    required(AIRFLOW.is_file(), f"{AIRFLOW} not found (make airflow)")
    root = tmp_path_factory.mktemp("dag")
    project = two_persons(root / "project")
    conf = {"persons": list(PERSONS), "env": "tiny", "world_size": 2, "refinetune": True}
    env = {**QUIET, "MLFLOW_TRACKING_URI": mlflow_server.uri, "PHADTF_THREADS": "1"}
    start = time.monotonic()
    with LocalAirflow(root / "airflow-home", project, parallel=2, env=env) as airflow:
        airflow.test("phadtf_persons", conf, timeout=2400)
    return project, mlflow.MlflowClient(tracking_uri=mlflow_server.uri), time.monotonic() - start


def test_one_process_and_run_per_person_in_parallel(dag_run):
    _, client, _ = dag_run
    assert client.search_runs(["0"]) == []
    runs = runs_by_pipeline(client, "finetune")
    assert overlapped(*runs.values())  # two mapped tasks at once
    for person, run in runs.items():
        assert run.info.status == "FINISHED" and run.info.run_name == f"finetune · {person}"
        assert run.data.params["person_id"] == person
        # no local general model yet: the start gate chose the shipped one or scratch
        assert run.data.tags["audio_motion.start"] in ("scratch",
                                                       "general:phadtf_kedro/assets/atcnet_general.safetensors")
    assert len({run.data.tags["pid"] for run in runs.values()}) == 2  # one process each


def test_train_general_data_parallel_after_the_fan_in(dag_run):
    import json

    project, client, _ = dag_run
    experiment = client.get_experiment_by_name("phadtf_kedro").experiment_id
    (general,) = client.search_runs([experiment], filter_string="tags.pipeline = 'train_general'")
    finetunes = runs_by_pipeline(client, "finetune").values()
    assert general.info.status == "FINISHED" and general.data.tags["persons"] == ",".join(sorted(PERSONS))
    assert general.info.start_time > max(r.info.end_time for r in finetunes)  # fan-in
    assert general.data.params["train_general.world_size"] == "2"
    assert len(client.get_metric_history(general.info.run_id, "train_general.loss")) == 2  # tiny: 2 epochs
    report = json.loads((project / "data" / "08_reporting" / "general" / "train_general.json").read_text())
    assert report["world_size"] == 2 and report["persons"] == sorted(PERSONS)
    assert (project / "data" / "06_models" / "general" / "atcnet.safetensors").is_file()


def test_refinetune_starts_from_the_general_model(dag_run):
    _, client, _ = dag_run
    experiment = client.get_experiment_by_name("phadtf_kedro").experiment_id
    (general,) = client.search_runs([experiment], filter_string="tags.pipeline = 'train_general'")
    for person, run in runs_by_pipeline(client, "audio_motion+evaluation").items():
        assert run.info.status == "FINISHED" and run.info.start_time > general.info.end_time
        assert run.data.metrics["audio_motion.from_general"] == 1, person
        assert run.data.tags["audio_motion.start"].endswith("data/06_models/general/atcnet.safetensors"), person


def test_two_ranks_equal_one_on_real_features(dag_run, tmp_path):
    """train_general's node on the two persons' real coefficients and MFCC windows (dropout off: its masks are drawn
    per rank). On these, Adam amplifies float rounding: one process on 1 vs 2 threads (only the summation order
    changes) already ends ~1e-2 apart in weights after an epoch. So "within float tolerance" is measured against that:
    2 ranks stay within 3× the 1- vs 2-thread gap of one process, in predictions and final loss (measured here: 0.0080
    vs 0.0076 in predictions), or of that measured gap where a library build makes 1 and 2 threads agree exactly;
    tests/scaleout/test_ddp.py checks the tight equality on well-conditioned data."""
    import torch
    import yaml

    from phadtf_kedro.datasets import NpzDataset
    from phadtf_kedro.pipelines.train_general.nodes import general_sequences, train_general_atcnet

    project, _, _ = dag_run
    features = project / "data" / "04_feature"
    load = {name: {p: NpzDataset(filepath=str(features / p / f"{name}.npz")).load for p in PERSONS}
            for name in ("coefficients", "mfcc_windows")}
    conf = project / "conf"
    params = {**yaml.safe_load((conf / "base" / "parameters_train_general.yml").read_text())["train_general"],
              **yaml.safe_load((conf / "tiny" / "parameters_train_general.yml").read_text())["train_general"],
              "epochs": 1}
    network = {**yaml.safe_load((conf / "base" / "parameters_audio_motion.yml").read_text())["audio_motion"]["network"],
               "dropout": 0.0}
    sequences = general_sequences({}, load["coefficients"], load["mfcc_windows"], params)
    threads = torch.get_num_threads()
    try:
        runs = {}
        for name, n_threads, world_size in (("one", 1, 1), ("reordered", 2, 1), ("two_ranks", 2, 2)):
            torch.set_num_threads(n_threads)  # two_ranks: 1 thread per rank
            runs[name] = train_general_atcnet(sequences, {}, tmp_path / f"{name}.safetensors", network,
                                              {**params, "world_size": world_size})
    finally:
        torch.set_num_threads(threads)
    (one, _, report_one), (reordered, _, report_reordered), (two, _, report_two) = runs.values()
    assert report_one["steps"] == report_two["steps"] > 5 and report_two["world_size"] == 2
    heard = [torch.as_tensor(w[:200]) for w in sequences["windows"]]

    def gap(a, b) -> float:
        return max(float((a.predict(h) - b.predict(h)).abs().max()) for h in heard)

    # with some library builds the 1- and 2-thread runs sum in the same order and agree exactly; the floor is then
    # the gap measured where they differed (0.0076 in predictions)
    noise = gap(one, reordered)
    assert noise < 0.1
    assert gap(one, two) <= 3 * max(noise, 0.01)
    loss_noise = abs(report_one["final_loss"] - report_reordered["final_loss"])
    assert abs(report_one["final_loss"] - report_two["final_loss"]) <= 3 * max(loss_noise, 1e-3) + 1e-6
