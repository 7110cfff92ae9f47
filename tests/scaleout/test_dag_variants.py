"""The DAG file builds in each runner mode (PHADTF_RUNNER=local | docker | kubernetes) in Airflow's own venv, with the
operators each mode promises; only `local` is executed on this machine (test_dag.py), the other two are parsed."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.scaleout.conftest import required

BUILD = """
import importlib.util, json
spec = importlib.util.spec_from_file_location("phadtf_persons", {path!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(json.dumps({{t.task_id: type(t).__name__ for t in module.dag.tasks}}))
"""


@pytest.mark.parametrize("runner, operator", [("local", "_BashDecoratedOperator"), ("docker", "DockerOperator"),
                                              ("kubernetes", "KubernetesPodOperator")])
def test_dag_builds(runner, operator, tmp_path):
    from phadtf_kedro.scaleout.local_airflow import AIRFLOW, DAGS

    required(AIRFLOW.is_file(), f"{AIRFLOW} not found (make airflow)")
    env = {**os.environ, "AIRFLOW_HOME": str(tmp_path), "PHADTF_RUNNER": runner, "PHADTF_DATA": "/srv/phadtf"}
    env.pop("PYTHONPATH", None)
    done = subprocess.run([str(AIRFLOW.with_name("python")), "-W", "ignore", "-c",
                           BUILD.format(path=str(DAGS / "phadtf_persons.py"))],
                          env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    tasks = json.loads(done.stdout.strip().splitlines()[-1])
    assert tasks["create_experiment"] == tasks["train_general"] == operator
    assert tasks["finetune"].endswith("MappedOperator") and tasks["refinetune"].endswith("MappedOperator")
    assert {"experiment_args", "finetune_args", "general_args", "refinetune_args", "refinetune_wanted"} <= set(tasks)
